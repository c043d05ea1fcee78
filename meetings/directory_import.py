"""Importing a directory file: create or update units, sites and people, all or nothing.

Records are matched by their keys — a unit by agency code, a site by (unit code, name), a person by
username — so importing the same file twice changes nothing the second time. A field that is missing or
empty keeps the value already stored (or the default, for a new record): the import never clears a field.
Every row is checked in one transaction; if any row is bad, the transaction is rolled back and all the
problems are reported with their line numbers. The format is described in docs/directory-import.md.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from sqlmodel import Session

from meetings import audit
from meetings.accounts import check_password_policy, hash_password
from meetings.directory import (
    LEVEL_RANK,
    Outcome,
    PersonDraft,
    SiteDraft,
    UnitDraft,
    person_by_username,
    save_person,
    save_site,
    save_unit,
    site_by_name,
    unit_by_code,
)
from meetings.directory_files import ImportRow, Problem, decode, read_rows
from meetings.errors import DomainError, ValidationError
from meetings.people import Person, Role
from meetings.validation import parse_level

FORMATS = ("json", "csv")
# Field names of the domain that the file calls differently.
_COLUMN_OF_FIELD = {"parent_id": "parent", "unit_id": "unit"}
_TRUE = {"1", "true", "yes", "có", "co", "x"}
_FALSE = {"0", "false", "no", "không", "khong"}


class DirectoryImportError(DomainError):
    """The file has problems; nothing was imported. ``problems`` lists ``(line, message)``, by line."""

    status_code = 422

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__(f"Tệp danh bạ có {len(self.problems)} lỗi; chưa nhập gì.")


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, outcome: Outcome) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


@dataclass
class ImportReport:
    units: Counts = field(default_factory=Counts)
    sites: Counts = field(default_factory=Counts)
    people: Counts = field(default_factory=Counts)

    @property
    def created(self) -> int:
        return self.units.created + self.sites.created + self.people.created

    @property
    def updated(self) -> int:
        return self.units.updated + self.sites.updated + self.people.updated

    @property
    def unchanged(self) -> int:
        return self.units.unchanged + self.sites.unchanged + self.people.unchanged

    def summary(self) -> list[str]:
        """One line per kind of record, for the command line."""
        return [
            f"{label}: {c.created} created, {c.updated} updated, {c.unchanged} unchanged"
            for label, c in (("units", self.units), ("sites", self.sites), ("people", self.people))
        ]


def format_for(path: Path, fmt: str | None = None) -> str:
    """The format asked for, or the one the file name's extension says."""
    chosen = (fmt or path.suffix.lstrip(".")).lower()
    if chosen not in FORMATS:
        raise ValidationError(
            f"Không biết định dạng của «{path.name}»; dùng tệp .json hoặc .csv, hoặc chỉ rõ --format.",
            field="format",
        )
    return chosen


def import_directory(
    session: Session,
    source: Path | str | bytes,
    fmt: str | None = None,
    *,
    actor: Person | None = None,
    hasher: PasswordHasher | None = None,
) -> ImportReport:
    """Import a directory file (a path, its bytes, or its text) in ``fmt`` ("json" or "csv"; for a path, the
    extension decides when ``fmt`` is None). Commits on success; raises DirectoryImportError otherwise.
    Initial passwords are hashed with ``hasher`` (see :func:`meetings.accounts.password_hasher`)."""
    if isinstance(source, Path):
        fmt = format_for(source, fmt)
        source = source.read_bytes()
    if fmt not in FORMATS:
        raise ValidationError("Định dạng tệp phải là json hoặc csv.", field="format")
    if isinstance(source, bytes):
        text, problems = decode(source)
        if problems:
            raise DirectoryImportError(problems)
    else:
        text = source
    # Rows that could be read are imported even when others could not, so one run reports every problem.
    rows, problems = read_rows(text, fmt)
    duplicates = _duplicates(rows)
    problems += duplicates
    duplicate_lines = {line for line, _ in duplicates}
    rows = [r for r in rows if r.line not in duplicate_lines]

    report = ImportReport()
    try:
        for row in _units_parents_first(session, [r for r in rows if r.kind == "unit"]):
            _guarded(problems, row, lambda r: report.units.add(_import_unit(session, actor, r)))
        for row in (r for r in rows if r.kind == "site"):
            _guarded(problems, row, lambda r: report.sites.add(_import_site(session, actor, r)))
        for row in (r for r in rows if r.kind == "person"):
            _guarded(problems, row, lambda r: report.people.add(_import_person(session, actor, r, hasher)))
        if problems:
            raise DirectoryImportError(problems)
        audit.record(
            session, actor.id if actor else None, "import", "directory", None,
            created=report.created, updated=report.updated, unchanged=report.unchanged,
        )  # fmt: skip
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return report


def _guarded(problems: list[Problem], row: ImportRow, step: Callable[[ImportRow], None]) -> None:
    try:
        step(row)
    except DomainError as exc:
        column = _COLUMN_OF_FIELD.get(exc.field or "", exc.field)
        problems.append((row.line, f"{column}: {exc.message}" if column else exc.message))


def _text(row: ImportRow, name: str) -> str:
    """The field's value, stripped; empty when absent (which means: keep what is stored)."""
    value = row.fields.get(name)
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return unicodedata.normalize("NFC", str(value)).strip()


def _given(row: ImportRow, name: str, stored: Any) -> Any:
    value = _text(row, name)
    return value if value else stored


def _flag(row: ImportRow, name: str, stored: bool) -> bool:
    value = row.fields.get(name)
    if isinstance(value, bool):
        return value
    text = _text(row, name).lower()
    if not text:
        return stored
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValidationError(f"Giá trị «{text}» không hợp lệ; dùng true hoặc false.", field=name)


def _duplicates(rows: list[ImportRow]) -> list[Problem]:
    """A record given twice in one file is almost always a copy-paste slip: report it, don't guess."""
    first_seen: dict[tuple[str, ...], int] = {}
    problems: list[Problem] = []
    for row in rows:
        if row.kind == "unit":
            key: tuple[str, ...] = ("unit", _text(row, "code"))
        elif row.kind == "site":
            key = ("site", _text(row, "unit"), _text(row, "name"))
        else:
            key = ("person", _text(row, "username").lower())
        if not all(key[1:]):
            continue  # the missing key is reported when the row is imported
        if key in first_seen:
            problems.append((row.line, f"Bản ghi này trùng với dòng {first_seen[key]}."))
        else:
            first_seen[key] = row.line
    return problems


def _units_parents_first(session: Session, rows: list[ImportRow]) -> list[ImportRow]:
    """Provinces, then districts, then communes, so a parent given later in the file still comes first."""

    def rank(row: ImportRow) -> int:
        try:
            return LEVEL_RANK[parse_level(_text(row, "level"))]
        except DomainError:
            existing = unit_by_code(session, _text(row, "code"))
            return LEVEL_RANK[existing.level] if existing else len(LEVEL_RANK)

    return sorted(rows, key=lambda r: (rank(r), r.line))


def _unit_id(session: Session, code: str, column: str) -> int:
    unit = unit_by_code(session, code)
    if unit is None or unit.id is None:
        raise ValidationError(f"Không có đơn vị mã «{code}» (trong danh bạ hay trong tệp này).", field=column)
    return unit.id


def _import_unit(session: Session, actor: Person | None, row: ImportRow) -> Outcome:
    code = _text(row, "code")
    if not code:
        raise ValidationError("Thiếu mã định danh.", field="code")
    unit = unit_by_code(session, code)
    parent_code = _text(row, "parent")
    parent_id = _unit_id(session, parent_code, "parent") if parent_code else (unit.parent_id if unit else None)
    draft = UnitDraft(
        name=_given(row, "name", unit.name if unit else ""),
        code=code,
        level=_given(row, "level", unit.level if unit else ""),
        parent_id=parent_id,
        abbreviation=_given(row, "abbreviation", unit.abbreviation if unit else "UBND"),
        address=_given(row, "address", unit.address if unit else ""),
        email=_given(row, "email", unit.email if unit else ""),
        telephone=_given(row, "telephone", unit.telephone if unit else ""),
        place_name=_given(row, "place_name", unit.place_name if unit else ""),
    )
    return save_unit(session, actor, draft, unit)[1]


def _import_site(session: Session, actor: Person | None, row: ImportRow) -> Outcome:
    unit_code, name = _text(row, "unit"), _text(row, "name")
    if not unit_code:
        raise ValidationError("Thiếu mã đơn vị của điểm cầu.", field="unit")
    if not name:
        raise ValidationError("Thiếu tên điểm cầu.", field="name")
    unit_id = _unit_id(session, unit_code, "unit")
    site = site_by_name(session, unit_id, name)
    draft = SiteDraft(
        unit_id=unit_id,
        name=name,
        location=_given(row, "location", site.location if site else ""),
        active=_flag(row, "active", site.active if site else True),
    )
    return save_site(session, actor, draft, site)[1]


def _import_person(session: Session, actor: Person | None, row: ImportRow, hasher: PasswordHasher | None) -> Outcome:
    username = _text(row, "username")
    if not username:
        raise ValidationError("Thiếu tên đăng nhập.", field="username")
    person = person_by_username(session, username)
    unit_code = _text(row, "unit")
    if unit_code:
        unit_id = _unit_id(session, unit_code, "unit")
    elif person is not None:
        unit_id = person.unit_id
    else:
        raise ValidationError("Thiếu mã đơn vị của người dùng.", field="unit")
    roles: str | frozenset[Role] = _text(row, "roles") or (person.role_set() if person else frozenset())
    draft = PersonDraft(
        username=username,
        full_name=_given(row, "full_name", person.full_name if person else ""),
        unit_id=unit_id,
        position=_given(row, "position", person.position if person else ""),
        email=_given(row, "email", person.email if person else ""),
        telephone=_given(row, "telephone", person.telephone if person else ""),
        roles=roles,
        language=_given(row, "language", person.language if person else "vi"),
        active=_flag(row, "active", person.active if person else True),
    )
    password = row.fields.get("password") or ""
    if password:
        check_password_policy(password)
    person, outcome = save_person(session, actor, draft, person)
    # An initial password only: a password the person has since set is never overwritten.
    if password and not person.password_hash:
        person.password_hash = hash_password(password, hasher=hasher)
        session.add(person)
        audit.record(session, actor.id if actor else None, "set_password", "person", person.id)
        outcome = "created" if outcome == "created" else "updated"
    return outcome
