"""The meeting rules of Decision 45/2018/QĐ-TTg as checks that raise an error the user can act on.

Each check raises :class:`~meetings.errors.ValidationError` (bad input: a field is wrong) or
:class:`~meetings.errors.RuleViolation` (the input is well formed but breaks a rule: notice, double
booking), always with the form field it concerns.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select, update

from meetings.errors import N_, Message, RuleViolation, ValidationError
from meetings.meeting import Meeting, MeetingSite, MeetingState
from meetings.people import Person, Role
from meetings.units import Site, Unit
from meetings.workdays import WorkCalendar, format_day

# Decision 45/2018, art. 9: the invitation reaches invitees at least 3 working days before the meeting.
NOTICE_WORKING_DAYS = 3

# Meetings that hold their chair and sites: announced and not over. Drafts only warn
# (see conflict_warnings); ended meetings have given their time back.
BLOCKING_STATES = frozenset({MeetingState.PUBLISHED, MeetingState.LIVE})


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def format_span(start_at: datetime, end_at: datetime, tz: ZoneInfo) -> Message:
    """``08:00–11:00 ngày 05/03/2026``, or both dates when the meeting runs past midnight."""
    start, end = start_at.astimezone(tz), end_at.astimezone(tz)
    times = {"start": f"{start:%H:%M}", "end": f"{end:%H:%M}", "day": format_day(start.date())}
    if start.date() == end.date():
        return Message(N_("%(start)s–%(end)s ngày %(day)s"), times)
    return Message(N_("%(start)s ngày %(day)s – %(end)s ngày %(end_day)s"), times | {"end_day": format_day(end.date())})


# --- times -------------------------------------------------------------------------------------


def check_times(start_at: datetime, end_at: datetime) -> None:
    """Both times carry a time zone, and the meeting ends after it starts."""
    if start_at.tzinfo is None or start_at.utcoffset() is None:
        raise ValidationError(N_("Thời gian bắt đầu phải kèm múi giờ."), field="start_at")
    if end_at.tzinfo is None or end_at.utcoffset() is None:
        raise ValidationError(N_("Thời gian kết thúc phải kèm múi giờ."), field="end_at")
    if end_at <= start_at:
        raise ValidationError(N_("Thời gian kết thúc phải sau thời gian bắt đầu."), field="end_at")


def check_urgent_reason(urgent: bool, urgent_reason: str) -> None:
    if urgent and not urgent_reason.strip():
        raise ValidationError(N_("Họp đột xuất phải ghi rõ lý do."), field="urgent_reason")


# --- notice ------------------------------------------------------------------------------------


def notice_working_days(calendar: WorkCalendar, publish_day: date, meeting_day: date) -> int:
    """The working days invitees have to prepare: those strictly between the two days.

    Neither the day the invitation goes out nor the day of the meeting counts: invitees may receive it
    at the end of the day, and the meeting day is not time to prepare. Publishing on Monday 02/03/2026
    for a meeting on Friday 06/03/2026 gives Tuesday, Wednesday and Thursday: 3 days, enough.
    """
    return calendar.working_days_between(publish_day, meeting_day - timedelta(days=1))


def earliest_meeting_day(calendar: WorkCalendar, publish_day: date) -> date:
    """The first day a non-urgent meeting may take place when its invitation goes out on ``publish_day``.

    It is the day after the third working day that follows ``publish_day`` (it may be a weekend day:
    a Saturday meeting published on Tuesday has Wednesday, Thursday and Friday).
    """
    return calendar.add_working_days(publish_day, NOTICE_WORKING_DAYS) + timedelta(days=1)


def latest_publish_day(calendar: WorkCalendar, meeting_day: date) -> date:
    """The last day an invitation may go out for a non-urgent meeting on ``meeting_day``."""
    return calendar.add_working_days(meeting_day, -NOTICE_WORKING_DAYS) - timedelta(days=1)


def check_notice(
    calendar: WorkCalendar,
    *,
    now: datetime,
    start_at: datetime,
    urgent: bool,
    urgent_reason: str,
    tz: ZoneInfo,
) -> None:
    """Publishing at ``now`` for a meeting starting at ``start_at`` gives enough notice.

    The rule: with P the local date of ``now`` and M the local date of the meeting, the working days
    strictly between P and M (see :func:`notice_working_days`) must be at least 3, unless the meeting is
    urgent (họp đột xuất), which needs a written reason. A meeting that has already started cannot be
    announced at all.
    """
    check_urgent_reason(urgent, urgent_reason)
    if start_at <= now:
        raise RuleViolation(
            N_("Thời gian bắt đầu đã qua; hãy chọn thời gian họp mới trước khi phát hành giấy mời."),
            field="start_at",
        )
    if urgent:
        return
    publish_day, meeting_day = local_day(now, tz), local_day(start_at, tz)
    days = notice_working_days(calendar, publish_day, meeting_day)
    if days >= NOTICE_WORKING_DAYS:
        return
    earliest = earliest_meeting_day(calendar, publish_day)
    raise RuleViolation(
        N_(
            "Giấy mời phải đến người được mời ít nhất %(notice)d ngày làm việc trước ngày họp. "
            "Phát hành ngày %(publish_day)s thì đến ngày họp %(meeting_day)s chỉ còn "
            "%(days)d ngày làm việc. Hãy dời cuộc họp sang ngày %(earliest)s hoặc muộn hơn, "
            "hoặc đánh dấu họp đột xuất và ghi rõ lý do."
        ),
        field="start_at",
        notice=NOTICE_WORKING_DAYS,
        publish_day=format_day(publish_day),
        meeting_day=format_day(meeting_day),
        days=days,
        earliest=format_day(earliest),
    )


# --- double booking ----------------------------------------------------------------------------


def _overlapping(
    session: Session,
    *,
    meeting_id: int | None,
    start_at: datetime,
    end_at: datetime,
    states: Iterable[MeetingState],
) -> list[Meeting]:
    """Meetings in ``states`` sharing some time with [start_at, end_at); back-to-back ones do not."""
    query = (
        select(Meeting)
        .where(col(Meeting.state).in_(list(states)))
        .where(col(Meeting.start_at) < end_at, col(Meeting.end_at) > start_at)
        .order_by(col(Meeting.start_at), col(Meeting.id))
    )
    if meeting_id is not None:
        query = query.where(col(Meeting.id) != meeting_id)
    return list(session.exec(query).all())


def _shared_sites(session: Session, meeting_ids: list[int], site_ids: Collection[int]) -> dict[int, list[Site]]:
    """For each of ``meeting_ids``, the sites of ``site_ids`` it has invited too."""
    if not meeting_ids or not site_ids:
        return {}
    rows = session.exec(
        select(MeetingSite.meeting_id, Site)
        .join(Site, col(Site.id) == col(MeetingSite.site_id))
        .where(col(MeetingSite.meeting_id).in_(meeting_ids), col(MeetingSite.site_id).in_(list(site_ids)))
    ).all()
    shared: dict[int, list[Site]] = {}
    # Sorted here, not in SQL: database collations differ, messages must not.
    for mid, site in sorted(rows, key=lambda row: (row[1].name, row[1].id or 0)):
        shared.setdefault(mid, []).append(site)
    return shared


def _site_names(sites: list[Site]) -> str:
    return ", ".join(f"«{s.name}»" for s in sites)


_CHAIR_BOOKED = N_("%(chair)s đã chủ trì cuộc họp «%(title)s» (%(when)s), trùng thời gian với cuộc họp này.")
_SITE_BOOKED = N_(
    "Điểm cầu %(sites)s đã được mời vào cuộc họp «%(title)s» (%(when)s), trùng thời gian với cuộc họp này."
)
_SITES_BOOKED = N_(
    "Các điểm cầu %(sites)s đã được mời vào cuộc họp «%(title)s» (%(when)s), trùng thời gian với cuộc họp này."
)


def _find_conflicts(
    session: Session,
    *,
    meeting_id: int | None,
    start_at: datetime,
    end_at: datetime,
    chair_id: int,
    site_ids: Collection[int],
    states: Iterable[MeetingState],
    tz: ZoneInfo,
) -> list[tuple[str, Message]]:
    """(field, message) for each clash, chair first, then sites, in order of the other meeting's start."""
    others = _overlapping(session, meeting_id=meeting_id, start_at=start_at, end_at=end_at, states=states)
    shared = _shared_sites(session, [m.id for m in others if m.id is not None], site_ids)
    found: list[tuple[str, Message]] = []
    for other in others:
        if other.chair_id == chair_id:
            chair = session.get(Person, chair_id)
            name = chair.full_name if chair else Message(N_("Người chủ trì"))
            when = format_span(other.start_at, other.end_at, tz)
            found.append(("chair_id", Message(_CHAIR_BOOKED, {"chair": name, "title": other.title, "when": when})))
    for other in others:
        sites = shared.get(other.id or 0, [])
        if sites:
            template = _SITE_BOOKED if len(sites) == 1 else _SITES_BOOKED
            when = format_span(other.start_at, other.end_at, tz)
            params = {"sites": _site_names(sites), "title": other.title, "when": when}
            found.append(("site_ids", Message(template, params)))
    return found


def lock_for_booking(session: Session, chair_id: int, site_ids: Collection[int]) -> None:
    """Make concurrent bookings of the same chair or site wait for each other until commit.

    PostgreSQL: the chair's and the sites' rows are locked (always chair first, then sites by id, so
    every booking takes them in the same order). SQLite has no row locks; a no-op write takes the
    database's write lock instead, and the checks that follow see everything committed before it.
    """
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        session.exec(update(Person).where(col(Person.id) == chair_id).values(active=Person.active))
        return
    session.exec(select(Person.id).where(col(Person.id) == chair_id).with_for_update()).all()
    if site_ids:
        session.exec(
            select(Site.id).where(col(Site.id).in_(sorted(site_ids))).order_by(col(Site.id)).with_for_update()
        ).all()


def check_conflicts(
    session: Session,
    *,
    meeting_id: int | None,
    start_at: datetime,
    end_at: datetime,
    chair_id: int,
    site_ids: Collection[int],
    tz: ZoneInfo,
) -> None:
    """No chair and no invited site may be in two overlapping announced meetings.

    Compared with published and live meetings (other than ``meeting_id`` itself); the error names the
    other meeting, its time, and the chair or sites it shares.

    Two people booking the same chair or site at once are checked one after the other (see
    :func:`lock_for_booking`); the lock lasts until the caller commits or rolls back.
    """
    lock_for_booking(session, chair_id, site_ids)
    found = _find_conflicts(
        session,
        meeting_id=meeting_id,
        start_at=start_at,
        end_at=end_at,
        chair_id=chair_id,
        site_ids=site_ids,
        states=BLOCKING_STATES,
        tz=tz,
    )
    if found:
        field, message = found[0]
        raise RuleViolation(message.template, field=field, **message.params)


def conflict_warnings(
    session: Session,
    *,
    meeting_id: int | None,
    start_at: datetime,
    end_at: datetime,
    chair_id: int,
    site_ids: Collection[int],
    tz: ZoneInfo,
) -> list[Message]:
    """Clashes with other drafts: not errors (drafts are alternatives), but worth a warning on the page."""
    found = _find_conflicts(
        session,
        meeting_id=meeting_id,
        start_at=start_at,
        end_at=end_at,
        chair_id=chair_id,
        site_ids=site_ids,
        states=[MeetingState.DRAFT],
        tz=tz,
    )
    return [Message(N_("(Dự thảo) %(message)s"), {"message": message}) for _field, message in found]


# --- who and where -----------------------------------------------------------------------------


def units_at_or_below(session: Session, unit_id: int) -> set[int]:
    """``unit_id`` and every unit under it, at any depth (province → district → commune, or two levels)."""
    children: dict[int, list[int]] = {}
    for uid, parent in session.exec(select(Unit.id, Unit.parent_id)).all():
        if uid is not None and parent is not None:
            children.setdefault(parent, []).append(uid)
    found = {unit_id}
    stack = [unit_id]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:  # a bad parent cycle must not loop forever
                found.add(child)
                stack.append(child)
    return found


def _unit(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise ValidationError(N_("Không tìm thấy đơn vị triệu tập (mã %(id)s)."), field="convening_unit_id", id=unit_id)
    return unit


def _person_of_unit(
    session: Session, person_id: int, unit: Unit, *, field: str, what: Message, role: Role | None
) -> Person:
    """``what`` is the part the person is to play (lower case, as it sits mid-sentence)."""
    person = session.get(Person, person_id)
    if person is None:
        raise ValidationError(N_("Không tìm thấy %(what)s (mã %(id)s)."), field=field, what=what, id=person_id)
    name = person.full_name
    if not person.active:
        raise ValidationError(
            N_("Tài khoản của %(name)s đã ngừng hoạt động, không thể làm %(what)s."), field=field, name=name, what=what
        )
    if person.unit_id != unit.id:
        raise ValidationError(
            N_("%(name)s không thuộc đơn vị triệu tập «%(unit)s», không thể làm %(what)s."),
            field=field,
            name=name,
            unit=unit.name,
            what=what,
        )
    if role is not None and not person.has_role(role):
        raise ValidationError(
            N_("%(name)s không có vai trò %(what)s trong danh bạ."), field=field, name=name, what=what
        )
    return person


def check_people(
    session: Session,
    *,
    convening_unit_id: int,
    chair_id: int,
    secretary_id: int | None,
    contact_id: int | None,
) -> None:
    """Chair and secretary are active people of the convening unit holding those roles; the contact
    person is an active person of the convening unit; chair and secretary are two different people."""
    unit = _unit(session, convening_unit_id)
    _person_of_unit(session, chair_id, unit, field="chair_id", what=Message(N_("người chủ trì")), role=Role.CHAIR)
    if secretary_id is not None:
        if secretary_id == chair_id:
            raise ValidationError(N_("Thư ký phải là người khác với người chủ trì."), field="secretary_id")
        _person_of_unit(
            session, secretary_id, unit, field="secretary_id", what=Message(N_("thư ký")), role=Role.SECRETARY
        )
    if contact_id is not None:
        _person_of_unit(session, contact_id, unit, field="contact_id", what=Message(N_("người liên hệ")), role=None)


def check_sites(session: Session, *, convening_unit_id: int, site_ids: Collection[int]) -> None:
    """Each invited site exists, is in use, and belongs to the convening unit or a unit below it."""
    unit = _unit(session, convening_unit_id)
    if not site_ids:
        return
    allowed = units_at_or_below(session, convening_unit_id)
    sites = {s.id: s for s in session.exec(select(Site).where(col(Site.id).in_(list(site_ids)))).all()}
    for site_id in site_ids:
        site = sites.get(site_id)
        if site is None:
            raise ValidationError(N_("Không tìm thấy điểm cầu (mã %(id)s)."), field="site_ids", id=site_id)
        if not site.active:
            raise ValidationError(N_("Điểm cầu «%(site)s» đã ngừng sử dụng."), field="site_ids", site=site.name)
        if site.unit_id not in allowed:
            raise ValidationError(
                N_("Điểm cầu «%(site)s» không thuộc đơn vị «%(unit)s» hay đơn vị cấp dưới của nó."),
                field="site_ids",
                site=site.name,
                unit=unit.name,
            )


def check_invitees(session: Session, *, convening_unit_id: int, invitee_ids: Collection[int]) -> None:
    """Each person invited by name exists, is active, and works in the convening unit or below it."""
    unit = _unit(session, convening_unit_id)
    if not invitee_ids:
        return
    allowed = units_at_or_below(session, convening_unit_id)
    people = {p.id: p for p in session.exec(select(Person).where(col(Person.id).in_(list(invitee_ids)))).all()}
    for person_id in invitee_ids:
        person = people.get(person_id)
        if person is None:
            raise ValidationError(N_("Không tìm thấy người được mời (mã %(id)s)."), field="invitee_ids", id=person_id)
        if not person.active:
            raise ValidationError(
                N_("Tài khoản của %(name)s đã ngừng hoạt động."), field="invitee_ids", name=person.full_name
            )
        if person.unit_id not in allowed:
            raise ValidationError(
                N_("%(name)s không thuộc đơn vị «%(unit)s» hay đơn vị cấp dưới của nó."),
                field="invitee_ids",
                name=person.full_name,
                unit=unit.name,
            )
