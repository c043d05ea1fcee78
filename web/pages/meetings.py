"""Meetings as people read them: the list of upcoming and past meetings, the month calendar, one
meeting's page, its printable agenda, and the publish and cancel buttons."""

from __future__ import annotations

import calendar as pycalendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from meetings import access, rules, scheduling
from meetings.errors import Conflict, Message, RuleViolation, ValidationError
from meetings.lifecycle import EDITABLE_STATES, can_transition
from meetings.meeting import Meeting, MeetingState
from meetings.people import Person
from meetings.records.fonts import FontMissing
from meetings.records.invitation_form import issued_invitation_number
from meetings.records.invitation_issue import unsigned_invitations
from meetings.records.numbering import NumberingMode, numbering_mode
from meetings.units import Unit
from meetings.viewing import MeetingDetail
from meetings.workdays import list_holidays, list_makeup_days, load_calendar
from web.auth import require_person
from web.context import ctx, document_store
from web.i18n import translate
from web.invitation_publish import publish_meeting_with_invitation
from web.pages.common import db, local_zone, now, path_id
from web.pages.document_mail import document_mailing
from web.pages.forms import number, see_other, text
from web.pages.meeting_recordings import recording_list
from web.pages.minutes import minutes_card
from web.room.pages import room_card
from web.signature_status import document_signatures
from web.templating import render


def _unit_names(session: Session) -> dict[int, str]:
    return {u.id: u.name for u in session.exec(select(Unit)).all() if u.id is not None}


def creatable_units(session: Session, person: Person) -> list[Unit]:
    """The units ``person`` may convene meetings for."""
    if access.is_administrator(person):
        return list(session.exec(select(Unit).order_by(Unit.code)).all())
    unit = session.get(Unit, person.unit_id)
    return [unit] if unit is not None and access.can_create_meeting(person, person.unit_id) else []


def meeting_list(request: Request) -> Response:
    person = require_person(request)
    upcoming = request.query_params.get("show") != "past"
    with db(request) as session:
        meetings = scheduling.list_meetings(session, person, upcoming=upcoming, now=now())
        context = {
            "meetings": meetings,
            "upcoming": upcoming,
            "unit_names": _unit_names(session),
            "can_create": bool(creatable_units(session, person)),
        }
    return render(request, "meetings/list.html", context)


@dataclass
class CalendarDay:
    day: date
    in_month: bool
    working: bool
    note: str = ""
    note_kind: str = ""
    meetings: list[Meeting] = field(default_factory=list)


def _month_of(request: Request, today: date) -> date:
    year, _, month = request.query_params.get("month", "").partition("-")
    y, m = number(year, 2100), number(month, 12)
    if y is None or m is None or y < 2000 or m < 1:
        return today.replace(day=1)
    return date(y, m, 1)


def month_calendar(request: Request) -> Response:
    person = require_person(request)
    tz = local_zone(request)
    today = now().astimezone(tz).date()
    first = _month_of(request, today)
    last = first.replace(day=pycalendar.monthrange(first.year, first.month)[1])
    grid_start = first - timedelta(days=first.weekday())
    grid_end = last + timedelta(days=6 - last.weekday())
    with db(request) as session:
        work = load_calendar(session)
        holidays = {h.day: h.name for h in list_holidays(session)}
        makeups = {m.day: m.name for m in list_makeup_days(session)}
        window_start = datetime.combine(grid_start, time.min, tz)
        window_end = datetime.combine(grid_end + timedelta(days=1), time.min, tz)
        meetings = [
            m
            for m in scheduling.list_meetings(session, person, upcoming=None, now=now())
            if m.start_at < window_end and m.end_at > window_start
        ]
    days: list[CalendarDay] = []
    d = grid_start
    while d <= grid_end:
        cell = CalendarDay(day=d, in_month=d.month == first.month, working=work.is_working_day(d))
        if d in holidays:
            cell.note, cell.note_kind = holidays[d], "holiday"
        elif d in makeups:
            cell.note, cell.note_kind = makeups[d], "makeup"
        cell.meetings = [m for m in meetings if m.start_at.astimezone(tz).date() == d]
        days.append(cell)
        d += timedelta(days=1)
    weeks = [days[i : i + 7] for i in range(0, len(days), 7)]
    previous = (first - timedelta(days=1)).replace(day=1)
    following = last + timedelta(days=1)
    context = {
        "weeks": weeks,
        "month": first,
        "today": today,
        "previous": f"{previous:%Y-%m}",
        "following": f"{following:%Y-%m}",
        "this_month": f"{today:%Y-%m}",
    }
    return render(request, "meetings/calendar.html", context)


def _detail_context(session: Session, person: Person, meeting_id: int, tz: ZoneInfo) -> dict[str, object]:
    meeting = scheduling.get_meeting(session, person, meeting_id)
    detail = scheduling.meeting_detail(session, meeting)
    manage = access.can_manage_meeting(person, meeting)
    latest_publish = None
    if manage and meeting.state == MeetingState.DRAFT and not meeting.urgent:
        # Shown beside the publish button, so the secretary knows how long the draft may wait.
        latest_publish = rules.latest_publish_day(load_calendar(session), meeting.start_at.astimezone(tz).date())
    warnings: list[Message] = []
    if manage and meeting.state in EDITABLE_STATES:
        warnings = rules.conflict_warnings(
            session,
            meeting_id=meeting.id,
            start_at=meeting.start_at,
            end_at=meeting.end_at,
            chair_id=meeting.chair_id,
            site_ids=[s.site.id for s in detail.sites if s.site.id is not None],
            tz=tz,
        )
    return {
        "m": meeting,
        "detail": detail,
        "warnings": warnings,
        "manage": manage,
        "can_edit": manage and meeting.state in EDITABLE_STATES,
        "can_publish": manage and can_transition(meeting.state, MeetingState.PUBLISHED),
        "can_cancel": manage and can_transition(meeting.state, MeetingState.CANCELLED),
        "latest_publish": latest_publish,
        # The clerk enters the Giấy mời's number from the register (meetings.records.numbering).
        "number_entered": manage
        and meeting.state == MeetingState.DRAFT
        and numbering_mode(session, meeting.convening_unit_id) is NumberingMode.REGISTER,
        "total_minutes": sum(item.planned_minutes for item in detail.agenda),
    }


def meeting_page(request: Request) -> Response:
    return render_meeting_page(request, path_id(request))


def render_meeting_page(
    request: Request, meeting_id: int, *, errors: dict[str, str] | None = None, status_code: int = 200
) -> Response:
    """The meeting page; ``errors`` (by action: publish, cancel, documents) are shown where they belong."""
    person = require_person(request)
    with db(request) as session:
        context = _detail_context(session, person, meeting_id, local_zone(request))
        # The on-line room: the join button and the sites' join links (web.room).
        meeting = context["m"]
        assert isinstance(meeting, Meeting)
        context["room"] = room_card(request, session, person, meeting)
        context["recordings"] = recording_list(session, meeting, now())
        # The minutes and the conclusion notice, with its deadline (web.pages.minutes).
        context["minutes_card"] = minutes_card(session, person, meeting, local_zone(request))
        # An issued Giấy mời is an official document the domain refuses to remove: no button for it.
        shown = context["detail"]
        assert isinstance(shown, MeetingDetail)
        issued_ids = {d.id for d in shown.documents if issued_invitation_number(session, d) is not None}
        context["issued_ids"] = issued_ids
        # Which documents went out by mail, which wait, the send button, a briefing's deadline.
        context["mailing"] = document_mailing(
            session, person, meeting, shown.documents, issued_ids=issued_ids, tz=local_zone(request), now=now()
        )
        # A Giấy mời sent with no signature (production without a certificate): its managers are told why.
        unsigned = unsigned_invitations(session, meeting_id) if context["manage"] else []
        context["unsigned_invitations"] = [str(n.number_and_symbol()) for n in unsigned]
    # Each signed PDF's signatures, checked once per document (web.signature_status); this handler runs in a
    # worker thread, so the check does not hold up the event loop.
    settings = ctx(request).settings
    detail = context["detail"]
    assert isinstance(detail, MeetingDetail)
    context["signatures"] = document_signatures(settings, document_store(settings), detail.documents)
    warnings = context["warnings"]
    assert isinstance(warnings, list)
    context["warnings"] = [translate(request, w) for w in warnings]
    context["errors"] = errors or {}
    context["reason"] = text(request, "reason") if request.method == "POST" else ""
    return render(request, "meetings/detail.html", context, status_code=status_code)


def agenda_print(request: Request) -> Response:
    person = require_person(request)
    with db(request) as session:
        context = _detail_context(session, person, path_id(request), local_zone(request))
    return render(request, "meetings/agenda_print.html", context)


async def publish(request: Request) -> Response:
    """Publish with the Giấy mời (web.invitation_publish). In ``register`` numbering mode the form carries
    the number the clerk took from the register; a refusal (a rule, a missing or used number, a
    certificate) comes back on the meeting page beside the button, and nothing is published."""
    person = require_person(request)
    meeting_id = path_id(request)
    try:
        await publish_meeting_with_invitation(
            ctx(request), person, meeting_id, now=now(), tz=local_zone(request), entered=text(request, "number")
        )
    except (RuleViolation, ValidationError, Conflict) as exc:
        errors = {"publish": translate(request, exc.message)}
        if exc.field == "number":
            errors["number"] = errors["publish"]
        return await run_in_threadpool(
            render_meeting_page, request, meeting_id, errors=errors, status_code=exc.status_code
        )
    except FontMissing as exc:  # the server lacks the official font: its message says what to install
        return await run_in_threadpool(
            render_meeting_page, request, meeting_id, errors={"publish": str(exc)}, status_code=503
        )
    return see_other(f"/meetings/{meeting_id}")


def cancel(request: Request) -> Response:
    person = require_person(request)
    meeting_id = path_id(request)
    with db(request) as session:
        try:
            scheduling.cancel_meeting(session, person, meeting_id, text(request, "reason"))
        except (RuleViolation, ValidationError) as exc:
            errors = {"cancel": translate(request, exc.message)}
            return render_meeting_page(request, meeting_id, errors=errors, status_code=exc.status_code)
    return see_other(f"/meetings/{meeting_id}")


def routes() -> list[BaseRoute]:
    return [
        Route("/meetings", meeting_list, name="meetings"),
        Route("/calendar", month_calendar, name="calendar"),
        Route("/meetings/{id:int}", meeting_page, name="meeting"),
        Route("/meetings/{id:int}/agenda", agenda_print, name="agenda_print"),
        Route("/meetings/{id:int}/publish", publish, methods=["POST"], name="publish"),
        Route("/meetings/{id:int}/cancel", cancel, methods=["POST"], name="cancel"),
    ]
