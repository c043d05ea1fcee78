"""The people of the directory, for administrators: list (by unit), create and edit, set a password."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from meetings import accounts, directory
from meetings.directory import PersonDraft
from meetings.errors import DomainError, ValidationError
from meetings.people import Person, Role
from web.context import ctx
from web.i18n import LANGUAGES, translate
from web.pages.common import db, path_id
from web.pages.directory import field_error, flatten, optional_id, require_admin
from web.pages.forms import checked, raw, see_other, text, texts
from web.templating import render

PERSON_FIELDS = frozenset(
    {"username", "full_name", "unit_id", "position", "email", "telephone", "roles", "language", "active", "password"}
)


def people_list(request: Request) -> Response:
    require_admin(request)
    unit_id = optional_id(request.query_params.get("unit", ""))
    with db(request) as session:
        units = {u.id: u for u in directory.list_units(session)}
        people = sorted(
            directory.list_people(session, unit_id),
            key=lambda p: (units[p.unit_id].code, not p.active, p.full_name),
        )
        context = {
            "people": people,
            "units": units,
            "unit_rows": flatten(directory.unit_tree(session)),
            "unit_id": unit_id,
        }
    return render(request, "directory/people.html", context)


def _values_of(person: Person | None, unit: str = "") -> dict[str, Any]:
    if person is None:
        return {
            "username": "",
            "full_name": "",
            "unit_id": unit,
            "position": "",
            "email": "",
            "telephone": "",
            "roles": set(),
            "language": "vi",
            "active": True,
        }
    return {
        "username": person.username,
        "full_name": person.full_name,
        "unit_id": str(person.unit_id),
        "position": person.position,
        "email": person.email,
        "telephone": person.telephone,
        "roles": {r.value for r in person.role_set()},
        "language": person.language,
        "active": person.active,
    }


def _form(
    request: Request,
    session: Session,
    person: Person | None,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int,
) -> Response:
    context = {
        "subject": person,
        "values": values,
        "errors": errors,
        "units": flatten(directory.unit_tree(session)),
        "roles": list(Role),
        "languages_choice": LANGUAGES,
    }
    return render(request, "directory/person_form.html", context, status_code=status)


def person_form(request: Request) -> Response:
    require_admin(request)
    with db(request) as session:
        subject = directory.get_person(session, path_id(request)) if "id" in request.path_params else None
        return _form(request, session, subject, _values_of(subject, request.query_params.get("unit", "")), {}, 200)


def person_save(request: Request) -> Response:
    actor = require_admin(request)
    values: dict[str, Any] = {
        "username": text(request, "username"),
        "full_name": text(request, "full_name"),
        "unit_id": text(request, "unit_id"),
        "position": text(request, "position"),
        "email": text(request, "email"),
        "telephone": text(request, "telephone"),
        "roles": set(texts(request, "roles")),
        "language": text(request, "language"),
        "active": checked(request, "active"),
    }
    # Not stripped: spaces may belong to a password.
    password = raw(request, "password")
    with db(request) as session:
        subject = directory.get_person(session, path_id(request)) if "id" in request.path_params else None
        unit_id = optional_id(values["unit_id"])
        try:
            if unit_id is None:
                raise ValidationError(translate(request, "Hãy chọn đơn vị."), field="unit_id")
            if password:
                accounts.check_password_policy(password)
            draft = PersonDraft(
                username=values["username"],
                full_name=values["full_name"],
                unit_id=unit_id,
                position=values["position"],
                email=values["email"],
                telephone=values["telephone"],
                roles=sorted(values["roles"]),
                language=values["language"],
                active=values["active"],
            )
            if subject is None:
                subject = directory.create_person(session, actor, draft)
            else:
                assert subject.id is not None
                subject = directory.update_person(session, actor, subject.id, draft)
            if password:
                accounts.set_password(session, subject, password, actor=actor, hasher=ctx(request).password_hasher)
        except DomainError as exc:
            session.rollback()
            if subject is not None and subject.id is None:
                subject = None
            return _form(request, session, subject, values, field_error(request, exc, PERSON_FIELDS), exc.status_code)
    return see_other(f"/directory/people?unit={unit_id}")


def routes() -> list[BaseRoute]:
    return [
        Route("/directory/people", people_list, name="people"),
        Route("/directory/people/new", person_form),
        Route("/directory/people/new", person_save, methods=["POST"]),
        Route("/directory/people/{id:int}", person_form, name="person"),
        Route("/directory/people/{id:int}", person_save, methods=["POST"]),
    ]
