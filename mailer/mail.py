"""The data the mailer works with: what a mail carries and what became of it (who it goes to: ``mailer.recipient``)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from enum import StrEnum

from mailer.errors import InvalidMailError
from mailer.headers import clean_filename
from mailer.invite import CalendarInvite
from mailer.recipient import Recipient

_CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+\-]*/[a-z0-9][a-z0-9!#$&^_.+\-]*$")


@dataclass(frozen=True)
class Attachment:
    """A file sent with the mail."""

    filename: str
    content: bytes
    content_type: str = "application/octet-stream"

    def __post_init__(self) -> None:
        object.__setattr__(self, "filename", clean_filename(self.filename))
        content_type = self.content_type.strip().lower()
        if not _CONTENT_TYPE.match(content_type):
            raise InvalidMailError(f"Kiểu nội dung tệp đính kèm không hợp lệ: {self.content_type!r}")
        object.__setattr__(self, "content_type", content_type)

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True)
class OutgoingMail:
    """Everything needed to compose one message.

    ``message_id`` may be fixed by the caller (for instance from an outbox item's idempotency key via
    ``message_id_for``) so that a retried message is recognisably the same message.
    """

    sender: Recipient
    to: Sequence[Recipient]
    subject: str
    text: str
    html: str = ""
    cc: Sequence[Recipient] = ()
    reply_to: Recipient | None = None
    attachments: Sequence[Attachment] = ()
    calendar: CalendarInvite | None = None
    message_id: str | None = None
    references: Sequence[str] = ()
    extra_headers: Sequence[tuple[str, str]] = ()
    language: str = ""
    date: datetime | None = None
    envelope_sender: str | None = None
    """Bounce address for ``MAIL FROM``; the sender's address when not given."""

    def __post_init__(self) -> None:
        for name in ("to", "cc", "attachments", "references", "extra_headers"):
            object.__setattr__(self, name, tuple(getattr(self, name)))


@dataclass(frozen=True)
class ComposedMail:
    """A message ready to send: the ``EmailMessage``, its exact bytes (CRLF line ends, 7-bit clean),
    and the SMTP envelope."""

    message: EmailMessage
    data: bytes
    message_id: str
    sender: str
    recipients: tuple[str, ...]


class DeliveryStatus(StrEnum):
    DELIVERED = "delivered"
    TEMPORARY_FAILURE = "temporary"
    """Worth retrying later: 4xx replies, refused connections, timeouts, TLS or login problems."""
    PERMANENT_FAILURE = "permanent"
    """Retrying will not help: a 5xx reply to this message or this recipient."""


@dataclass(frozen=True)
class DeliveryResult:
    """What happened to one message for one recipient."""

    message_id: str
    recipient: str
    status: DeliveryStatus
    code: int | None = None
    """The SMTP reply code, or None when there was no reply (connection refused, timeout)."""
    reply: str = ""
    """The server's reply text, or a description of the error; kept for the mail log."""

    @property
    def delivered(self) -> bool:
        return self.status is DeliveryStatus.DELIVERED

    @property
    def temporary(self) -> bool:
        return self.status is DeliveryStatus.TEMPORARY_FAILURE


SentCallback = Callable[[int, list[DeliveryResult]], Awaitable[None]]
"""Called by a transport as soon as the fate of one message is known: its index in the batch and its
results (one per recipient). A caller that records outcomes durably here loses at most the messages
still in flight if the process dies mid-batch."""
