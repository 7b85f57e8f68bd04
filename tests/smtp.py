"""A real SMTP server for the tests that send mail (aiosmtpd on a free local port).

The ``smtp`` fixture (registered in ``tests/conftest.py``) yields the server's URL, for the
``smtp_url`` setting, and the ``Inbox`` that keeps every message it receives.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


def serve() -> Iterator[tuple[str, Inbox]]:
    """Run a server on a free local port until the generator is closed; yields its URL and inbox."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", inbox
    finally:
        controller.stop()
