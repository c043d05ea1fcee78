"""Documents added to a meeting after its invitation went out: sending them to those invited, and the
deadline a periodic briefing's documents must meet.

The invitation and each update carry the meeting's documents (meetings.meeting_mail marks them mailed).
A document uploaded afterwards waits, listed as not yet sent, until the secretary sends it: one mail per
invited site's unit and per person invited by name, in their language, through the outbox, carrying only
what had not gone out. A confidential meeting's documents are never mailed (Decision 45/2018/QĐ-TTg).

Decision 45/2018/QĐ-TTg also wants a periodic briefing's (giao ban) documents to reach attendees at least
3 working days before the meeting: :func:`document_deadline` gives the last day they may go out, counted
like the invitation's notice (meetings.rules.latest_publish_day).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from meetings import rules
from meetings.access import require_manage_meeting
from meetings.audit import record
from meetings.documents import mark_mailed, may_be_mailed
from meetings.errors import N_, Conflict, Message, NotFound, RuleViolation
from meetings.lifecycle import STATE_LABELS
from meetings.mail_recipients import meeting_recipients, meeting_snapshot
from meetings.meeting import Document, Meeting, MeetingKind, MeetingState
from meetings.meeting_mail import MailPurpose, enqueue_mail
from meetings.people import Person
from meetings.types import utcnow
from meetings.workdays import WorkCalendar, load_calendar

# Documents go out to those invited while the meeting is announced and not over.
SENDING_STATES = frozenset({MeetingState.PUBLISHED, MeetingState.LIVE})

DOCUMENT_NOTICE_WORKING_DAYS = rules.NOTICE_WORKING_DAYS
"""Decision 45/2018: a periodic meeting's documents reach attendees 3 working days ahead, as the invitation."""


def unsent_documents(session: Session, meeting_id: int) -> list[Document]:
    """The meeting's documents that have not gone out by mail, oldest first."""
    query = (
        select(Document)
        .where(Document.meeting_id == meeting_id, col(Document.mailed_at).is_(None))
        .order_by(col(Document.uploaded_at), col(Document.id))
    )
    return list(session.exec(query).all())


@dataclass(frozen=True)
class DocumentsSent:
    documents: list[Document]
    """What this sending carried; empty when everything had gone out already."""
    mails: int
    """One per recipient, those without an address included (they are logged as failed)."""
    sent_at: datetime | None


def send_documents(session: Session, actor: Person, meeting_id: int, *, now: datetime | None = None) -> DocumentsSent:
    """Mail the documents not yet sent to everyone invited, and mark them sent; audited.

    Only those who manage the meeting may (Forbidden otherwise), only while it is published or live, never
    for a confidential meeting (RuleViolation). Sending again sends only what was added since: with nothing
    new, nothing is written and ``documents`` is empty.
    """
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(N_("Không tìm thấy cuộc họp (mã %(id)s)."), id=meeting_id)
    require_manage_meeting(actor, meeting)
    if not may_be_mailed(meeting):
        raise RuleViolation(
            N_(
                "Cuộc họp mật: tài liệu không gửi qua thư điện tử; hãy chuyển tài liệu theo quy định về bảo vệ "
                "bí mật nhà nước."
            ),
            field="documents",
        )
    if meeting.state not in SENDING_STATES:
        raise RuleViolation(
            N_(
                "Cuộc họp «%(title)s» đang ở trạng thái «%(state)s»: chỉ gửi tài liệu "
                "cho các điểm cầu khi giấy mời đã phát hành và cuộc họp chưa kết thúc."
            ),
            field="documents",
            title=meeting.title,
            state=Message(STATE_LABELS[meeting.state]),
        )
    documents = unsent_documents(session, meeting_id)
    if not documents:
        return DocumentsSent([], 0, None)
    recipients = meeting_recipients(session, meeting)
    if not recipients:
        raise RuleViolation(N_("Cuộc họp chưa mời điểm cầu hay người nào để gửi tài liệu."), field="documents")
    at = now or utcnow()
    ids = [d.id for d in documents if d.id is not None]
    entries = [
        {"id": d.id, "name": d.filename, "content_type": d.content_type, "size": d.size, "sha256": d.sha256}
        for d in documents
    ]
    # The key names exactly these documents: the same sending written twice leaves one mail per recipient.
    batch = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:16]
    try:
        if mark_mailed(session, ids, at) != len(ids):
            raise Conflict(
                N_("Tài liệu vừa được gửi từ một phiên làm việc khác; hãy tải lại trang."), field="documents"
            )
        snapshot = meeting_snapshot(session, meeting)
        items = [
            enqueue_mail(
                session,
                meeting,
                MailPurpose.DOCUMENTS,
                recipient,
                snapshot,
                key=f"mail:documents:{meeting_id}:{batch}:{recipient.ref}",
                new_documents=entries,
            )
            for recipient in recipients
        ]
        record(
            session,
            actor.id,
            "send_documents",
            "meeting",
            meeting_id,
            documents=[d.filename for d in documents],
            document_ids=ids,
            recipients=len(items),
            at=at,
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return DocumentsSent(documents, len(items), at)


# The deadline of a periodic briefing's documents ------------------------------------------------------------


def document_deadline(calendar: WorkCalendar, meeting: Meeting, tz: ZoneInfo) -> date | None:
    """The last day a periodic briefing's documents may go out (3 working days before it, counted like the
    invitation's notice); None for other kinds, and for an urgent meeting, which has no notice period."""
    if meeting.kind is not MeetingKind.BRIEFING or meeting.urgent:
        return None
    return rules.latest_publish_day(calendar, rules.local_day(meeting.start_at, tz))


def sent_late(deadline: date | None, mailed_at: datetime | None, tz: ZoneInfo) -> bool:
    """Whether a document mailed at ``mailed_at`` went out after ``deadline`` (a local day)."""
    return deadline is not None and mailed_at is not None and rules.local_day(mailed_at, tz) > deadline



@dataclass(frozen=True)
class WaitingDocuments:
    """An announced meeting with documents not yet sent, and a briefing's deadline for them."""

    meeting: Meeting
    unsent: int
    deadline: date | None
    deadline_passed: bool


def waiting_documents(session: Session, unit_id: int, *, now: datetime, tz: ZoneInfo) -> list[WaitingDocuments]:
    """The unit's published or live meetings (confidential ones aside) with documents waiting to be sent,
    the soonest first: what its secretary still has to send."""
    counts = session.exec(
        select(Document.meeting_id, func.count())
        .join(Meeting, col(Meeting.id) == col(Document.meeting_id))
        .where(Meeting.convening_unit_id == unit_id, col(Meeting.state).in_(list(SENDING_STATES)))
        .where(col(Meeting.confidential).is_(False), col(Document.mailed_at).is_(None))
        .group_by(col(Document.meeting_id))
    ).all()
    if not counts:
        return []
    unsent = dict(counts)
    meetings = session.exec(
        select(Meeting).where(col(Meeting.id).in_(list(unsent))).order_by(col(Meeting.start_at), col(Meeting.id))
    ).all()
    calendar = load_calendar(session)
    today = rules.local_day(now, tz)
    waiting = []
    for meeting in meetings:
        deadline = document_deadline(calendar, meeting, tz)
        passed = deadline is not None and today > deadline
        waiting.append(WaitingDocuments(meeting, unsent[meeting.id or 0], deadline, passed))
    return waiting
