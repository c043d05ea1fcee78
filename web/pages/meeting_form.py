"""Creating and editing a meeting through the form.

The form posts plain fields named after :class:`meetings.drafts.MeetingDraft`, so an error the domain
reports for a field (``start_at``, ``chair_id``, ``site_ids`` ...) is shown beside that field. Times are
typed in local time (``settings.time_zone``) and become aware datetimes here. Agenda items are rows of
three parallel lists (``agenda_title``, ``agenda_presenter``, ``agenda_minutes``); blank rows are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from meetings import access, directory, rules, scheduling
from meetings.drafts import AgendaItemDraft, MeetingDraft
from meetings.errors import DomainError, Forbidden
from meetings.lifecycle import check_editable
from meetings.meeting import Meeting, MeetingKind, MeetingState
from meetings.people import Person, Role
from meetings.records.numbering import NumberingMode, numbering_mode
from meetings.units import Site, Unit
from meetings.workdays import load_calendar
from web.auth import require_person
from web.context import ctx
from web.i18n import translate
from web.invitation_publish import update_with_invitation_now
from web.pages import meeting_documents
from web.pages.common import db, local_zone, now, path_id
from web.pages.forms import checked, number, see_other, text, texts
from web.pages.meetings import creatable_units
from web.templating import render

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"  # the value format of <input type="datetime-local">
MIN_YEAR, MAX_YEAR = 2000, 2100
# Fields that have a place on the form for their error; others are shown above it.
FORM_FIELDS = frozenset(
    {
        "title",
        "kind",
        "start_at",
        "end_at",
        "chair_id",
        "secretary_id",
        "contact_id",
        "place",
        "urgent_reason",
        "site_ids",
        "invitee_ids",
        "agenda",
        "description",
        "preparation",
        "documents",
    }
)


@dataclass
class FormValues:
    """What the form shows: strings as typed, so a wrong value comes back for correction."""

    title: str = ""
    kind: str = MeetingKind.BRIEFING.value
    start_at: str = ""
    end_at: str = ""
    convening_unit_id: int = 0
    chair_id: str = ""
    secretary_id: str = ""
    contact_id: str = ""
    place: str = ""
    description: str = ""
    preparation: str = ""
    urgent: bool = False
    urgent_reason: str = ""
    confidential: bool = False
    record_confidential: bool = False
    site_ids: set[str] = field(default_factory=set)
    invitee_ids: set[str] = field(default_factory=set)
    agenda: list[dict[str, str]] = field(default_factory=list)


@dataclass
class UnitGroup:
    unit: Unit
    sites: list[Site]
    people: list[Person]


def _local_text(value: datetime, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime(LOCAL_FORMAT)


def values_of_draft(draft: MeetingDraft, tz: ZoneInfo) -> FormValues:
    return FormValues(
        title=draft.title,
        kind=MeetingKind(draft.kind).value,
        start_at=_local_text(draft.start_at, tz),
        end_at=_local_text(draft.end_at, tz),
        convening_unit_id=draft.convening_unit_id,
        chair_id=str(draft.chair_id),
        secretary_id=str(draft.secretary_id or ""),
        contact_id=str(draft.contact_id or ""),
        place=draft.place,
        description=draft.description,
        preparation=draft.preparation,
        urgent=draft.urgent,
        urgent_reason=draft.urgent_reason,
        confidential=draft.confidential,
        record_confidential=draft.record_confidential,
        site_ids={str(i) for i in draft.site_ids},
        invitee_ids={str(i) for i in draft.invitee_ids},
        agenda=[{"title": a.title, "presenter": a.presenter, "minutes": str(a.planned_minutes)} for a in draft.agenda],
    )


def new_meeting_values(session: Session, person: Person, unit: Unit, tz: ZoneInfo) -> FormValues:
    """A blank form with sensible defaults: the earliest day that gives 3 working days' notice, 8:00–10:00,
    the person as chair or secretary if that is their role, and the unit's own site invited."""
    assert unit.id is not None
    today = now().astimezone(tz).date()
    day = rules.earliest_meeting_day(load_calendar(session), today)
    work = load_calendar(session)
    while not work.is_working_day(day):
        day += timedelta(days=1)
    own_unit = person.unit_id == unit.id
    values = FormValues(
        start_at=datetime.combine(day, time(8, 0)).strftime(LOCAL_FORMAT),
        end_at=datetime.combine(day, time(10, 0)).strftime(LOCAL_FORMAT),
        convening_unit_id=unit.id,
        chair_id=str(person.id) if own_unit and person.has_role(Role.CHAIR) else "",
        secretary_id=str(person.id) if own_unit and person.has_role(Role.SECRETARY) else "",
        contact_id=str(person.id) if own_unit else "",
        agenda=[{"title": "", "presenter": "", "minutes": "10"}],
    )
    return values


def posted_values(request: Request) -> FormValues:
    titles = texts(request, "agenda_title")
    presenters = texts(request, "agenda_presenter")
    minutes = texts(request, "agenda_minutes")
    rows = []
    for i, title in enumerate(titles):
        presenter = presenters[i] if i < len(presenters) else ""
        planned = minutes[i] if i < len(minutes) else ""
        rows.append({"title": title, "presenter": presenter, "minutes": planned})
    unit_text = text(request, "convening_unit_id")
    return FormValues(
        title=text(request, "title"),
        kind=text(request, "kind"),
        start_at=text(request, "start_at"),
        end_at=text(request, "end_at"),
        convening_unit_id=number(unit_text) or 0,
        chair_id=text(request, "chair_id"),
        secretary_id=text(request, "secretary_id"),
        contact_id=text(request, "contact_id"),
        place=text(request, "place"),
        description=text(request, "description"),
        preparation=text(request, "preparation"),
        urgent=checked(request, "urgent"),
        urgent_reason=text(request, "urgent_reason"),
        confidential=checked(request, "confidential"),
        record_confidential=checked(request, "record_confidential"),
        site_ids=set(texts(request, "site_ids")),
        invitee_ids=set(texts(request, "invitee_ids")),
        agenda=rows,
    )


def draft_of_values(request: Request, values: FormValues, tz: ZoneInfo) -> tuple[MeetingDraft | None, dict[str, str]]:
    """The draft the form describes, or the problems found before the domain is asked (by field)."""
    errors: dict[str, str] = {}

    def when(name: str, raw: str) -> datetime | None:
        if not raw:
            errors[name] = translate(request, "Hãy nhập ngày và giờ.")
            return None
        try:
            value = datetime.strptime(raw, LOCAL_FORMAT).replace(tzinfo=tz)
        except ValueError:
            errors[name] = translate(request, "Ngày giờ không hợp lệ (dạng 2026-03-05T08:00).")
            return None
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            # Year 1 or 9999 would overflow when converted to UTC; no meeting is that far away anyway.
            errors[name] = translate(request, "Năm phải từ %(a)d đến %(b)d.", a=MIN_YEAR, b=MAX_YEAR)
            return None
        return value

    def person_id(name: str, raw: str, *, required: bool) -> int | None:
        if not raw:
            if required:
                errors[name] = translate(request, "Hãy chọn một người.")
            return None
        value = number(raw)
        if value is None:
            errors[name] = translate(request, "Lựa chọn không hợp lệ.")
        return value

    def ids(name: str, raw: set[str]) -> list[int]:
        values = [number(r) for r in raw]
        if None in values:
            errors[name] = translate(request, "Lựa chọn không hợp lệ.")
            return []
        return sorted(v for v in values if v is not None)

    if not values.title:
        errors["title"] = translate(request, "Tên cuộc họp không được để trống.")
    try:
        kind = MeetingKind(values.kind)
    except ValueError:
        errors["kind"] = translate(request, "Hãy chọn loại cuộc họp.")
        kind = MeetingKind.BRIEFING
    start_at = when("start_at", values.start_at)
    end_at = when("end_at", values.end_at)
    if start_at is not None and end_at is not None and end_at <= start_at:
        # The domain says so too, but only once the rest is right: here it comes with the other errors at once.
        errors["end_at"] = translate(request, "Thời gian kết thúc phải sau thời gian bắt đầu.")
    chair_id = person_id("chair_id", values.chair_id, required=True)
    secretary_id = person_id("secretary_id", values.secretary_id, required=False)
    contact_id = person_id("contact_id", values.contact_id, required=False)
    agenda: list[AgendaItemDraft] = []
    for position, row in enumerate(values.agenda, start=1):
        if not row["title"] and not row["presenter"]:
            continue
        minutes = row["minutes"] or "10"
        planned = number(minutes, 10**6)
        if planned is None:
            errors["agenda"] = translate(request, "Mục %(n)d: thời lượng phải là số phút.", n=position)
            continue
        agenda.append(AgendaItemDraft(title=row["title"], presenter=row["presenter"], planned_minutes=planned))
    site_ids = ids("site_ids", values.site_ids)
    invitee_ids = ids("invitee_ids", values.invitee_ids)
    if errors or start_at is None or end_at is None or chair_id is None:
        return None, errors
    draft = MeetingDraft(
        title=values.title,
        kind=kind,
        start_at=start_at,
        end_at=end_at,
        convening_unit_id=values.convening_unit_id,
        chair_id=chair_id,
        secretary_id=secretary_id,
        contact_id=contact_id,
        description=values.description,
        preparation=values.preparation,
        place=values.place,
        urgent=values.urgent,
        urgent_reason=values.urgent_reason if values.urgent else "",
        confidential=values.confidential,
        record_confidential=values.record_confidential,
        site_ids=site_ids,
        invitee_ids=invitee_ids,
        agenda=agenda,
    )
    return draft, errors


def unit_groups(session: Session, unit: Unit) -> list[UnitGroup]:
    """The convening unit and every unit below it, with their sites and people, for the check boxes."""
    assert unit.id is not None
    units = [unit, *directory.units_below(session, unit.id)]
    ids = [u.id for u in units]
    sites = session.exec(
        select(Site).where(col(Site.unit_id).in_(ids), col(Site.active)).order_by(col(Site.name))
    ).all()
    people = session.exec(
        select(Person).where(col(Person.unit_id).in_(ids), col(Person.active)).order_by(col(Person.full_name))
    ).all()
    return [
        UnitGroup(
            unit=u,
            sites=[s for s in sites if s.unit_id == u.id],
            people=[p for p in people if p.unit_id == u.id],
        )
        for u in units
    ]


def _form_context(
    session: Session,
    person: Person,
    unit: Unit,
    values: FormValues,
    errors: dict[str, str],
    meeting: Meeting | None,
) -> dict[str, Any]:
    groups = unit_groups(session, unit)
    own_people = groups[0].people
    return {
        "values": values,
        "errors": errors,
        "meeting": meeting,
        "unit": unit,
        "units": creatable_units(session, person) if meeting is None else [unit],
        "kinds": list(MeetingKind),
        "chairs": [p for p in own_people if p.has_role(Role.CHAIR)],
        "secretaries": [p for p in own_people if p.has_role(Role.SECRETARY)],
        "contacts": own_people,
        "groups": groups,
        "agenda_rows": values.agenda or [{"title": "", "presenter": "", "minutes": "10"}],
    }


def _render_form(request: Request, context: dict[str, Any], status_code: int = 200) -> Response:
    return render(request, "meetings/form.html", context, status_code=status_code)


def _chosen_unit(session: Session, person: Person, unit_id: int | None, *, strict: bool = False) -> Unit:
    """The unit the new meeting is for: the one asked for, else the person's own (or first) one.

    ``strict``: the unit was posted, so one the person may not convene for is refused, not replaced.
    """
    units = creatable_units(session, person)
    if not units:
        raise Forbidden("Chỉ chủ trì, thư ký của một đơn vị hoặc quản trị viên được lên lịch cuộc họp.")
    for unit in units:
        if unit.id == unit_id:
            return unit
    if strict:
        access.require_create_meeting(person, unit_id or 0)
    # The person's own unit first: a district officer schedules for the district.
    return next((u for u in units if u.id == person.unit_id), units[0])


def new_form(request: Request) -> Response:
    person = require_person(request)
    raw = request.query_params.get("unit", "")
    tz = local_zone(request)
    with db(request) as session:
        unit = _chosen_unit(session, person, number(raw))
        values = new_meeting_values(session, person, unit, tz)
        return _render_form(request, _form_context(session, person, unit, values, {}, None))


def _domain_error(request: Request, exc: DomainError, errors: dict[str, str]) -> int:
    errors[exc.field if exc.field in FORM_FIELDS else "_form"] = translate(request, exc.message)
    return exc.status_code


def create(request: Request) -> Response:
    person = require_person(request)
    tz = local_zone(request)
    values = posted_values(request)
    with db(request) as session:
        unit = _chosen_unit(session, person, values.convening_unit_id, strict=True)
        values.convening_unit_id = unit.id or 0
        draft, errors = draft_of_values(request, values, tz)
        status = 422
        if draft is not None:
            try:
                meeting = scheduling.create_meeting(session, person, draft, tz=tz)
            except DomainError as exc:
                status = _domain_error(request, exc, errors)
            else:
                assert meeting.id is not None
                problem = meeting_documents.store_uploads(request, session, person, meeting.id)
                if problem is not None:
                    return problem
                return see_other(f"/meetings/{meeting.id}")
        return _render_form(request, _form_context(session, person, unit, values, errors, None), status)


def _editable(session: Session, person: Person, meeting_id: int) -> tuple[Meeting, Unit]:
    meeting = scheduling.get_meeting(session, person, meeting_id)
    access.require_manage_meeting(person, meeting)
    check_editable(meeting)
    unit = session.get(Unit, meeting.convening_unit_id)
    assert unit is not None
    return meeting, unit


def _asks_invitation_number(session: Session, meeting: Meeting) -> bool:
    """Whether saving may issue a new Giấy mời whose number the clerk enters (a published meeting of a
    unit that takes numbers from the register; see web.invitation_publish)."""
    mode = numbering_mode(session, meeting.convening_unit_id)
    return meeting.state == MeetingState.PUBLISHED and mode is NumberingMode.REGISTER


def edit_form(request: Request) -> Response:
    person = require_person(request)
    tz = local_zone(request)
    with db(request) as session:
        meeting, unit = _editable(session, person, path_id(request))
        values = values_of_draft(scheduling.draft_of(session, meeting), tz)
        context = _form_context(session, person, unit, values, {}, meeting)
        context["invitation_number_needed"] = _asks_invitation_number(session, meeting)
        return _render_form(request, context)


def update(request: Request) -> Response:
    person = require_person(request)
    tz = local_zone(request)
    meeting_id = path_id(request)
    values = posted_values(request)
    with db(request) as session:
        meeting, unit = _editable(session, person, meeting_id)
        values.convening_unit_id = meeting.convening_unit_id  # a meeting does not change hands
        draft, errors = draft_of_values(request, values, tz)
        status = 422
        if draft is not None:
            try:
                # A published meeting whose change alters what its Giấy mời says gets a new one, saved with
                # the change in its own transactions: end this session's read first (SQLite snapshots).
                session.rollback()
                entered = text(request, "invitation_number")
                if not update_with_invitation_now(
                    ctx(request), person, meeting_id, draft, now=now(), tz=tz, entered=entered
                ):
                    scheduling.update_meeting(session, person, meeting_id, draft, tz=tz)
            except DomainError as exc:
                status = _domain_error(request, exc, errors)
            else:
                problem = meeting_documents.store_uploads(request, session, person, meeting_id)
                if problem is not None:
                    return problem
                return see_other(f"/meetings/{meeting_id}")
        context = _form_context(session, person, unit, values, errors, meeting)
        context["invitation_number_needed"] = _asks_invitation_number(session, meeting)
        return _render_form(request, context, status)


def routes() -> list[BaseRoute]:
    return [
        Route("/meetings/new", new_form, name="meeting_new"),
        Route("/meetings/new", create, methods=["POST"]),
        Route("/meetings/{id:int}/edit", edit_form, name="meeting_edit"),
        Route("/meetings/{id:int}/edit", update, methods=["POST"]),
    ]
