"""Scheduling meetings: create, edit, publish, run and cancel them, each step checked and audited.

Every mutating function checks the actor's access first, then the rules, then writes the change and
an audit entry and commits. Nothing is written when a check fails. Publishing, editing a published
meeting and cancelling it enqueue their mails (meetings.meeting_mail) in the same transaction.

Nothing here moves a meeting past "ended": the minutes are approved by the chair through
meetings.minutes.approval (numbered, signed, filed), and the meeting is "filed" only once the document
system has taken every filing package (meetings.records.filing.mark_filed_if_complete).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from typing import Any, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, delete

from meetings import rules
from meetings.access import require_create_meeting, require_manage_meeting
from meetings.audit import record
from meetings.drafts import (
    AgendaItemDraft,
    MeetingDraft,
    agenda_of,
    clean_draft,
    draft_of,
    invitee_ids_of,
    site_ids_of,
)
from meetings.errors import N_, NotFound, RuleViolation, ValidationError
from meetings.lifecycle import check_editable, check_transition
from meetings.meeting import AgendaItem, Meeting, MeetingInvitee, MeetingSite, MeetingState
from meetings.meeting_mail import MeetingChange, enqueue_meeting_mail
from meetings.people import Person
from meetings.text import refuse_nul
from meetings.types import utcnow
from meetings.viewing import MeetingDetail, get_meeting, list_meetings, meeting_detail
from meetings.workdays import load_calendar

__all__ = [
    "AgendaItemDraft",
    "MeetingDetail",
    "MeetingDraft",
    "agenda_of",
    "cancel_meeting",
    "check_publishable",
    "create_meeting",
    "draft_of",
    "end_meeting",
    "get_meeting",
    "invitee_ids_of",
    "list_meetings",
    "load_meeting",
    "meeting_detail",
    "publish_meeting",
    "site_ids_of",
    "start_meeting",
    "update_meeting",
]

P = ParamSpec("P")
R = TypeVar("R")

# Fields copied from a draft onto the meeting row as they are.
_SCALAR_FIELDS = (
    "title",
    "kind",
    "start_at",
    "end_at",
    "chair_id",
    "secretary_id",
    "contact_id",
    "description",
    "preparation",
    "place",
    "urgent",
    "urgent_reason",
    "confidential",
    "record_confidential",
    "last_n",
)


def _atomic(func: Callable[P, R]) -> Callable[P, R]:
    """Roll the session back when the step fails, whether half-way through writing or at a check.

    Rolling back keeps the session usable and releases the row locks the double-booking check takes.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except BaseException:
            session = args[0] if args else kwargs["session"]
            assert isinstance(session, Session)
            session.rollback()
            raise

    return wrapper


def load_meeting(session: Session, meeting_id: int) -> Meeting:
    """The meeting, without any access check; NotFound if there is none."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(N_("Không tìm thấy cuộc họp (mã %(id)s)."), id=meeting_id)
    return meeting


def _write_children(session: Session, meeting_id: int, draft: MeetingDraft) -> None:
    session.add_all(MeetingSite(meeting_id=meeting_id, site_id=s) for s in draft.site_ids)
    session.add_all(MeetingInvitee(meeting_id=meeting_id, person_id=p) for p in draft.invitee_ids)
    session.add_all(
        AgendaItem(
            meeting_id=meeting_id,
            position=position,
            title=item.title,
            presenter=item.presenter,
            planned_minutes=item.planned_minutes,
        )
        for position, item in enumerate(draft.agenda, start=1)
    )


@_atomic
def create_meeting(session: Session, actor: Person, draft: MeetingDraft, *, tz: ZoneInfo) -> Meeting:
    """Create a draft meeting of ``draft.convening_unit_id``."""
    require_create_meeting(actor, draft.convening_unit_id)
    clean = clean_draft(session, draft, meeting_id=None, tz=tz)
    meeting = Meeting(
        convening_unit_id=clean.convening_unit_id,
        created_by_id=actor.id,
        **{name: getattr(clean, name) for name in _SCALAR_FIELDS},
    )
    session.add(meeting)
    session.flush()
    assert meeting.id is not None
    _write_children(session, meeting.id, clean)
    record(session, actor.id, "create", "meeting", meeting.id, title=meeting.title, start_at=meeting.start_at)
    session.commit()
    return meeting


def _changes(before: MeetingDraft, after: MeetingDraft) -> list[str]:
    old, new = asdict(before), asdict(after)
    return [name for name in new if old[name] != new[name]]


@_atomic
def update_meeting(
    session: Session,
    actor: Person,
    meeting_id: int,
    draft: MeetingDraft,
    *,
    tz: ZoneInfo,
    now: datetime | None = None,
    attach: Callable[[Session, Meeting, list[str]], None] | None = None,
) -> Meeting:
    """Replace the meeting's details with ``draft``, while it is a draft or published.

    For a published meeting that changed, ``attach`` runs in the same transaction, with the names of the
    changed fields, before the update mails are enqueued (the records package adds the new Giấy mời).

    A published meeting gets its ``sequence`` raised (invitees' calendars replace the old invitation).
    Moving a published, non-urgent meeting earlier needs the 3 working days of notice again, counted
    from ``now``; moving it later needs none, the invitees already have more time.
    """
    meeting = load_meeting(session, meeting_id)
    require_manage_meeting(actor, meeting)
    check_editable(meeting)
    if draft.convening_unit_id != meeting.convening_unit_id:
        raise ValidationError(
            N_("Không đổi được đơn vị triệu tập của cuộc họp đã tạo; hãy huỷ và tạo cuộc họp mới."),
            field="convening_unit_id",
        )
    clean = clean_draft(session, draft, meeting_id=meeting_id, tz=tz)
    published = meeting.state == MeetingState.PUBLISHED
    if published:
        now = now or utcnow()
        if clean.start_at < meeting.start_at:
            rules.check_notice(
                load_calendar(session),
                now=now,
                start_at=clean.start_at,
                urgent=clean.urgent,
                urgent_reason=clean.urgent_reason,
                tz=tz,
            )
        elif clean.start_at <= now:
            raise RuleViolation(N_("Thời gian bắt đầu mới đã qua."), field="start_at")
    changed = _changes(draft_of(session, meeting), clean)
    if not changed:
        return meeting
    for name in _SCALAR_FIELDS:
        setattr(meeting, name, getattr(clean, name))
    for table in (MeetingSite, MeetingInvitee, AgendaItem):
        session.exec(delete(table).where(col(table.meeting_id) == meeting_id))
    _write_children(session, meeting_id, clean)
    if published:
        meeting.sequence += 1
    meeting.updated_at = utcnow()
    session.add(meeting)
    record(session, actor.id, "update", "meeting", meeting_id, changed=changed, sequence=meeting.sequence)
    if published:
        if attach is not None:
            attach(session, meeting, changed)
        enqueue_meeting_mail(session, meeting, MeetingChange.UPDATED, changed=changed)
    session.commit()
    return meeting


def check_publishable(session: Session, actor: Person, meeting_id: int, *, now: datetime, tz: ZoneInfo) -> Meeting:
    """The meeting, if ``actor`` may publish it now: every rule is checked again, with the notice counted
    from ``now``. Writes nothing."""
    meeting = load_meeting(session, meeting_id)
    require_manage_meeting(actor, meeting)
    check_transition(meeting, MeetingState.PUBLISHED)
    # The directory or other meetings may have changed since the draft was saved.
    clean_draft(session, draft_of(session, meeting), meeting_id=meeting_id, tz=tz)
    rules.check_notice(
        load_calendar(session),
        now=now,
        start_at=meeting.start_at,
        urgent=meeting.urgent,
        urgent_reason=meeting.urgent_reason,
        tz=tz,
    )
    return meeting


@_atomic
def publish_meeting(
    session: Session,
    actor: Person,
    meeting_id: int,
    *,
    now: datetime,
    tz: ZoneInfo,
    attach: Callable[[Session, Meeting], None] | None = None,
) -> Meeting:
    """Announce the meeting: every rule is checked again, with the notice counted from ``now``.

    ``attach`` runs in the same transaction before the invitations are enqueued: the records package
    uses it to add the signed Giấy mời as a document of the meeting (so the invitation mails carry it)
    and to enqueue its filing (meetings.records.invitation_issue).
    """
    meeting = check_publishable(session, actor, meeting_id, now=now, tz=tz)
    meeting.state = MeetingState.PUBLISHED
    meeting.published_at = now
    meeting.updated_at = utcnow()
    session.add(meeting)
    record(session, actor.id, "publish", "meeting", meeting_id, urgent=meeting.urgent, sequence=meeting.sequence)
    if attach is not None:
        attach(session, meeting)
    enqueue_meeting_mail(session, meeting, MeetingChange.PUBLISHED)
    session.commit()
    return meeting


@_atomic
def cancel_meeting(session: Session, actor: Person, meeting_id: int, reason: str) -> Meeting:
    """Cancel a draft or published meeting; a published one needs a reason to tell the invitees."""
    meeting = load_meeting(session, meeting_id)
    require_manage_meeting(actor, meeting)
    check_transition(meeting, MeetingState.CANCELLED)
    reason = " ".join(refuse_nul(reason, "reason", "Lý do huỷ").split())
    if meeting.state == MeetingState.PUBLISHED and not reason:
        raise ValidationError(N_("Hãy ghi lý do huỷ để báo cho các đơn vị đã được mời."), field="reason")
    if len(reason) > 500:
        raise ValidationError(N_("Lý do huỷ dài quá 500 ký tự."), field="reason")
    if meeting.state == MeetingState.PUBLISHED:
        meeting.sequence += 1  # the cancellation replaces the invitation in calendars
    meeting.state = MeetingState.CANCELLED
    meeting.cancelled_reason = reason
    meeting.updated_at = utcnow()
    session.add(meeting)
    record(session, actor.id, "cancel", "meeting", meeting_id, reason=reason)
    if meeting.published_at is not None:  # the invitees were told: tell them it is off
        enqueue_meeting_mail(session, meeting, MeetingChange.CANCELLED)
    session.commit()
    return meeting


@_atomic
def _move(
    session: Session, actor: Person, meeting_id: int, target: MeetingState, action: str, **detail: Any
) -> Meeting:
    meeting = load_meeting(session, meeting_id)
    require_manage_meeting(actor, meeting)
    check_transition(meeting, target)
    meeting.state = target
    meeting.updated_at = utcnow()
    session.add(meeting)
    record(session, actor.id, action, "meeting", meeting_id, **detail)
    session.commit()
    return meeting


def start_meeting(session: Session, actor: Person, meeting_id: int, *, now: datetime) -> Meeting:
    """The chair opens the published meeting (it goes live)."""
    return _move(session, actor, meeting_id, MeetingState.LIVE, "start", at=now)


def end_meeting(session: Session, actor: Person, meeting_id: int, *, now: datetime) -> Meeting:
    return _move(session, actor, meeting_id, MeetingState.ENDED, "end", at=now)
