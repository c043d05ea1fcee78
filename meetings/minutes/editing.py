"""Editing the minutes: who may, saving as the secretary types, the version history.

A save carries the version it was based on. The text is written with one compare-and-set statement
(``UPDATE minutes SET version = v + 1 … WHERE version = v``), so of two saves based on the same version
exactly one wins, on SQLite and PostgreSQL alike, and the other is refused (409) with the current version
named — never a silent overwrite. A save that changes nothing writes nothing (a browser retrying a save
whose answer it lost gets its version back).

History: every change makes a version, but rapid saves by one author within :data:`COALESCE_SECONDS` of
that author's last history row update it instead of adding rows, so an hour of autosaving leaves one row
per minute of typing, not one per keystroke pause.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from meetings.access import can_manage_meeting
from meetings.audit import record
from meetings.errors import N_, Conflict, Forbidden, Message, NotFound, RuleViolation
from meetings.meeting import AgendaItem, Meeting, MeetingState
from meetings.minutes.content import MinutesContent
from meetings.minutes.tables import MinutesRecord, MinutesState, MinutesVersion
from meetings.people import Person
from meetings.types import utcnow
from meetings.viewing import get_meeting

COALESCE_SECONDS = 60
EDITABLE_MEETING_STATES = frozenset({MeetingState.PUBLISHED, MeetingState.LIVE, MeetingState.ENDED})
"""The secretary may prepare the minutes before the meeting and type during it."""


def can_edit_minutes(person: Person, meeting: Meeting) -> bool:
    """The meeting's secretary and chair, and the convening unit's chairs and secretaries (and admins)."""
    if not person.active:
        return False
    return can_manage_meeting(person, meeting) or person.id in (meeting.chair_id, meeting.secretary_id)


def can_approve_minutes(person: Person, meeting: Meeting) -> bool:
    """The meeting's chair (chủ tọa) approves — nobody else signs as the chair."""
    return person.active and person.id == meeting.chair_id


def require_edit(person: Person, meeting: Meeting) -> None:
    if not can_edit_minutes(person, meeting):
        raise Forbidden(
            N_("Chỉ thư ký, chủ tọa cuộc họp hoặc lãnh đạo, thư ký của đơn vị triệu tập được soạn biên bản.")
        )


@dataclass(frozen=True)
class MinutesView:
    meeting: Meeting
    minutes: MinutesRecord
    content: MinutesContent
    editable: bool

    @property
    def approved(self) -> bool:
        return self.minutes.state == MinutesState.APPROVED


def _find(session: Session, meeting_id: int) -> MinutesRecord | None:
    return session.exec(select(MinutesRecord).where(MinutesRecord.meeting_id == meeting_id)).first()


def minutes_of(session: Session, meeting_id: int) -> MinutesRecord | None:
    """The minutes of a meeting, if any was started. No access check."""
    return _find(session, meeting_id)


def _ensure(session: Session, meeting: Meeting) -> MinutesRecord:
    """The meeting's minutes row, made on first use (committed; two first uses at once make one)."""
    assert meeting.id is not None
    existing = _find(session, meeting.id)
    if existing is not None:
        return existing
    try:
        with session.begin_nested():
            minutes = MinutesRecord(meeting_id=meeting.id)
            session.add(minutes)
        session.commit()
        return minutes
    except IntegrityError:
        session.rollback()
        found = _find(session, meeting.id)
        assert found is not None
        return found


def open_minutes(session: Session, actor: Person, meeting_id: int) -> MinutesView:
    """The minutes for ``actor``: editors get the draft (made on first use); others who may see the
    meeting get the approved minutes only."""
    meeting = get_meeting(session, actor, meeting_id)
    editor = can_edit_minutes(actor, meeting)
    minutes = _find(session, meeting_id)
    if not editor:
        if minutes is None or minutes.state != MinutesState.APPROVED:
            raise Forbidden(N_("Biên bản cuộc họp chưa được chủ tọa duyệt; chỉ xem được biên bản đã duyệt."))
    elif minutes is None:
        minutes = _ensure(session, meeting)
    editable = editor and minutes.state == MinutesState.DRAFT and meeting.state in EDITABLE_MEETING_STATES
    return MinutesView(meeting, minutes, MinutesContent.from_json(minutes.content_json), editable)


def agenda_ids(session: Session, meeting_id: int) -> set[int]:
    rows = session.exec(select(AgendaItem.id).where(AgendaItem.meeting_id == meeting_id)).all()
    return {r for r in rows if r is not None}


def check_not_frozen(minutes: MinutesRecord, meeting: Meeting) -> None:
    if minutes.state == MinutesState.APPROVED:
        raise RuleViolation(N_("Biên bản đã được chủ tọa duyệt nên không sửa được nữa."), field="content")
    if meeting.state not in EDITABLE_MEETING_STATES:
        raise RuleViolation(N_("Cuộc họp này không còn soạn biên bản được."), field="content")


@dataclass(frozen=True)
class Saved:
    version: int
    saved_at: datetime
    changed: bool


def stale_message(current: int, by: str) -> Message:
    if by:
        template = N_(
            "Biên bản đã được lưu bởi người khác (%(by)s) sau khi anh/chị mở (phiên bản hiện tại %(version)d). "
            "Thay đổi của anh/chị chưa được lưu: hãy tải lại trang để xem bản mới nhất, rồi sửa tiếp."
        )
        return Message(template, {"by": by, "version": current})
    template = N_(
        "Biên bản đã được lưu bởi người khác sau khi anh/chị mở (phiên bản hiện tại %(version)d). "
        "Thay đổi của anh/chị chưa được lưu: hãy tải lại trang để xem bản mới nhất, rồi sửa tiếp."
    )
    return Message(template, {"version": current})


def _stale(current: int, by: str) -> Conflict:
    message = stale_message(current, by)
    return Conflict(message.template, field="version", **message.params)


def _record_version(
    session: Session, minutes: MinutesRecord, version: int, author_id: int | None, text: str, now: datetime
) -> None:
    latest = session.exec(
        select(MinutesVersion)
        .where(MinutesVersion.minutes_id == minutes.id)
        .order_by(col(MinutesVersion.version).desc())
    ).first()
    if (
        latest is not None
        and latest.author_id == author_id
        and now - latest.created_at < timedelta(seconds=COALESCE_SECONDS)
    ):
        latest.version, latest.content_json, latest.saved_at = version, text, now
        session.add(latest)
        return
    assert minutes.id is not None
    session.add(
        MinutesVersion(
            minutes_id=minutes.id, version=version, author_id=author_id, content_json=text, created_at=now, saved_at=now
        )
    )


def save_minutes(
    session: Session,
    actor: Person,
    meeting_id: int,
    data: object,
    *,
    base_version: int,
    now: datetime | None = None,
) -> Saved:
    """Save the secretary's text (``data`` as the editor sends it), based on ``base_version``; commits."""
    now = now or utcnow()
    try:
        meeting = get_meeting(session, actor, meeting_id)
        require_edit(actor, meeting)
        minutes = _ensure(session, meeting)
        check_not_frozen(minutes, meeting)
        content = MinutesContent.parse(data, agenda_ids(session, meeting_id))
        text = content.to_json()
        if text == MinutesContent.from_json(minutes.content_json).to_json():
            return Saved(minutes.version, minutes.updated_at, changed=False)
        if base_version != minutes.version:
            raise _stale(minutes.version, _name(session, minutes.updated_by_id))
        result = session.execute(
            update(MinutesRecord)
            .where(
                col(MinutesRecord.id) == minutes.id,
                col(MinutesRecord.version) == base_version,
                col(MinutesRecord.state) == MinutesState.DRAFT.value,
            )
            .values(version=base_version + 1, content_json=text, updated_at=now, updated_by_id=actor.id)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            session.rollback()
            current = _find(session, meeting_id)
            assert current is not None
            if current.state == MinutesState.APPROVED:
                raise RuleViolation(N_("Biên bản đã được chủ tọa duyệt nên không sửa được nữa."), field="content")
            raise _stale(current.version, _name(session, current.updated_by_id))
        _record_version(session, minutes, base_version + 1, actor.id, text, now)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return Saved(base_version + 1, now, changed=True)


def _name(session: Session, person_id: int | None) -> str:
    person = session.get(Person, person_id) if person_id is not None else None
    return person.full_name if person is not None else ""


def history(session: Session, actor: Person, meeting_id: int) -> list[MinutesVersion]:
    """The versions of the minutes, newest first (editors only)."""
    meeting = get_meeting(session, actor, meeting_id)
    require_edit(actor, meeting)
    minutes = _find(session, meeting_id)
    if minutes is None:
        return []
    query = select(MinutesVersion).where(MinutesVersion.minutes_id == minutes.id)
    return list(session.exec(query.order_by(col(MinutesVersion.version).desc())).all())


def get_version(session: Session, actor: Person, meeting_id: int, version_id: int) -> MinutesVersion:
    meeting = get_meeting(session, actor, meeting_id)
    require_edit(actor, meeting)
    minutes = _find(session, meeting_id)
    row = session.get(MinutesVersion, version_id)
    if minutes is None or row is None or row.minutes_id != minutes.id:
        raise NotFound(N_("Không tìm thấy phiên bản biên bản này."))
    return row


def restore_version(session: Session, actor: Person, meeting_id: int, version_id: int, *, base_version: int) -> Saved:
    """Make an old version's text the current one (a new version; audited)."""
    row = get_version(session, actor, meeting_id, version_id)
    content = MinutesContent.from_json(row.content_json)
    saved = save_minutes(session, actor, meeting_id, content.as_dict(), base_version=base_version)
    if saved.changed:
        minutes = _find(session, meeting_id)
        record(session, actor.id, "restore_minutes", "minutes", minutes.id if minutes else None, version=row.version)
        session.commit()
    return saved
