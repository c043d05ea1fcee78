"""Turning an outbox mail item (a snapshot of the meeting and one recipient) into the message to send.

Here the settings come in that the domain does not know: the site's address (links), the sender, the
time zone, the secret that signs reply links, the size above which a document is linked rather than
attached. Composing is deterministic: the same item gives the same message (same Message-ID, same Date),
so a retry is recognisably the same mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from mailer import (
    AgendaEntry,
    Attachment,
    CalendarInvite,
    CalendarMethod,
    ComposedMail,
    Contact,
    DocumentLink,
    InvalidAddressError,
    MailKind,
    MailTemplates,
    MeetingContext,
    OutgoingMail,
    Recipient,
    RecordContext,
    RecordKind,
    compose,
)
from meetings.documents import DocumentStore
from meetings.mail_recipients import MailRecipient
from meetings.meeting_mail import MailPurpose
from meetings.outbox import OutboxItem
from web.mail_links import document_url, join_url, meeting_url, reply_token, reply_url

_KINDS = {
    MailPurpose.INVITATION: MailKind.INVITATION,
    MailPurpose.UPDATE: MailKind.UPDATE,
    MailPurpose.CANCELLATION: MailKind.CANCELLATION,
    MailPurpose.REMINDER: MailKind.REMINDER,
    MailPurpose.RECORD: MailKind.RECORD,
    MailPurpose.DEPUTY: MailKind.DEPUTY,
    MailPurpose.DOCUMENTS: MailKind.DOCUMENTS,
}
_CALENDAR = {
    MailPurpose.INVITATION: CalendarMethod.REQUEST,
    MailPurpose.UPDATE: CalendarMethod.REQUEST,
    MailPurpose.CANCELLATION: CalendarMethod.CANCEL,
}
# Mails that may carry the documents themselves; the others link to them.
_ATTACHING = frozenset({MailPurpose.INVITATION, MailPurpose.UPDATE, MailPurpose.RECORD, MailPurpose.DOCUMENTS})
_REPLYING = frozenset({MailPurpose.INVITATION, MailPurpose.UPDATE, MailPurpose.REMINDER})

KIND_PHRASES: dict[str, dict[str, str]] = {
    "vi": {
        "advisory": "cuộc họp tham mưu, tư vấn",
        "resolution": "cuộc họp giải quyết công việc",
        "professional": "cuộc họp chuyên môn",
        "briefing": "cuộc họp giao ban",
        "review": "hội nghị sơ kết, tổng kết",
    },
    "en": {
        "advisory": "advisory meeting",
        "resolution": "work resolution meeting",
        "professional": "professional meeting",
        "briefing": "briefing meeting",
        "review": "review meeting",
    },
}

CHANGE_LABELS: dict[str, tuple[str, str]] = {
    "title": ("Tên cuộc họp", "Title"),
    "kind": ("Hình thức cuộc họp", "Kind of meeting"),
    "start_at": ("Thời gian bắt đầu", "Start time"),
    "end_at": ("Thời gian kết thúc", "End time"),
    "chair_id": ("Người chủ trì", "Chair"),
    "secretary_id": ("Thư ký", "Secretary"),
    "contact_id": ("Người liên hệ", "Contact person"),
    "description": ("Nội dung", "Content"),
    "preparation": ("Nội dung cần chuẩn bị", "What to prepare"),
    "place": ("Địa điểm", "Place"),
    "urgent": ("Tính chất đột xuất", "Urgency"),
    "urgent_reason": ("Lý do họp đột xuất", "Reason for urgency"),
    "confidential": ("Mức độ mật", "Confidentiality"),
    "site_ids": ("Thành phần điểm cầu", "Invited sites"),
    "invitee_ids": ("Thành phần đại biểu", "Invited people"),
    "agenda": ("Chương trình họp", "Agenda"),
}
_IGNORED_CHANGES = frozenset({"record_confidential", "last_n", "convening_unit_id"})


@dataclass(frozen=True)
class MailSettings:
    base_url: str
    sender: str
    """The address mail is sent from (``GIAOBAN_MAIL_FROM``); the convening unit's name is its display name."""
    time_zone: str
    secret_key: str
    attach_max_bytes: int
    """A document larger than this is linked, not attached; all attachments together stay under twice it."""
    join_link_minutes: int = 24 * 60
    """How long after the meeting's scheduled end a site's join link stays valid."""


class MailComposer:
    def __init__(self, settings: MailSettings, documents: DocumentStore, templates: MailTemplates) -> None:
        self.settings = settings
        self.documents = documents
        self.templates = templates

    def compose(self, item: OutboxItem) -> ComposedMail:
        """The message for ``item``; raises ``mailer.InvalidMailError`` when none can be made."""
        data = item.data()
        purpose = MailPurpose(data["purpose"])
        meeting: dict[str, Any] = data["meeting"]
        recipient = MailRecipient.from_payload(data["recipient"])
        language = recipient.language
        to = Recipient(item.destination, recipient.name, language)
        attachments, documents = self._documents(purpose, data, meeting, recipient)
        if purpose is MailPurpose.RECORD:
            context: MeetingContext | RecordContext = self._record_context(data, meeting, recipient, documents)
        else:
            context = self._meeting_context(purpose, data, meeting, recipient, documents, language)
        rendered = self.templates.render(_KINDS[purpose], context, language=language)
        unit = meeting["unit"]
        sender = Recipient(self.settings.sender, unit["name"])
        organizer = _usable(unit["email"], unit["name"]) or sender
        contact = meeting.get("contact") or {}
        reply_to = _usable(contact.get("email", ""), contact.get("name", "")) or (
            organizer if organizer.address != sender.address else None
        )
        calendar = None
        if purpose in _CALENDAR:
            calendar = CalendarInvite(
                uid=meeting["uid"],
                sequence=meeting["sequence"],
                method=_CALENDAR[purpose],
                summary=meeting["title"],
                start=datetime.fromisoformat(meeting["start"]),
                end=datetime.fromisoformat(meeting["end"]),
                organizer=organizer,
                # Each recipient gets their own message: they are its attendee, and their calendar's answer
                # is about them alone.
                attendees=[to],
                description=meeting["content"],
                location=meeting["place"] or self._join(meeting, recipient),
                url=self._join(meeting, recipient),
                stamp=item.created_at,
            )
        mail = OutgoingMail(
            sender=sender,
            to=[to],
            reply_to=reply_to,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            attachments=attachments,
            calendar=calendar,
            message_id=item.message_id,
            extra_headers=[("X-Giaoban-Key", item.idempotency_key)],
            language=language,
            date=item.created_at,
        )
        return compose(mail)

    # --- parts ------------------------------------------------------------------------------------

    def _join(self, meeting: dict[str, Any], recipient: MailRecipient) -> str:
        return join_url(
            self.settings.base_url,
            meeting["id"],
            recipient.site_id,
            secret_key=self.settings.secret_key,
            meeting_end=datetime.fromisoformat(meeting["end"]),
            link_minutes=self.settings.join_link_minutes,
        )

    def _reply(self, meeting: dict[str, Any], recipient: MailRecipient) -> str:
        if not recipient.ref.startswith(("site:", "person:")):
            return ""
        expires = datetime.fromisoformat(meeting["end"])
        token = reply_token(self.settings.secret_key, meeting["id"], recipient.ref, expires)
        return reply_url(self.settings.base_url, token)

    def _documents(
        self, purpose: MailPurpose, data: dict[str, Any], meeting: dict[str, Any], recipient: MailRecipient
    ) -> tuple[list[Attachment], list[DocumentLink]]:
        """Attach what is small enough (and may be mailed), link the rest."""
        if meeting["confidential"]:
            return [], []  # never, whatever the payload says
        record = purpose is MailPurpose.RECORD
        if record:
            entries = data.get("record_documents", [])
        elif purpose is MailPurpose.DOCUMENTS:
            entries = data.get("new_documents", [])  # only those not sent before
        else:
            entries = meeting["documents"]
        attachments: list[Attachment] = []
        links: list[DocumentLink] = []
        budget = 2 * self.settings.attach_max_bytes
        join = "" if record or not entries else self._join(meeting, recipient)
        for entry in entries:
            url = data.get("record", {}).get("link", "") if record else ""
            if not record and entry.get("id") is not None:
                url = document_url(self.settings.base_url, meeting["id"], entry["id"], join)
            content = None
            if purpose in _ATTACHING and entry["size"] <= min(self.settings.attach_max_bytes, budget):
                content = self._read(entry["sha256"])
            if content is None:
                links.append(DocumentLink(entry["name"], url=url, size_bytes=entry["size"]))
                continue
            budget -= len(content)
            content_type = entry["content_type"].split(";", 1)[0].strip() or "application/octet-stream"
            attachments.append(Attachment(entry["name"], content, content_type))
            links.append(DocumentLink(entry["name"], size_bytes=entry["size"], attached=True))
        return attachments, links

    def _read(self, sha256: str) -> bytes | None:
        try:
            return self.documents.read(sha256)
        except (OSError, ValueError):
            return None  # removed since: the mail links to it instead

    def _meeting_context(
        self,
        purpose: MailPurpose,
        data: dict[str, Any],
        meeting: dict[str, Any],
        recipient: MailRecipient,
        documents: list[DocumentLink],
        language: str,
    ) -> MeetingContext:
        english = language == "en"
        changes = [
            CHANGE_LABELS[name][1 if english else 0] if name in CHANGE_LABELS else name
            for name in data.get("changes", [])
            if name not in _IGNORED_CHANGES
        ]
        lead = data.get("lead_minutes")
        return MeetingContext(
            title=meeting["title"],
            start=datetime.fromisoformat(meeting["start"]),
            end=datetime.fromisoformat(meeting["end"]),
            convening_unit=meeting["unit"]["name"],
            chair=_contact(meeting["chair"]),
            timezone=self.settings.time_zone,
            kind=KIND_PHRASES["en" if english else "vi"].get(meeting["kind"], ""),
            content=meeting["content"],
            place=meeting["place"],
            site_name=recipient.site_name,
            join_url="" if purpose is MailPurpose.CANCELLATION else self._join(meeting, recipient),
            agenda=[AgendaEntry(a["title"], a["presenter"], a["minutes"]) for a in meeting["agenda"]],
            preparation=meeting["preparation"],
            contact=_contact(meeting["contact"]) if meeting.get("contact") else None,
            documents=documents,
            reply_url=self._reply(meeting, recipient) if purpose in _REPLYING else "",
            recipient_name=recipient.name,
            urgent=meeting["urgent"],
            confidential=meeting["confidential"],
            changes=changes,
            reason=data.get("reason", ""),
            starts_in=timedelta(minutes=lead) if lead else None,
            deputy=_contact(data["deputy"]) if data.get("deputy") else None,
            deputy_accepted=bool(data.get("deputy_accepted")),
            meeting_url=meeting_url(self.settings.base_url, meeting["id"]),
        )

    def _record_context(
        self, data: dict[str, Any], meeting: dict[str, Any], recipient: MailRecipient, documents: list[DocumentLink]
    ) -> RecordContext:
        record = data["record"]
        signer = Contact(record["signer_name"], record["signer_position"]) if record.get("signer_name") else None
        return RecordContext(
            kind=RecordKind(record["kind"]),
            title=record["title"],
            meeting_title=meeting["title"],
            meeting_start=datetime.fromisoformat(meeting["start"]),
            convening_unit=meeting["unit"]["name"],
            timezone=self.settings.time_zone,
            number=record.get("number", ""),
            label=record.get("label", ""),
            summary=record.get("summary", ""),
            documents=documents,
            link=record.get("link", ""),
            recipient_name=recipient.name,
            signer=signer,
            confidential=meeting["confidential"],
        )


def _contact(values: dict[str, str]) -> Contact:
    return Contact(
        name=values["name"],
        position=values.get("position", ""),
        unit=values.get("unit", ""),
        phone=values.get("phone", ""),
        email=values.get("email", ""),
    )


def _usable(address: str, name: str) -> Recipient | None:
    """``Recipient(address, name)``, or None when the address is missing or unusable."""
    if not address:
        return None
    try:
        return Recipient(address, name)
    except InvalidAddressError:
        return None
