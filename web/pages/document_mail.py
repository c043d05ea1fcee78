"""What the meeting page shows of its documents' mailing: which went out and when, which wait to be sent,
the send button, and for a periodic briefing the deadline of Decision 45/2018 (3 working days before)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from meetings import access
from meetings.document_mail import SENDING_STATES, document_deadline, sent_late
from meetings.documents import may_be_mailed
from meetings.meeting import Document, Meeting, MeetingState
from meetings.people import Person
from meetings.workdays import load_calendar


@dataclass(frozen=True)
class DocumentMailing:
    sent: dict[int, datetime]
    """Each mailed document's time of sending, by id."""
    late: frozenset[int]
    """Documents of a periodic briefing mailed after ``deadline``."""
    unsent: list[Document]
    """Documents not mailed yet, while the meeting is open for sending (published or live)."""
    deadline: date | None
    deadline_passed: bool
    confidential: bool
    can_send: bool
    """The person may press the send button: they manage the meeting and there is something to send."""


def document_mailing(
    session: Session,
    person: Person,
    meeting: Meeting,
    documents: Sequence[Document],
    *,
    issued_ids: Collection[int | None],
    tz: ZoneInfo,
    now: datetime,
) -> DocumentMailing:
    """``issued_ids``: the issued Giấy mời documents, which keep the invitation's own notice rule and are not
    judged by the documents' deadline."""
    confidential = not may_be_mailed(meeting)
    deadline = None
    if meeting.state != MeetingState.CANCELLED:
        deadline = document_deadline(load_calendar(session), meeting, tz)
    sent = {d.id: d.mailed_at for d in documents if d.id is not None and d.mailed_at is not None}
    late = frozenset(
        doc_id for doc_id, at in sent.items() if doc_id not in issued_ids and sent_late(deadline, at, tz)
    )
    open_for_sending = meeting.state in SENDING_STATES and not confidential
    unsent = [d for d in documents if d.mailed_at is None] if open_for_sending else []
    return DocumentMailing(
        sent=sent,
        late=late,
        unsent=unsent,
        deadline=deadline,
        deadline_passed=deadline is not None and now.astimezone(tz).date() > deadline,
        confidential=confidential,
        can_send=bool(unsent) and access.can_manage_meeting(person, meeting),
    )
