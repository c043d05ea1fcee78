"""Choosing how mail leaves: an SMTP server when one is configured, the local maildir otherwise."""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from mailer.errors import SmtpUrlError
from mailer.mail import ComposedMail, DeliveryResult, SentCallback
from mailer.maildir import MaildirTransport
from mailer.smtp import SmtpTransport
from mailer.smtp_config import SmtpConfig


class Transport(Protocol):
    async def send(self, mails: Sequence[ComposedMail], *, on_sent: SentCallback | None = None) -> list[DeliveryResult]:
        """One result per (message, recipient), in the order of ``mails`` and their recipients;
        ``on_sent(index, results)`` as each message's fate becomes known."""
        ...

    def describe(self) -> str:
        """Where mail goes, without secrets."""
        ...


def transport_from_url(url: str | None, *, maildir: Path, tls_context: ssl.SSLContext | None = None) -> Transport:
    """``smtp://``/``smtps://`` → an SMTP server; ``maildir:///path`` → that folder; nothing → ``maildir``."""
    if url is None or not url.strip():
        return MaildirTransport(maildir)
    scheme = url.strip().split(":", 1)[0].lower()
    if scheme in ("smtp", "smtps"):
        return SmtpTransport(SmtpConfig.from_url(url), tls_context=tls_context)
    if scheme == "maildir":
        path = unquote(urlsplit(url.strip()).path)
        if not path:
            raise SmtpUrlError("maildir:// cần đường dẫn thư mục, ví dụ maildir:///var/lib/giaoban/mail.")
        return MaildirTransport(Path(path))
    raise SmtpUrlError("Địa chỉ máy chủ thư phải bắt đầu bằng smtp://, smtps:// hoặc maildir://.")
