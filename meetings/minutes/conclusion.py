"""The conclusion notice (thông báo kết luận): asked for after the meeting, drafted from the chair's
conclusions in the minutes, edited by the chair's office, issued by the chair (numbered, signed, filed,
mailed like the minutes). Decision 45/2018: within 5 working days after the meeting — the deadline is kept
on the notice and a notice not issued by then is overdue (:func:`overdue_conclusions`, the meeting page).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from meetings.audit import record
from meetings.errors import N_, Conflict, Forbidden, NotFound, RuleViolation
from meetings.meeting import Meeting, MeetingState
from meetings.minutes.content import ConclusionContent, MinutesContent
from meetings.minutes.editing import can_approve_minutes, can_edit_minutes, minutes_of, require_edit
from meetings.minutes.facts import MinutesFacts, gather_facts
from meetings.minutes.forms import conclusion_form, draft_conclusion
from meetings.minutes.issuing import (
    IssueServices,
    attach_once,
    check_renderable,
    sign_document,
    store_file_and_mail,
)
from meetings.minutes.tables import ConclusionRecord, ConclusionState, MinutesState
from meetings.people import Person
from meetings.records.forms import ConclusionNotice, DocumentType
from meetings.records.numbering import IssuedNumber, issue_number, lock_for_numbering
from meetings.types import utcnow
from meetings.units import Unit
from meetings.viewing import get_meeting
from meetings.workdays import WorkCalendar, load_calendar

WORKING_DAYS = 5
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
_AFTER_MEETING = frozenset({MeetingState.ENDED, MeetingState.MINUTES_APPROVED, MeetingState.FILED})


def conclusion_due(calendar: WorkCalendar, meeting_day: date) -> date:
    """The last day to issue the notice: the 5th working day after the meeting's day (holidays skipped,
    make-up Saturdays counted)."""
    return calendar.add_working_days(meeting_day, WORKING_DAYS)


def _find(session: Session, meeting_id: int) -> ConclusionRecord | None:
    return session.exec(select(ConclusionRecord).where(ConclusionRecord.meeting_id == meeting_id)).first()


def conclusion_of(session: Session, meeting_id: int) -> ConclusionRecord | None:
    """The meeting's notice, if one was asked for. No access check."""
    return _find(session, meeting_id)


def _facts(session: Session, meeting: Meeting) -> MinutesFacts:
    assert meeting.id is not None
    minutes = minutes_of(session, meeting.id)
    if minutes is not None and minutes.facts_json:
        return MinutesFacts.from_json(minutes.facts_json)
    return gather_facts(session, meeting)


def start_conclusion(
    session: Session, actor: Person, meeting_id: int, *, tz: ZoneInfo = VIETNAM, now: datetime | None = None
) -> ConclusionRecord:
    """Ask for the notice: a draft from the minutes' conclusions, with its deadline (commits; once)."""
    meeting = get_meeting(session, actor, meeting_id)
    require_edit(actor, meeting)
    existing = _find(session, meeting_id)
    if existing is not None:
        return existing
    if meeting.state not in _AFTER_MEETING:
        raise RuleViolation(N_("Thông báo kết luận được soạn sau khi cuộc họp kết thúc."), field="state")
    minutes = minutes_of(session, meeting_id)
    content = MinutesContent.from_json(minutes.content_json) if minutes is not None else MinutesContent()
    facts = _facts(session, meeting)
    draft = draft_conclusion(facts, content, tz)
    due = conclusion_due(load_calendar(session), meeting.end_at.astimezone(tz).date())
    now = now or utcnow()
    notice = ConclusionRecord(
        meeting_id=meeting_id, version=1, content_json=draft.to_json(), due_on=due, created_at=now,
        created_by_id=actor.id, updated_at=now, updated_by_id=actor.id,
    )  # fmt: skip
    try:
        with session.begin_nested():
            session.add(notice)
        record(session, actor.id, "start_conclusion", "meeting", meeting_id, due_on=due.isoformat())
        session.commit()
    except IntegrityError:
        session.rollback()
        found = _find(session, meeting_id)
        assert found is not None
        return found
    return notice


def open_conclusion(session: Session, actor: Person, meeting_id: int) -> tuple[Meeting, ConclusionRecord]:
    """The notice for ``actor``: editors see the draft; others who may see the meeting, the issued one."""
    meeting = get_meeting(session, actor, meeting_id)
    notice = _find(session, meeting_id)
    if notice is None:
        raise NotFound(N_("Cuộc họp này chưa có thông báo kết luận."))
    if not can_edit_minutes(actor, meeting) and notice.state != ConclusionState.ISSUED:
        raise Forbidden(N_("Thông báo kết luận chưa được ban hành."))
    return meeting, notice


def save_conclusion(
    session: Session, actor: Person, meeting_id: int, data: object, *, base_version: int, now: datetime | None = None
) -> ConclusionRecord:
    """The chair's office edits the draft notice (compare-and-set on ``base_version``; commits)."""
    now = now or utcnow()
    try:
        meeting = get_meeting(session, actor, meeting_id)
        require_edit(actor, meeting)
        notice = _find(session, meeting_id)
        if notice is None:
            raise NotFound(N_("Cuộc họp này chưa có thông báo kết luận."))
        if notice.state != ConclusionState.DRAFT:
            raise RuleViolation(N_("Thông báo kết luận đã ban hành nên không sửa được nữa."), field="content")
        text = ConclusionContent.parse(data).to_json()
        if text == notice.content_json:
            return notice
        result = session.execute(
            update(ConclusionRecord)
            .where(
                col(ConclusionRecord.id) == notice.id,
                col(ConclusionRecord.version) == base_version,
                col(ConclusionRecord.state) == ConclusionState.DRAFT.value,
            )
            .values(version=base_version + 1, content_json=text, updated_at=now, updated_by_id=actor.id)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(
                N_(
                    "Thông báo kết luận đã được người khác sửa hoặc ban hành sau khi anh/chị mở; thay đổi chưa được "
                    "lưu. Hãy tải lại trang."
                ),
                field="version",
            )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    session.refresh(notice)
    return notice


def issued_form(session: Session, notice: ConclusionRecord) -> ConclusionNotice:
    meeting = session.get(Meeting, notice.meeting_id)
    assert meeting is not None
    unit = session.get(Unit, meeting.convening_unit_id)
    issued = session.get(IssuedNumber, notice.issued_number_id) if notice.issued_number_id else None
    assert unit is not None and issued is not None
    return conclusion_form(
        unit, _facts(session, meeting), ConclusionContent.from_json(notice.content_json), number=issued.number,
        issued_on=issued.issued_on,
    )  # fmt: skip


def issue_conclusion(
    session: Session,
    actor: Person,
    meeting_id: int,
    *,
    services: IssueServices,
    entered_number: str | None = None,
    now: datetime | None = None,
) -> ConclusionRecord:
    """The chair issues the notice: numbered (committed), then signed, kept, filed and mailed. Safe to
    repeat after a failure; refused once complete."""
    now = now or utcnow()
    session.rollback()
    try:
        lock_for_numbering(session)
        meeting = get_meeting(session, actor, meeting_id)
        if not can_approve_minutes(actor, meeting):
            raise Forbidden(N_("Chỉ chủ tọa cuộc họp được ban hành thông báo kết luận."))
        notice = session.exec(
            select(ConclusionRecord).where(ConclusionRecord.meeting_id == meeting_id).with_for_update()
        ).first()
        if notice is None:
            raise NotFound(N_("Cuộc họp này chưa có thông báo kết luận."))
        if notice.document_id is not None:
            raise Conflict(N_("Thông báo kết luận đã được ban hành."), field="state")
        if notice.state == ConclusionState.DRAFT:
            content = ConclusionContent.from_json(notice.content_json)
            if not content.conclusions.strip():
                raise RuleViolation(N_("Thông báo kết luận chưa có nội dung kết luận."), field="conclusions")
            unit = session.get(Unit, meeting.convening_unit_id)
            assert unit is not None
            issued_on = now.astimezone(services.tz).date()
            facts = _facts(session, meeting)
            check_renderable(conclusion_form(unit, facts, content, number=None, issued_on=issued_on))
            issued = issue_number(
                session, unit=unit, document_type=DocumentType.CONCLUSION,
                issued_on=issued_on, meeting_id=meeting_id, actor_id=actor.id,
                entered=entered_number or None,
            )  # fmt: skip
            notice.state = ConclusionState.ISSUED.value
            notice.issued_at, notice.issued_by_id, notice.issued_number_id = now, actor.id, issued.id
            session.add(notice)
            record(
                session, actor.id, "issue_conclusion", "meeting", meeting_id,
                number=str(issued.number_and_symbol()),
            )  # fmt: skip
        session.commit()
        form = issued_form(session, notice)
        unit = session.get(Unit, meeting.convening_unit_id)
        chair = session.get(Person, meeting.chair_id)
        assert unit is not None and chair is not None
        signer = services.keys.for_person(chair, unit)
        agency, place = services.keys.for_agency(unit), unit.place_name or unit.name
        session.rollback()
        signed = sign_document(form, [("signer", signer)], agency, place=place)
        document = store_file_and_mail(
            session, meeting=meeting, form=form, signed=signed, kind="conclusion", signer=chair, actor_id=actor.id,
            services=services, now=now,
        )  # fmt: skip
        assert document.id is not None and notice.id is not None
        if attach_once(session, ConclusionRecord, notice.id, document.id):
            session.commit()
        else:
            session.rollback()
    except BaseException:
        session.rollback()
        raise
    session.refresh(notice)
    return notice


@dataclass(frozen=True)
class ConclusionStatus:
    """A meeting's notice as the meeting page and the dashboard show it."""

    meeting_id: int
    title: str
    due_on: date
    issued: bool
    overdue: bool
    working_days_late: int


def status_of(notice: ConclusionRecord, meeting: Meeting, calendar: WorkCalendar, today: date) -> ConclusionStatus:
    issued = notice.state == ConclusionState.ISSUED
    overdue = not issued and today > notice.due_on
    late = calendar.working_days_between(notice.due_on, today) if overdue else 0
    return ConclusionStatus(notice.meeting_id, meeting.title, notice.due_on, issued, overdue, late)


def conclusion_status(
    session: Session, meeting_id: int, now: datetime, tz: ZoneInfo = VIETNAM
) -> ConclusionStatus | None:
    notice = _find(session, meeting_id)
    meeting = session.get(Meeting, meeting_id)
    if notice is None or meeting is None:
        return None
    return status_of(notice, meeting, load_calendar(session), now.astimezone(tz).date())


def overdue_conclusions(
    session: Session, unit_id: int, now: datetime, tz: ZoneInfo = VIETNAM
) -> list[ConclusionStatus]:
    """The conclusion notices of meetings convened by ``unit_id`` not issued by their deadline, the most
    overdue first (for the dashboard). No access check: the caller shows them to the unit's people."""
    today = now.astimezone(tz).date()
    rows = session.exec(
        select(ConclusionRecord, Meeting)
        .join(Meeting, col(Meeting.id) == col(ConclusionRecord.meeting_id))
        .where(
            Meeting.convening_unit_id == unit_id,
            col(ConclusionRecord.state) == ConclusionState.DRAFT.value,
            col(ConclusionRecord.due_on) < today,
            col(Meeting.state) != MeetingState.CANCELLED,
        )
        .order_by(col(ConclusionRecord.due_on), col(ConclusionRecord.id))
    ).all()
    calendar = load_calendar(session)
    return [status_of(notice, meeting, calendar, today) for notice, meeting in rows]


def minutes_are_approved(session: Session, meeting_id: int) -> bool:
    minutes = minutes_of(session, meeting_id)
    return minutes is not None and minutes.state == MinutesState.APPROVED
