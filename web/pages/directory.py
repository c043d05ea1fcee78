"""Directory pages for administrators: units (in their hierarchy) and their sites, list and create/edit.

People have their own module (web/pages/people.py). Every change goes through meetings.directory, which
validates, checks that the actor is an administrator, and writes the audit log.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, func, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from meetings import access, directory
from meetings.directory import SiteDraft, UnitDraft, UnitNode
from meetings.errors import DomainError, ValidationError
from meetings.people import Person
from meetings.units import Site, Unit, UnitLevel
from web.auth import require_person
from web.i18n import translate
from web.pages.common import db, path_id
from web.pages.forms import checked, number, see_other, text
from web.templating import render


def require_admin(request: Request) -> Person:
    person = require_person(request)
    access.require_manage_directory(person)
    return person


def optional_id(raw: str) -> int | None:
    return number(raw)


def field_error(request: Request, exc: DomainError, fields: frozenset[str]) -> dict[str, str]:
    """The domain's refusal keyed by the form field it concerns (``_form`` when there is none)."""
    return {exc.field if exc.field in fields else "_form": translate(request, exc.message)}


def flatten(nodes: list[UnitNode], depth: int = 0) -> list[tuple[int, Unit]]:
    """The unit tree as (depth, unit) rows, parents before their children."""
    rows: list[tuple[int, Unit]] = []
    for node in nodes:
        rows.append((depth, node.unit))
        rows.extend(flatten(node.children, depth + 1))
    return rows


def _counts(session: Session, column: Any) -> dict[int, int]:
    return {uid: n for uid, n in session.exec(select(column, func.count()).group_by(column)).all()}


# ---- units ----------------------------------------------------------------------------------------------

UNIT_FIELDS = frozenset(
    {"name", "code", "level", "parent_id", "abbreviation", "address", "email", "telephone", "place_name"}
)


def unit_list(request: Request) -> Response:
    require_admin(request)
    with db(request) as session:
        context = {
            "rows": flatten(directory.unit_tree(session)),
            "site_counts": _counts(session, col(Site.unit_id)),
            "people_counts": _counts(session, col(Person.unit_id)),
        }
    return render(request, "directory/units.html", context)


def _unit_values(unit: Unit | None) -> dict[str, str]:
    if unit is None:
        return {name: "" for name in UNIT_FIELDS} | {"abbreviation": "UBND", "level": UnitLevel.COMMUNE.value}
    return {
        "name": unit.name,
        "code": unit.code,
        "level": unit.level.value,
        "parent_id": str(unit.parent_id or ""),
        "abbreviation": unit.abbreviation,
        "address": unit.address,
        "email": unit.email,
        "telephone": unit.telephone,
        "place_name": unit.place_name,
    }


def _unit_form(
    request: Request, session: Session, unit: Unit | None, values: dict[str, str], errors: dict[str, str], status: int
) -> Response:
    parents = [(d, u) for d, u in flatten(directory.unit_tree(session)) if unit is None or u.id != unit.id]
    context = {"unit": unit, "values": values, "errors": errors, "parents": parents, "levels": list(UnitLevel)}
    return render(request, "directory/unit_form.html", context, status_code=status)


def unit_form(request: Request) -> Response:
    require_admin(request)
    with db(request) as session:
        unit = directory.get_unit(session, path_id(request)) if "id" in request.path_params else None
        return _unit_form(request, session, unit, _unit_values(unit), {}, 200)


def unit_save(request: Request) -> Response:
    person = require_admin(request)
    values = {name: text(request, name) for name in UNIT_FIELDS}
    draft = UnitDraft(
        name=values["name"],
        code=values["code"],
        level=values["level"],
        parent_id=optional_id(values["parent_id"]),
        abbreviation=values["abbreviation"],
        address=values["address"],
        email=values["email"],
        telephone=values["telephone"],
        place_name=values["place_name"],
    )
    with db(request) as session:
        unit = directory.get_unit(session, path_id(request)) if "id" in request.path_params else None
        try:
            if unit is None:
                directory.create_unit(session, person, draft)
            else:
                assert unit.id is not None
                directory.update_unit(session, person, unit.id, draft)
        except DomainError as exc:
            session.rollback()
            return _unit_form(request, session, unit, values, field_error(request, exc, UNIT_FIELDS), exc.status_code)
    return see_other("/directory/units")


# ---- sites ----------------------------------------------------------------------------------------------

SITE_FIELDS = frozenset({"unit_id", "name", "location", "active"})


def site_list(request: Request) -> Response:
    require_admin(request)
    with db(request) as session:
        units = {u.id: u for u in directory.list_units(session)}
        sites = sorted(directory.list_sites(session), key=lambda s: (units[s.unit_id].code, s.name))
        return render(request, "directory/sites.html", {"sites": sites, "units": units})


def _site_form(
    request: Request, session: Session, site: Site | None, values: dict[str, Any], errors: dict[str, str], status: int
) -> Response:
    context = {"site": site, "values": values, "errors": errors, "units": flatten(directory.unit_tree(session))}
    return render(request, "directory/site_form.html", context, status_code=status)


def site_form(request: Request) -> Response:
    require_admin(request)
    with db(request) as session:
        site = directory.get_site(session, path_id(request)) if "id" in request.path_params else None
        if site is None:
            values: dict[str, Any] = {
                "unit_id": request.query_params.get("unit", ""),
                "name": "",
                "location": "",
                "active": True,
            }
        else:
            values = {"unit_id": str(site.unit_id), "name": site.name, "location": site.location, "active": site.active}
        return _site_form(request, session, site, values, {}, 200)


def site_save(request: Request) -> Response:
    person = require_admin(request)
    values: dict[str, Any] = {
        "unit_id": text(request, "unit_id"),
        "name": text(request, "name"),
        "location": text(request, "location"),
        "active": checked(request, "active"),
    }
    with db(request) as session:
        site = directory.get_site(session, path_id(request)) if "id" in request.path_params else None
        unit_id = optional_id(values["unit_id"])
        try:
            if unit_id is None:
                raise ValidationError(translate(request, "Hãy chọn đơn vị."), field="unit_id")
            draft = SiteDraft(
                unit_id=unit_id, name=values["name"], location=values["location"], active=values["active"]
            )
            if site is None:
                directory.create_site(session, person, draft)
            else:
                assert site.id is not None
                directory.update_site(session, person, site.id, draft)
        except DomainError as exc:
            session.rollback()
            return _site_form(request, session, site, values, field_error(request, exc, SITE_FIELDS), exc.status_code)
    return see_other("/directory/sites")


def routes() -> list[BaseRoute]:
    return [
        Route("/directory", lambda request: see_other("/directory/units")),
        Route("/directory/units", unit_list, name="units"),
        Route("/directory/units/new", unit_form),
        Route("/directory/units/new", unit_save, methods=["POST"]),
        Route("/directory/units/{id:int}", unit_form, name="unit"),
        Route("/directory/units/{id:int}", unit_save, methods=["POST"]),
        Route("/directory/sites", site_list, name="sites"),
        Route("/directory/sites/new", site_form),
        Route("/directory/sites/new", site_save, methods=["POST"]),
        Route("/directory/sites/{id:int}", site_form, name="site"),
        Route("/directory/sites/{id:int}", site_save, methods=["POST"]),
    ]
