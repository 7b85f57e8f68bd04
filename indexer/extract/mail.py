"""E-mail messages (EML, RFC 5322): headers as document properties, the body as pages, and
each attachment run through the extractor registry with its pages numbered on.

An attachment that cannot be read becomes one page carrying its error; the message itself
still succeeds. The first page of each attachment starts with a line naming the file, so
the viewer shows where the attachment begins and its name is searchable. Files an attached
archive expands to are added to ``Extraction.children`` while the pages are read, so the
pipeline must read the children after consuming the pages.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage, Message
from pathlib import Path, PurePath
from typing import Any, ClassVar, cast

from archive.vocabulary import PageSource
from indexer.extract.base import (
    ExtractContext,
    Extraction,
    ExtractionError,
    LantaiError,
    PageContent,
    ResourceLimitExceeded,
    extractor_for,
    is_time_limit,
)
from indexer.extract.detect import EML, check_extension, detect
from indexer.extract.encoding import codec_for_label, decode_text
from indexer.extract.html import html_to_text
from indexer.extract.plaintext import read_bytes, split_pages

_MAX_NAME_BYTES = 200
# Messages forwarded as attachments of messages: real chains are a few levels deep. Each level
# is read as its own attachment, so depth multiplies the work; a 13 KB message can nest 200.
MAX_NESTING = 10
# MIME parts of one message, those of the messages nested in it included.
MAX_PARTS = 1000


@dataclass
class _Attachment:
    """One attached file: its name and bytes."""

    filename: str
    data: bytes


def _header(message: Message, name: str) -> str | None:
    """A header decoded from RFC 2047; raw 8-bit (GBK) header bytes are decoded by detection."""
    value = message.get(name)
    if value is None:
        return None
    text = str(value)
    # The parser keeps undeclared 8-bit bytes as surrogates in the raw header only.
    raw = next((v for k, v in message.raw_items() if k.lower() == name.lower()), "")
    if isinstance(raw, str) and any("\udc80" <= c <= "\udcff" for c in raw):
        text = decode_text(raw.encode("utf-8", "surrogateescape")).text
    return " ".join(text.split()) or None


def _part_text(part: Message) -> str:
    """A text part's content, decoded with its declared charset or by detection."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = codec_for_label(part.get_content_charset() or "")
    if charset:
        try:
            return payload.decode(charset)
        except (UnicodeDecodeError, LookupError):
            pass  # a wrong or unknown label: detect instead
    return decode_text(payload).text


def _filename(part: Message, index: int) -> str:
    """The attachment's file name (RFC 2231/2047 decoded), or a made-up one."""
    name = PurePath(str(part.get_filename() or "").replace("\\", "/")).name  # never a path
    name = "".join(c for c in name if c >= " " and c != "\x7f")
    if name in {"", ".", ".."}:
        return f"attachment-{index}"
    if len(name.encode("utf-8")) > _MAX_NAME_BYTES:  # file systems allow 255 bytes
        suffix = PurePath(name).suffix[:16]
        stem = name.encode("utf-8")[: _MAX_NAME_BYTES - len(suffix.encode())]
        name = stem.decode("utf-8", "ignore") + suffix
    return name


def check_shape(message: Message) -> None:
    """Refuse, before any attachment is read, a message nested deeper than ``MAX_NESTING`` or
    with more than ``MAX_PARTS`` parts (iterative: a deep message must not exhaust the stack)."""
    parts = 0
    stack: list[tuple[Message, int]] = [(message, 0)]
    while stack:
        part, depth = stack.pop()
        parts += 1
        if parts > MAX_PARTS:
            raise ResourceLimitExceeded(
                f"The message has more than {MAX_PARTS} parts (attachments and the messages "
                "nested in it counted); it was refused",
                f"该邮件的部件（附件及其中嵌套的邮件）超过 {MAX_PARTS} 个，已拒绝",
            )
        if depth > MAX_NESTING:
            raise ResourceLimitExceeded(
                f"The message nests messages more than {MAX_NESTING} levels deep "
                "(a message attached to a message attached to ...); it was refused",
                f"该邮件中的邮件嵌套超过 {MAX_NESTING} 层（邮件附件中又附有邮件……），已拒绝",
            )
        payload = part.get_payload() if part.is_multipart() else None
        if isinstance(payload, list):
            inner = depth + (part.get_content_type() == "message/rfc822")
            stack.extend((child, inner) for child in payload if isinstance(child, Message))


def _own_parts(message: Message) -> Iterator[Message]:
    """The parts of ``message`` itself: an attached message is one part, not opened here (it is
    read as an attachment, once; walking into it too made nesting cost exponential time)."""
    stack = [message]
    while stack:
        part = stack.pop()
        yield part
        payload = part.get_payload()
        if part.get_content_type() != "message/rfc822" and isinstance(payload, list):
            stack.extend(reversed([p for p in payload if isinstance(p, Message)]))


def _walk(message: Message) -> tuple[str, list[_Attachment]]:
    """The body text (text/plain preferred, else HTML) and the attachments."""
    plain: str | None = None
    html: str | None = None
    attachments: list[_Attachment] = []
    for part in _own_parts(message):
        if part.is_multipart() and part.get_content_type() != "message/rfc822":
            continue
        content_type = part.get_content_type()
        disposition = part.get_content_disposition()
        if content_type == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                name = _filename(part, len(attachments) + 1)
                if not name.lower().endswith(".eml"):
                    name += ".eml"
                attachments.append(_Attachment(name, inner[0].as_bytes()))
            continue
        if disposition == "attachment" or (part.get_filename() and disposition != "inline"):
            data = part.get_payload(decode=True)
            if isinstance(data, bytes):
                attachments.append(_Attachment(_filename(part, len(attachments) + 1), data))
            continue
        if content_type == "text/plain" and plain is None:
            plain = _part_text(part)
        elif content_type == "text/html" and html is None:
            html = _part_text(part)
    if plain is not None and plain.strip():
        return plain.replace("\r\n", "\n"), attachments
    if html is not None:
        return html_to_text(html).text, attachments
    return plain or "", attachments


def _metadata(message: Message) -> dict[str, Any]:
    """Subject as title, From as creator, Date as date, and the other addressing headers."""
    metadata: dict[str, Any] = {}
    for key, name in (("title", "Subject"), ("creator", "From"), ("to", "To"), ("cc", "Cc"),
                      ("message_id", "Message-ID")):
        value = _header(message, name)
        if value:
            metadata[key] = value
    date = message.get("Date")
    if date:
        try:
            metadata["date"] = email.utils.parsedate_to_datetime(str(date)).isoformat()
        except (TypeError, ValueError, IndexError):
            metadata["date_text"] = str(date)
    return metadata


class EmailExtractor:
    """EML files saved from mail clients and government OA systems."""

    name: ClassVar[str] = "email"
    mime_types: ClassVar[frozenset[str]] = frozenset({EML})

    def extract(self, path: Path, mime_type: str, ctx: ExtractContext) -> Extraction:
        """Parse the message now; attachments are extracted as their pages are reached."""
        message = cast(EmailMessage, email.message_from_bytes(read_bytes(path),
                                                              policy=email.policy.default))
        check_shape(message)
        body, attachments = _walk(message)
        metadata = _metadata(message)
        metadata["attachments"] = [
            {"filename": a.filename, "size": len(a.data)} for a in attachments
        ]
        body_pages = split_pages(body)
        page_count = len(body_pages) if not attachments else None
        children: list[Path] = []  # filled as pages are read: entries of attached archives
        return Extraction(page_count, _pages(body_pages, attachments, ctx, children), metadata,
                          children)


def _pages(body: list[str], attachments: list[_Attachment], ctx: ExtractContext,
           children: list[Path]) -> Iterator[PageContent]:
    """Body pages, then every attachment's pages, numbered on."""
    number = 0
    for text in body:
        number += 1
        yield PageContent(number, text, PageSource.ELECTRONIC)
        ctx.progress(number, None)
    if not attachments:
        return
    with tempfile.TemporaryDirectory(prefix="lantai-mail-", dir=ctx.workdir) as tmp:
        for index, attachment in enumerate(attachments, start=1):
            folder = Path(tmp) / str(index)
            folder.mkdir()
            target = folder / attachment.filename
            target.write_bytes(attachment.data)
            for page in _attachment_pages(target, attachment.filename, ctx, children):
                number += 1
                page.number = number
                yield page
                ctx.progress(number, None)


def _attachment_pages(path: Path, filename: str, ctx: ExtractContext, children: list[Path]
                      ) -> Iterator[PageContent]:
    """One attachment's pages, the first naming the file; any failure is a page error. Files an
    attachment expands to (a ZIP's entries, written under ``ctx.workdir``) join ``children``."""
    label = f"附件 / Attachment: {filename}"
    first = True
    try:
        detection = detect(path, filename)
        check_extension(detection)
        extraction = extractor_for(detection.mime_type).extract(path, detection.mime_type, ctx)
        for page in extraction.pages:
            if first:
                page.text = f"{label}\n{page.text}" if page.text else label
                first = False
            yield page
        children.extend(extraction.children)
    except LantaiError as exc:
        yield PageContent(0, label, PageSource.NONE, error=exc)
        return
    except Exception as exc:  # a library fault on one attachment must not fail the message
        if is_time_limit(exc):  # the document's time is up: the whole message stops
            raise
        yield PageContent(0, label, PageSource.NONE, error=ExtractionError(
            f"The attachment {filename} could not be read ({type(exc).__name__}: {exc})",
            f"附件 {filename} 无法读取，可能已损坏；请另行取得该附件的完好副本",
        ))
        return
    if first:  # the attachment had no pages at all (an archive, an empty sheet list)
        yield PageContent(0, label, PageSource.NONE)
