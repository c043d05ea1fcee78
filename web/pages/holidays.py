"""Public holidays and make-up working days, kept by administrators; the notice rule counts on them."""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from meetings import access, workdays
from meetings.errors import DomainError
from meetings.people import Person
from web.auth import require_person
from web.i18n import translate
from web.pages.common import db, local_zone, now
from web.pages.forms import number, see_other, text
from web.templating import render

KINDS = ("holiday", "makeup")


def _require(request: Request) -> Person:
    person = require_person(request)
    access.require_manage_calendar(person)
    return person


def _year(request: Request, fallback: int) -> int:
    raw = request.query_params.get("year", "") or text(request, "year")
    year = number(raw, 2100)
    return year if year is not None and year >= 2000 else fallback


def _page(request: Request, year: int, values: dict[str, str], errors: dict[str, str], status: int) -> Response:
    with db(request) as session:
        context = {
            "year": year,
            "holidays": workdays.list_holidays(session, year),
            "makeups": workdays.list_makeup_days(session, year),
            "values": values,
            "errors": errors,
        }
    return render(request, "holidays.html", context, status_code=status)


def holidays_page(request: Request) -> Response:
    _require(request)
    year = _year(request, now().astimezone(local_zone(request)).year)
    return _page(request, year, {"day": "", "name": "", "kind": "holiday"}, {}, 200)


def add_day(request: Request) -> Response:
    person = _require(request)
    values = {"day": text(request, "day"), "name": text(request, "name"), "kind": text(request, "kind")}
    year = _year(request, now().astimezone(local_zone(request)).year)
    try:
        day = date.fromisoformat(values["day"])
    except ValueError:
        errors = {"day": translate(request, "Hãy chọn một ngày.")}
        return _page(request, year, values, errors, 422)
    with db(request) as session:
        try:
            if values["kind"] == "makeup":
                workdays.add_makeup_day(session, person, day, values["name"])
            else:
                workdays.add_holiday(session, person, day, values["name"])
        except DomainError as exc:
            session.rollback()
            field = exc.field if exc.field in ("day", "name") else "day"
            return _page(request, year, values, {field: translate(request, exc.message)}, exc.status_code)
    return see_other(f"/holidays?year={day.year}")


def remove_day(request: Request) -> Response:
    person = _require(request)
    try:
        day = date.fromisoformat(text(request, "day"))
    except ValueError:
        return see_other("/holidays")
    with db(request) as session:
        if text(request, "kind") == "makeup":
            workdays.remove_makeup_day(session, person, day)
        else:
            workdays.remove_holiday(session, person, day)
    return see_other(f"/holidays?year={day.year}")


def routes() -> list[BaseRoute]:
    return [
        Route("/holidays", holidays_page, name="holidays"),
        Route("/holidays", add_day, methods=["POST"]),
        Route("/holidays/remove", remove_day, methods=["POST"], name="holiday_remove"),
    ]
