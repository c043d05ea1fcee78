"""The mails a meeting causes, put into the outbox in the same transaction as the change that causes them.

- publishing → an invitation (giấy mời) to every recipient;
- editing a published meeting → an update to those already invited, an invitation to those newly
  invited, a cancellation to those no longer invited; the meeting's raised ``sequence`` makes calendars
  replace the event;
- cancelling a published meeting → a cancellation to everyone who was invited;
- reminders, the day before and shortly before (``enqueue_due_reminders``, run by the worker's sweep);
- records after the meeting (``enqueue_record_mail``, for the records issue).

Idempotency keys name the meeting, the version (``sequence``) and the recipient, so enqueueing the same
change twice leaves one mail per recipient.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from meetings.audit import record
from meetings.documents import DocumentStore, mark_mailed, sanitize_filename
from meetings.errors import RuleViolation, ValidationError
from meetings.mail_recipients import (
    MailRecipient,
    checked_address,
    current_recipient,
    meeting_recipients,
    meeting_snapshot,
    message_domain,
)
from meetings.meeting import Meeting, MeetingState
from meetings.outbox import (
    OutboxItem,
    OutboxStatus,
    default_message_id,
    enqueue,
    get_item,
    require_outbox_access,
    retry_item,
)
from meetings.people import Person
from meetings.types import utcnow

MAIL = "mail"
"""The outbox kind of e-mail."""

PAYLOAD_VERSION = 1


class MailPurpose(StrEnum):
    INVITATION = "invitation"
    UPDATE = "update"
    CANCELLATION = "cancellation"
    REMINDER = "reminder"
    RECORD = "record"
    DEPUTY = "deputy"
    DOCUMENTS = "documents"
    """Documents added to a published meeting, sent on their own (meetings.document_mail)."""


class MeetingChange(StrEnum):
    PUBLISHED = "published"
    UPDATED = "updated"
    CANCELLED = "cancelled"


NO_LONGER_INVITED = "Không còn trong thành phần được mời dự họp; giấy mời đã gửi không còn giá trị."
_INVITING = (MailPurpose.INVITATION.value, MailPurpose.UPDATE.value)
_LIFECYCLE = (*_INVITING, MailPurpose.CANCELLATION.value)


def enqueue_mail(
    session: Session,
    meeting: Meeting,
    purpose: MailPurpose,
    recipient: MailRecipient,
    snapshot: dict[str, Any],
    *,
    key: str,
    **extra: Any,
) -> OutboxItem:
    """One mail about ``meeting`` to ``recipient`` into the caller's transaction; ``extra`` goes into the payload."""
    payload = {
        "v": PAYLOAD_VERSION,
        "purpose": purpose.value,
        "meeting": snapshot,
        "recipient": recipient.as_payload(),
        **extra,
    }
    # A recipient without an address is logged as failed at once, so the mail log shows who was missed.
    status, reply = (OutboxStatus.PENDING, "") if recipient.address else (OutboxStatus.FAILED, recipient.problem)
    return enqueue(
        session,
        kind=MAIL,
        destination=recipient.address,
        key=key,
        payload=payload,
        message_id=default_message_id(key, message_domain(snapshot["unit"]["email"])),
        purpose=purpose.value,
        recipient_name=recipient.name,
        recipient_ref=recipient.ref,
        meeting_id=meeting.id,
        status=status,
        last_reply=reply,
    )


def invited_by_mail(session: Session, meeting_id: int) -> dict[str, MailRecipient]:
    """Recipients whose latest mail about the meeting invited them (invitation or update), by ref."""
    items = session.exec(
        select(OutboxItem)
        .where(OutboxItem.meeting_id == meeting_id, OutboxItem.kind == MAIL)
        .where(col(OutboxItem.purpose).in_(_LIFECYCLE))
        .order_by(col(OutboxItem.id))
    ).all()
    latest: dict[str, OutboxItem] = {}
    for item in items:
        latest[item.recipient_ref] = item
    return {
        ref: MailRecipient.from_payload(item.data()["recipient"])
        for ref, item in latest.items()
        if item.purpose in _INVITING
    }


def enqueue_meeting_mail(
    session: Session, meeting: Meeting, change: MeetingChange, *, changed: Sequence[str] = ()
) -> list[OutboxItem]:
    """Enqueue the mails ``change`` of ``meeting`` causes; the caller commits them with the change.

    ``changed`` names the fields an update changed (shown in the update mail).
    """
    assert meeting.id is not None
    snapshot = meeting_snapshot(session, meeting)
    current = meeting_recipients(session, meeting)
    plan: list[tuple[MailPurpose, MailRecipient, dict[str, Any]]] = []
    if change is MeetingChange.PUBLISHED:
        plan = [(MailPurpose.INVITATION, r, {}) for r in current]
    elif change is MeetingChange.UPDATED:
        before = invited_by_mail(session, meeting.id)
        plan = [
            (MailPurpose.UPDATE, r, {"changes": list(changed)}) if r.ref in before else (MailPurpose.INVITATION, r, {})
            for r in current
        ]
        refs = {r.ref for r in current}
        plan += [
            (MailPurpose.CANCELLATION, r, {"reason": NO_LONGER_INVITED}) for ref, r in before.items() if ref not in refs
        ]
    else:
        before = invited_by_mail(session, meeting.id)
        refs = {r.ref for r in current}
        everyone = current + [r for ref, r in before.items() if ref not in refs]
        plan = [(MailPurpose.CANCELLATION, r, {"reason": meeting.cancelled_reason}) for r in everyone]
    enqueued = [
        enqueue_mail(
            session,
            meeting,
            purpose,
            recipient,
            snapshot,
            key=f"mail:{purpose.value}:{meeting.id}:{meeting.sequence}:{recipient.ref}",
            **extra,
        )
        for purpose, recipient, extra in plan
    ]
    if change is not MeetingChange.CANCELLED and plan:
        # The invitation and the update carry every document the snapshot lists (none when confidential).
        at = meeting.published_at if change is MeetingChange.PUBLISHED else None
        mark_mailed(session, [d["id"] for d in snapshot["documents"]], at or utcnow())
    return enqueued


def enqueue_deputy_mail(
    session: Session,
    meeting: Meeting,
    respondent: str,
    *,
    reply_id: int,
    deputy_name: str,
    deputy_position: str,
    accepted: bool,
    note: str,
    decided_at: datetime,
) -> OutboxItem | None:
    """Tell the unit (``respondent``: ``site:<id>`` / ``person:<id>``) that proposed a deputy what the chair
    decided; the caller commits. Each decision is its own mail: a changed decision is mailed again."""
    recipient = current_recipient(session, respondent)
    if recipient is None:
        return None
    deputy = {"name": deputy_name, "position": deputy_position, "unit": "", "phone": "", "email": ""}
    return enqueue_mail(
        session,
        meeting,
        MailPurpose.DEPUTY,
        recipient,
        meeting_snapshot(session, meeting),
        key=f"mail:deputy:{meeting.id}:{reply_id}:{decided_at.isoformat()}",
        deputy=deputy,
        deputy_accepted=accepted,
        reason=note,
    )


# Reminders -----------------------------------------------------------------------------------------------


def enqueue_due_reminders(session: Session, *, now: datetime, leads: Sequence[timedelta]) -> int:
    """Enqueue the reminders that have come due; returns how many were added. Commits per meeting.

    For each published meeting, the reminder ``lead`` before its start is due once ``now`` has passed
    that moment. Only the most imminent due reminder is sent (a worker that was down all day sends the
    30-minute one, not yesterday's too), and none that would be earlier than the publication itself.
    The key names the lead and the start time, so moving the meeting brings a new reminder.
    """
    leads = sorted({lead for lead in leads if lead > timedelta(0)})
    if not leads:
        return 0
    meetings = session.exec(
        select(Meeting)
        .where(Meeting.state == MeetingState.PUBLISHED)
        .where(col(Meeting.start_at) > now, col(Meeting.start_at) <= now + leads[-1])
        .order_by(col(Meeting.start_at))
    ).all()
    added = 0
    for meeting in meetings:
        due = [
            lead
            for lead in leads
            if meeting.start_at - lead <= now
            and (meeting.published_at is None or meeting.published_at < meeting.start_at - lead)
        ]
        if not due:
            continue
        lead = due[0]
        minutes = int(lead.total_seconds() // 60)
        stamp = meeting.start_at.strftime("%Y%m%dT%H%MZ")
        wanted = {r.ref: r for r in meeting_recipients(session, meeting) if r.address}
        keys = {ref: f"mail:reminder:{meeting.id}:{minutes}:{stamp}:{ref}" for ref in wanted}
        existing = set(
            session.exec(select(OutboxItem.idempotency_key).where(col(OutboxItem.idempotency_key).in_(keys.values())))
        )
        missing = [ref for ref, key in keys.items() if key not in existing]
        if not missing:
            continue
        snapshot = meeting_snapshot(session, meeting)
        for ref in missing:
            enqueue_mail(
                session, meeting, MailPurpose.REMINDER, wanted[ref], snapshot, key=keys[ref], lead_minutes=minutes
            )
            added += 1
        session.commit()
    return added


def reminder_sweep(leads: Sequence[timedelta]) -> Callable[[Engine, datetime], int]:
    """The worker's sweep job for :func:`enqueue_due_reminders`."""

    def run(engine: Engine, now: datetime) -> int:
        with Session(engine, expire_on_commit=False) as session:
            return enqueue_due_reminders(session, now=now, leads=leads)

    return run


# Records (minutes, conclusion notice, ...) ---------------------------------------------------------------


@dataclass(frozen=True)
class RecordMail:
    """A record to circulate. ``kind`` is ``minutes``, ``conclusion`` or ``other`` (then ``label`` names it)."""

    kind: str
    title: str
    number: str = ""
    label: str = ""
    summary: str = ""
    signer_name: str = ""
    signer_position: str = ""
    link: str = ""


@dataclass(frozen=True)
class RecordAttachment:
    filename: str
    content_type: str
    data: bytes


def address_recipient(address: str, name: str = "", language: str = "vi") -> MailRecipient:
    """A recipient given by address (not from the directory); ValidationError when it is unusable."""
    checked, problem = checked_address(address, address)
    if not checked:
        raise ValidationError(problem, field="recipients")
    return MailRecipient(ref=f"address:{checked}", name=name, address=checked, language=language)


def enqueue_record_mail(
    session: Session,
    meeting: Meeting,
    record_mail: RecordMail,
    *,
    key: str,
    store: DocumentStore,
    attachments: Sequence[RecordAttachment] = (),
    recipients: Sequence[MailRecipient] | None = None,
) -> list[OutboxItem]:
    """Circulate a record of ``meeting`` by mail; the caller commits, with the change that produced it.

    ``key`` names this record and version (``minutes:12:v2``); the same key twice sends nothing more.
    Attachments (the signed PDF) are kept in ``store`` and attached when the mail is composed — never for
    a confidential meeting: then the mail only says the record exists. ``recipients`` defaults to the
    meeting's (sites' units and invitees); see :func:`address_recipient` for others.
    """
    assert meeting.id is not None
    if record_mail.kind not in ("minutes", "conclusion", "other"):
        raise ValidationError(f"Loại văn bản không hợp lệ: {record_mail.kind!r}.", field="kind")
    if not key.strip():
        raise ValidationError("Thiếu khóa định danh cho thư gửi văn bản.", field="key")
    documents: list[dict[str, Any]] = []
    if not meeting.confidential:
        for attachment in attachments:
            documents.append(
                {
                    "name": sanitize_filename(attachment.filename),
                    "content_type": attachment.content_type,
                    "size": len(attachment.data),
                    "sha256": store.put(attachment.data),
                }
            )
    snapshot = meeting_snapshot(session, meeting)
    chosen = list(recipients) if recipients is not None else meeting_recipients(session, meeting)
    return [
        enqueue_mail(
            session,
            meeting,
            MailPurpose.RECORD,
            recipient,
            snapshot,
            key=f"mail:record:{key}:{recipient.ref}",
            record=asdict(record_mail),
            record_documents=documents,
        )
        for recipient in chosen
    ]


# Resending from the mail log -----------------------------------------------------------------------------


def resend_mail(session: Session, actor: Person, item_id: int, *, now: datetime | None = None) -> OutboxItem:
    """Send one mail of the log again, to the recipient's address as the directory has it now.

    A mail that failed to the same address is retried as it is (same Message-ID: nobody got it). A mail
    that was delivered, or whose recipient has a new address, goes out as a new message. Audited.
    """
    item = get_item(session, item_id)
    require_outbox_access(session, actor, item)
    if item.kind != MAIL:
        raise RuleViolation("Chỉ gửi lại được thư điện tử.")
    if item.status == OutboxStatus.PENDING:
        raise RuleViolation("Thư đang chờ gửi, không cần gửi lại.", field="status")
    payload = item.data()
    old = MailRecipient.from_payload(payload["recipient"])
    now_known = current_recipient(session, item.recipient_ref) or old
    recipient = replace(old, address=now_known.address, problem=now_known.problem, name=now_known.name or old.name)
    if item.status in (OutboxStatus.FAILED, OutboxStatus.DEAD) and recipient.address == item.destination:
        return retry_item(session, actor, item_id, now=now)
    if not recipient.address:
        raise ValidationError(recipient.problem or "Người nhận chưa có địa chỉ thư điện tử.", field="email")
    base = item.idempotency_key.split("#", 1)[0]
    earlier = session.exec(select(OutboxItem.idempotency_key).where(OutboxItem.meeting_id == item.meeting_id)).all()
    number = 1 + sum(1 for key in earlier if key.startswith(f"{base}#"))
    key = f"{base}#{number}"
    payload["recipient"] = recipient.as_payload()
    domain = message_domain(payload.get("meeting", {}).get("unit", {}).get("email", ""))
    copy = enqueue(
        session,
        kind=MAIL,
        destination=recipient.address,
        key=key,
        payload=payload,
        message_id=default_message_id(key, domain),
        purpose=item.purpose,
        recipient_name=recipient.name,
        recipient_ref=item.recipient_ref,
        meeting_id=item.meeting_id,
        due_at=now or utcnow(),
    )
    record(session, actor.id, "resend", "outbox_item", item.id, copy_id=copy.id, destination=recipient.address)
    session.commit()
    return copy
