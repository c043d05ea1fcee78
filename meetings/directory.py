"""The directory: administrative units, their sites (meeting rooms) and people, kept valid.

Every change goes through a draft (the full set of editable fields), is validated, and is written to the
audit log with the fields that changed. Public functions commit; the ``save_*`` functions do not, so the
directory import and the demo can put many changes into one transaction.

``actor`` is the person making the change; ``None`` means the operator at the command line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from sqlmodel import Session, col, select

from meetings import audit
from meetings.access import require_manage_directory
from meetings.accounts import normalize_username
from meetings.errors import N_, Conflict, NotFound, RuleViolation
from meetings.people import Person, Role
from meetings.text import NUL
from meetings.units import Site, Unit, UnitLevel, validate_agency_code
from meetings.validation import (
    clean_abbreviation,
    clean_email,
    clean_language,
    clean_text,
    clean_username,
    parse_level,
    parse_roles,
)

Outcome = Literal["created", "updated", "unchanged"]

# Lower rank = higher in the hierarchy; a parent must rank strictly lower than its child.
LEVEL_RANK = {UnitLevel.PROVINCE: 0, UnitLevel.DISTRICT: 1, UnitLevel.COMMUNE: 2}


@dataclass
class UnitDraft:
    name: str
    code: str
    level: UnitLevel | str
    parent_id: int | None = None
    abbreviation: str = "UBND"
    address: str = ""
    email: str = ""
    telephone: str = ""
    place_name: str = ""


@dataclass
class SiteDraft:
    unit_id: int
    name: str
    location: str = ""
    active: bool = True


@dataclass
class PersonDraft:
    username: str
    full_name: str
    unit_id: int
    position: str = ""
    email: str = ""
    telephone: str = ""
    roles: Iterable[Role | str] = field(default_factory=tuple)
    language: str = "vi"
    active: bool = True


@dataclass
class UnitNode:
    """A unit with the units directly below it, for showing the hierarchy."""

    unit: Unit
    children: list[UnitNode] = field(default_factory=list)


def _require_directory_manager(actor: Person | None) -> None:
    if actor is not None:
        require_manage_directory(actor)


def _apply(obj: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set ``values`` on ``obj``; return the changes as {field: [old, new]}."""
    changes: dict[str, list[Any]] = {}
    for name, value in values.items():
        old = getattr(obj, name)
        if old != value:
            changes[name] = [old, value]
            setattr(obj, name, value)
    return changes


Row = TypeVar("Row", Unit, Site, Person)


def _write(
    session: Session,
    actor: Person | None,
    kind: str,
    model: type[Row],
    values: dict[str, Any],
    row: Row | None,
    shown: tuple[str, ...],
) -> tuple[Row, Outcome]:
    """Insert ``values`` as a new ``model`` row (``row`` None) or apply them to ``row``; audited, not committed.

    ``shown`` names the fields the audit entry of a creation repeats.
    """
    actor_id = actor.id if actor else None
    if row is None:
        row = model(**values)
        session.add(row)
        session.flush()
        audit.record(session, actor_id, "create", kind, row.id, **{name: getattr(row, name) for name in shown})
        return row, "created"
    changes = _apply(row, values)
    if not changes:
        return row, "unchanged"
    session.add(row)
    session.flush()
    audit.record(session, actor_id, "update", kind, row.id, changes=changes)
    return row, "updated"


# ---- units ---------------------------------------------------------------------------------------------


def get_unit(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(N_("Không tìm thấy đơn vị."), field="unit_id")
    return unit


def unit_by_code(session: Session, code: str) -> Unit | None:
    if NUL in code:  # no stored key holds one, and PostgreSQL refuses to be asked about one
        return None
    return session.exec(select(Unit).where(Unit.code == code.strip())).first()


def _clean_unit(session: Session, draft: UnitDraft, unit_id: int | None) -> dict[str, Any]:
    level = parse_level(draft.level)
    code = validate_agency_code(draft.code)
    same_code = unit_by_code(session, code)
    if same_code is not None and same_code.id != unit_id:
        raise Conflict(
            N_("Mã định danh %(code)s đã được dùng cho «%(unit)s»."), field="code", code=code, unit=same_code.name
        )
    if draft.parent_id is not None:
        parent = session.get(Unit, draft.parent_id)
        if parent is None:
            raise NotFound(N_("Đơn vị cấp trên không tồn tại."), field="parent_id")
        if LEVEL_RANK[parent.level] >= LEVEL_RANK[level]:
            raise RuleViolation(
                N_("Đơn vị cấp trên «%(parent)s» phải ở cấp cao hơn đơn vị này."), field="parent_id", parent=parent.name
            )
        if unit_id is not None and unit_id in {u.id for u in _ancestors(session, parent)}:
            raise RuleViolation(N_("Không thể đặt một đơn vị cấp dưới làm đơn vị cấp trên."), field="parent_id")
    if unit_id is not None:
        for child in session.exec(select(Unit).where(Unit.parent_id == unit_id)).all():
            if LEVEL_RANK[child.level] <= LEVEL_RANK[level]:
                raise RuleViolation(
                    N_("Đơn vị cấp dưới «%(child)s» phải ở cấp thấp hơn cấp mới của đơn vị này."),
                    field="level",
                    child=child.name,
                )
    return {
        "name": clean_text(draft.name, "name", "Tên đơn vị", 200, required=True),
        "code": code,
        "level": level,
        "parent_id": draft.parent_id,
        "abbreviation": clean_abbreviation(draft.abbreviation),
        "address": clean_text(draft.address, "address", "Địa chỉ", 300),
        "email": clean_email(draft.email),
        "telephone": clean_text(draft.telephone, "telephone", N_("Số điện thoại"), 50),
        "place_name": clean_text(draft.place_name, "place_name", N_("Địa danh"), 100),
    }


def _ancestors(session: Session, unit: Unit) -> list[Unit]:
    """``unit`` and every unit above it, nearest first (stops on a cycle rather than looping)."""
    chain: list[Unit] = []
    seen: set[int | None] = set()
    current: Unit | None = unit
    while current is not None and current.id not in seen:
        chain.append(current)
        seen.add(current.id)
        current = session.get(Unit, current.parent_id) if current.parent_id is not None else None
    return chain


def save_unit(
    session: Session, actor: Person | None, draft: UnitDraft, unit: Unit | None = None
) -> tuple[Unit, Outcome]:
    """Validate and write a unit (new when ``unit`` is None) without committing."""
    _require_directory_manager(actor)
    values = _clean_unit(session, draft, unit.id if unit else None)
    return _write(session, actor, "unit", Unit, values, unit, ("code", "name"))


def create_unit(session: Session, actor: Person | None, draft: UnitDraft) -> Unit:
    unit, _ = save_unit(session, actor, draft)
    session.commit()
    return unit


def update_unit(session: Session, actor: Person | None, unit_id: int, draft: UnitDraft) -> Unit:
    unit, _ = save_unit(session, actor, draft, get_unit(session, unit_id))
    session.commit()
    return unit


def list_units(session: Session) -> list[Unit]:
    """All units, ordered by agency code (communes of a district then follow their numbering)."""
    return list(session.exec(select(Unit).order_by(col(Unit.code))).all())


def unit_tree(session: Session) -> list[UnitNode]:
    """The hierarchy as trees, one per unit without a parent, children ordered by code."""
    units = list_units(session)
    nodes = {u.id: UnitNode(u) for u in units}
    roots: list[UnitNode] = []
    for unit in units:
        node = nodes[unit.id]
        parent = nodes.get(unit.parent_id) if unit.parent_id is not None else None
        (parent.children if parent is not None else roots).append(node)
    return roots


def units_below(session: Session, unit_id: int) -> list[Unit]:
    """Every unit under ``unit_id`` at any depth, not the unit itself, ordered by code."""
    below: list[Unit] = []
    frontier = [unit_id]
    seen = {unit_id}
    while frontier:
        children = session.exec(select(Unit).where(col(Unit.parent_id).in_(frontier))).all()
        frontier = []
        for child in children:
            if child.id is not None and child.id not in seen:
                seen.add(child.id)
                below.append(child)
                frontier.append(child.id)
    return sorted(below, key=lambda u: u.code)


# ---- sites ---------------------------------------------------------------------------------------------


def get_site(session: Session, site_id: int) -> Site:
    site = session.get(Site, site_id)
    if site is None:
        raise NotFound(N_("Không tìm thấy điểm cầu."), field="site_id")
    return site


def site_by_name(session: Session, unit_id: int, name: str) -> Site | None:
    if NUL in name:
        return None
    return session.exec(select(Site).where(Site.unit_id == unit_id, Site.name == name.strip())).first()


def _clean_site(session: Session, draft: SiteDraft, site_id: int | None) -> dict[str, Any]:
    unit = session.get(Unit, draft.unit_id)
    if unit is None:
        raise NotFound(N_("Đơn vị của điểm cầu không tồn tại."), field="unit_id")
    name = clean_text(draft.name, "name", "Tên điểm cầu", 200, required=True)
    same = site_by_name(session, draft.unit_id, name)
    if same is not None and same.id != site_id:
        raise Conflict(N_("«%(unit)s» đã có điểm cầu tên «%(name)s»."), field="name", unit=unit.name, name=name)
    return {
        "unit_id": draft.unit_id,
        "name": name,
        "location": clean_text(draft.location, "location", "Vị trí", 300),
        "active": bool(draft.active),
    }


def save_site(
    session: Session, actor: Person | None, draft: SiteDraft, site: Site | None = None
) -> tuple[Site, Outcome]:
    """Validate and write a site (new when ``site`` is None) without committing."""
    _require_directory_manager(actor)
    values = _clean_site(session, draft, site.id if site else None)
    return _write(session, actor, "site", Site, values, site, ("unit_id", "name"))


def create_site(session: Session, actor: Person | None, draft: SiteDraft) -> Site:
    site, _ = save_site(session, actor, draft)
    session.commit()
    return site


def update_site(session: Session, actor: Person | None, site_id: int, draft: SiteDraft) -> Site:
    site, _ = save_site(session, actor, draft, get_site(session, site_id))
    session.commit()
    return site


def list_sites(session: Session, unit_id: int | None = None) -> list[Site]:
    query = select(Site).order_by(col(Site.unit_id), col(Site.name))
    if unit_id is not None:
        query = query.where(Site.unit_id == unit_id)
    return list(session.exec(query).all())


# ---- people --------------------------------------------------------------------------------------------


def get_person(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(N_("Không tìm thấy người dùng."), field="person_id")
    return person


def person_by_username(session: Session, username: str) -> Person | None:
    if NUL in username:
        return None
    return session.exec(select(Person).where(Person.username == normalize_username(username))).first()


def _clean_person(session: Session, draft: PersonDraft, person: Person | None) -> dict[str, Any]:
    username = clean_username(draft.username)
    same = person_by_username(session, username)
    if same is not None and (person is None or same.id != person.id):
        raise Conflict(N_("Tên đăng nhập «%(username)s» đã có người dùng."), field="username", username=username)
    if session.get(Unit, draft.unit_id) is None:
        raise NotFound(N_("Đơn vị của người dùng không tồn tại."), field="unit_id")
    roles = parse_roles(draft.roles)
    active = bool(draft.active)
    if person is not None and person.has_role(Role.ADMINISTRATOR) and person.active:
        if (Role.ADMINISTRATOR not in roles or not active) and _active_administrators(session) <= 1:
            raise RuleViolation(N_("Không thể bỏ quyền của quản trị viên cuối cùng."), field="roles")
    return {
        "username": username,
        "full_name": clean_text(draft.full_name, "full_name", "Họ và tên", 200, required=True),
        "unit_id": draft.unit_id,
        "position": clean_text(draft.position, "position", "Chức vụ", 200),
        "email": clean_email(draft.email),
        "telephone": clean_text(draft.telephone, "telephone", N_("Số điện thoại"), 50),
        "roles": " ".join(r.value for r in Role if r in roles),
        "language": clean_language(draft.language),
        "active": active,
    }


def _active_administrators(session: Session) -> int:
    people = session.exec(select(Person).where(col(Person.active).is_(True))).all()
    return sum(1 for p in people if p.has_role(Role.ADMINISTRATOR))


def save_person(
    session: Session, actor: Person | None, draft: PersonDraft, person: Person | None = None
) -> tuple[Person, Outcome]:
    """Validate and write a person (new when ``person`` is None) without committing.

    The password is not part of the draft: see ``meetings.accounts.set_password``.
    """
    _require_directory_manager(actor)
    values = _clean_person(session, draft, person)
    return _write(session, actor, "person", Person, values, person, ("username",))


def create_person(session: Session, actor: Person | None, draft: PersonDraft) -> Person:
    person, _ = save_person(session, actor, draft)
    session.commit()
    return person


def update_person(session: Session, actor: Person | None, person_id: int, draft: PersonDraft) -> Person:
    person, _ = save_person(session, actor, draft, get_person(session, person_id))
    session.commit()
    return person


def list_people(session: Session, unit_id: int | None = None) -> list[Person]:
    query = select(Person).order_by(col(Person.unit_id), col(Person.username))
    if unit_id is not None:
        query = query.where(Person.unit_id == unit_id)
    return list(session.exec(query).all())
