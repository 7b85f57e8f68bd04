"""E-mail notices over SMTP (``smtp_url``): ``smtp://`` (STARTTLS when offered) or ``smtps://``."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from config.errors import LantaiError
from config.settings import Settings

log = logging.getLogger(__name__)


class MailError(LantaiError):
    """The notice could not be sent (the decision itself stands)."""

    code = "mail_failed"
    http_status = 502
    default_zh = "通知邮件发送失败"
    default_en = "The e-mail notice could not be sent"


def send_mail(settings: Settings, to: str, subject: str, body: str, timeout: float = 20) -> None:
    """Send a plain-text message; ``MailError`` if the server refuses or cannot be reached."""
    if not settings.smtp_url:
        return
    url = urlsplit(settings.smtp_url)
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    host = url.hostname or "localhost"
    try:
        if url.scheme == "smtps":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                host, url.port or 465, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(host, url.port or 25, timeout=timeout)
        with smtp:
            smtp.ehlo()
            if url.scheme != "smtps" and smtp.has_extn("starttls"):
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if url.username:
                smtp.login(unquote(url.username), unquote(url.password or ""))
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("mail to %s failed: %s", to, exc)
        raise MailError(
            f"The e-mail notice to {to} could not be sent: {exc}", f"无法向 {to} 发送通知邮件"
        ) from exc
