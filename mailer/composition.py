"""Turning an ``OutgoingMail`` into the exact bytes that will be sent.

Structure of a message (the calendar part only for meeting mails, attachments only when given)::

    multipart/mixed
      multipart/alternative
        text/plain; charset=utf-8
        text/html; charset=utf-8
        text/calendar; method=REQUEST|CANCEL; charset=utf-8
      application/pdf ... (attachments)

Non-ASCII subjects and names are written as RFC 2047 encoded words and bodies as quoted-printable or
base64, so the message is 7-bit clean and any server takes it without the 8BITMIME or SMTPUTF8
extensions.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.policy import EmailPolicy
from email.utils import format_datetime, make_msgid
from typing import Any

from mailer.errors import InvalidMailError
from mailer.headers import (
    check_extra_header,
    clean_header_text,
    fold_encoded,
    normalize_address,
    normalize_message_id,
    verify_headers,
)
from mailer.invite import calendar_text
from mailer.mail import ComposedMail, OutgoingMail
from mailer.recipient import Recipient


# SMTP line ends; 7-bit transfer encodings for every body part (see module docstring).
class _ComposePolicy(EmailPolicy):
    """SMTP's policy, but non-ASCII subjects and display names are folded by ``fold_encoded``."""

    def _fold(self, name: str, value: Any, refold_binary: bool = False) -> str:
        folded = fold_encoded(name, value, self.linesep)
        return folded if folded is not None else str(super()._fold(name, value, refold_binary))  # type: ignore[misc]


COMPOSE_POLICY = _ComposePolicy(linesep="\r\n", cte_type="7bit")


def _addresses(people: tuple[Recipient, ...] | list[Recipient]) -> list[tuple[str, str]]:
    return [(p.name, p.address) for p in people]


def _strip_part_mime_version(part: Message) -> None:
    # EmailMessage.add_alternative/add_attachment give every part its own MIME-Version header; it belongs
    # on the message only (RFC 2045 section 4).
    del part["MIME-Version"]
    if part.is_multipart():
        for child in part.get_payload():
            if isinstance(child, Message):
                _strip_part_mime_version(child)


def compose(mail: OutgoingMail) -> ComposedMail:
    """Build and serialise the message; raises ``InvalidMailError`` (or a subclass) for bad input.

    The serialised bytes are parsed back and checked against the headers meant for them, so a message
    with a forged header is never returned.
    """
    to = list(mail.to)
    cc = list(mail.cc)
    if not to:
        raise InvalidMailError("Thư phải có ít nhất một người nhận.")
    subject = clean_header_text(mail.subject)
    if not subject:
        raise InvalidMailError("Thư phải có tiêu đề.")
    if mail.message_id is not None:
        message_id = normalize_message_id(mail.message_id)
    else:
        message_id = make_msgid(domain=mail.sender.domain)
    date = mail.date or datetime.now(UTC)
    if date.utcoffset() is None:
        raise InvalidMailError("Ngày gửi thư phải có múi giờ.")

    message = EmailMessage(policy=COMPOSE_POLICY)

    def put(name: str, value: str | Address | list[Address]) -> None:
        message[name] = value

    put("From", mail.sender.as_header_address())
    put("To", [p.as_header_address() for p in to])
    if cc:
        put("Cc", [p.as_header_address() for p in cc])
    if mail.reply_to is not None:
        put("Reply-To", mail.reply_to.as_header_address())
    put("Subject", subject)
    put("Date", format_datetime(date.astimezone(UTC)))
    put("Message-ID", message_id)
    if mail.references:
        refs = [normalize_message_id(r) for r in mail.references]
        put("In-Reply-To", refs[-1])
        put("References", " ".join(refs))
    # RFC 3834: keeps out-of-office replies from answering notifications.
    put("Auto-Submitted", "auto-generated")
    for name, value in mail.extra_headers:
        put(*check_extra_header(name, value))

    message.set_content(mail.text)
    if mail.html:
        message.add_alternative(mail.html, subtype="html")
    if mail.calendar is not None:
        message.add_alternative(
            calendar_text(mail.calendar), subtype="calendar", params={"method": mail.calendar.method.value}
        )
    for attachment in mail.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename)

    if mail.language:
        # After the body: set_content() drops every Content-* header already on the message.
        put("Content-Language", clean_header_text(mail.language))
    for part in message.iter_parts() if message.is_multipart() else ():
        _strip_part_mime_version(part)
    data = message.as_bytes(policy=COMPOSE_POLICY)
    addresses = {"From": _addresses([mail.sender]), "To": _addresses(to)}
    if cc:
        addresses["Cc"] = _addresses(cc)
    # The in-memory message holds exactly the headers put above plus the MIME ones set_content added;
    # the bytes must parse back to the same.
    verify_headers(data, expected_names=message.keys(), subject=subject, addresses=addresses)

    envelope_sender = normalize_address(mail.envelope_sender) if mail.envelope_sender else mail.sender.address
    recipients = tuple(dict.fromkeys(p.address for p in [*to, *cc]))
    return ComposedMail(
        message=message, data=data, message_id=message_id, sender=envelope_sender, recipients=recipients
    )
