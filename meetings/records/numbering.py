"""Numbers of official documents: ``Số: 05/BB-UBND``.

Decree 30/2020/NĐ-CP, art. 15: an agency's documents are numbered from 01 on 1 January to the last one on
31 December, each number once a year. An agency either lets giaoban give the numbers (``generated``) or
takes them from the clerk's register in its document-management system (``register``): then the clerk
enters the number the register gave, and giaoban only checks it was not used already this year.

Generated numbers come from one counter row per agency and year, raised by one statement:

    INSERT … ON CONFLICT (unit_id, year) DO UPDATE SET last_number = last_number + 1 RETURNING last_number

On PostgreSQL the statement locks the counter row until the transaction ends, so a concurrent approval
waits and then gets the next number; on SQLite the statement takes the database's write lock, with the
same effect. Either way the number is given inside the caller's transaction: if the approval rolls
back, so does the number, and no gap is left in the register. Every number given or entered is kept in
``issued_number``, unique per agency and year.

On SQLite a transaction that read before it writes can find, at its first write, that another process
wrote meanwhile ("database is locked", at once, without waiting). An approval should therefore call
:func:`lock_for_numbering` before it reads what it is going to approve.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Table, UniqueConstraint
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Column, Date, Field, Session, SQLModel, col, select

from meetings.access import is_administrator
from meetings.audit import record
from meetings.errors import N_, Conflict, Forbidden, NotFound, ValidationError
from meetings.people import Person
from meetings.records.forms import DocumentType, NumberAndSymbol
from meetings.types import UTCDateTime, utcnow
from meetings.units import Unit

MAX_NUMBER = 99999


class NumberingMode(StrEnum):
    GENERATED = "generated"
    """giaoban gives the numbers."""
    REGISTER = "register"
    """The clerk enters the number the document-management system's register gave."""


NUMBERING_LABELS = {
    NumberingMode.GENERATED: "giaoban tự cấp số",
    NumberingMode.REGISTER: "Văn thư nhập số từ sổ đăng ký của hệ thống quản lý văn bản",
}


class DocumentCounter(SQLModel, table=True):
    """The last number given by an agency in a year."""

    __tablename__ = "document_counter"

    unit_id: int = Field(foreign_key="unit.id", primary_key=True)
    year: int = Field(primary_key=True)
    last_number: int = 0


class AgencyRecordsSetting(SQLModel, table=True):
    """How an agency numbers its documents (and, later, its other records settings)."""

    __tablename__ = "agency_records_setting"

    unit_id: int = Field(foreign_key="unit.id", primary_key=True)
    numbering: str = Field(default=NumberingMode.GENERATED.value, max_length=20)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class IssuedNumber(SQLModel, table=True):
    """A number given to (or entered for) one document: the agency's register of numbers in giaoban."""

    __tablename__ = "issued_number"
    __table_args__ = (UniqueConstraint("unit_id", "year", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    year: int
    number: int
    type_code: str = Field(max_length=10)
    agency_abbreviation: str = Field(max_length=30)
    mode: str = Field(max_length=20)
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id", index=True)
    issued_on: date = Field(sa_column=Column(Date(), nullable=False))
    issued_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))

    def number_and_symbol(self) -> NumberAndSymbol:
        return NumberAndSymbol(self.number, self.type_code, self.agency_abbreviation)


_COUNTER: Table = DocumentCounter.__table__  # type: ignore[attr-defined]


def lock_for_numbering(session: Session) -> None:
    """Start the caller's transaction as a writer, before it reads (SQLite: ``BEGIN IMMEDIATE``).

    Call first in a transaction that will give a number. On PostgreSQL nothing is needed: the counter
    row's lock is enough. On SQLite, when the transaction has already begun, nothing can be done here and
    nothing is.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.driver_connection
    if raw is not None and not getattr(raw, "in_transaction", True):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def next_number(session: Session, unit_id: int, year: int) -> int:
    """Raise the agency's counter for ``year`` by one, in the caller's transaction, and return it."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(_COUNTER)
        .values(unit_id=unit_id, year=year, last_number=1)
        .on_conflict_do_update(index_elements=["unit_id", "year"], set_={"last_number": _COUNTER.c.last_number + 1})
        .returning(_COUNTER.c.last_number)
    )
    value = session.execute(statement).scalar_one()
    assert isinstance(value, int)
    return value


def numbering_mode(session: Session, unit_id: int) -> NumberingMode:
    setting = session.get(AgencyRecordsSetting, unit_id)
    return NumberingMode(setting.numbering) if setting is not None else NumberingMode.GENERATED


def set_numbering_mode(session: Session, actor: Person, unit_id: int, mode: NumberingMode | str) -> None:
    """An administrator chooses how an agency's documents get their numbers (audited; caller commits)."""
    if not is_administrator(actor):
        raise Forbidden(N_("Chỉ quản trị viên được đổi cách cấp số văn bản."))
    try:
        mode = NumberingMode(mode)
    except ValueError:
        raise ValidationError(N_("Cách cấp số không hợp lệ: %(mode)s."), field="numbering", mode=repr(mode)) from None
    if session.get(Unit, unit_id) is None:
        raise NotFound(N_("Không tìm thấy đơn vị (mã %(id)s)."), id=unit_id)
    setting = session.get(AgencyRecordsSetting, unit_id) or AgencyRecordsSetting(unit_id=unit_id)
    previous = setting.numbering
    setting.numbering = mode.value
    setting.updated_at = utcnow()
    session.add(setting)
    record(session, actor.id, "set_numbering", "unit", unit_id, previous=previous, numbering=mode.value)


def parse_entered_number(value: str | int | None) -> int:
    """The number a clerk typed: ASCII digits, 1 to 99999 ("05" is 5)."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        raw = (value or "").strip() if isinstance(value, str) else ""
        if not raw:
            raise ValidationError(N_("Hãy nhập số văn bản lấy từ sổ đăng ký văn bản đi."), field="number")
        if not (raw.isascii() and raw.isdigit()):
            raise ValidationError(N_("Số văn bản «%(raw)s» phải là số (ví dụ 05)."), field="number", raw=raw)
        number = int(raw)
    if not 1 <= number <= MAX_NUMBER:
        raise ValidationError(N_("Số văn bản phải từ 01 đến %(max)d."), field="number", max=MAX_NUMBER)
    return number


def issue_number(
    session: Session,
    *,
    unit: Unit,
    document_type: DocumentType,
    issued_on: date,
    meeting_id: int | None = None,
    actor_id: int | None = None,
    entered: str | int | None = None,
) -> IssuedNumber:
    """Give the document its number, in the caller's transaction (the caller commits with the approval).

    ``generated`` agencies get the next number of ``issued_on``'s year and must not pass ``entered``;
    ``register`` agencies must pass the number the register gave (``entered``), refused if it was used
    this year already.
    """
    assert unit.id is not None
    mode = numbering_mode(session, unit.id)
    year = issued_on.year
    if mode is NumberingMode.GENERATED:
        if entered not in (None, ""):
            raise ValidationError(N_("Đơn vị này do giaoban cấp số văn bản; không nhập số."), field="number")
        number = next_number(session, unit.id, year)
    else:
        number = parse_entered_number(entered)
        used = session.exec(
            select(IssuedNumber).where(
                IssuedNumber.unit_id == unit.id, IssuedNumber.year == year, IssuedNumber.number == number
            )
        ).first()
        if used is not None:
            raise Conflict(
                N_(
                    "Số %(number)s năm %(year)d đã cấp cho văn bản %(symbol)s ngày %(day)s; "
                    "hãy kiểm tra lại sổ đăng ký."
                ),
                field="number",
                number=f"{used.number:02d}",
                year=used.year,
                symbol=str(used.number_and_symbol()),
                day=f"{used.issued_on:%d/%m/%Y}",
            )
    issued = IssuedNumber(
        unit_id=unit.id,
        year=year,
        number=number,
        type_code=document_type.value,
        agency_abbreviation=unit.abbreviation,
        mode=mode.value,
        meeting_id=meeting_id,
        issued_on=issued_on,
        issued_by_id=actor_id,
    )
    try:
        # A savepoint: a clerk's number entered twice at the same moment fails here, not at commit.
        with session.begin_nested():
            session.add(issued)
    except IntegrityError:
        raise Conflict(
            N_("Số %(number)s năm %(year)d của đơn vị đã được dùng cho văn bản khác; hãy kiểm tra sổ đăng ký."),
            field="number",
            number=f"{number:02d}",
            year=year,
        ) from None
    return issued


def numbers_of_year(session: Session, unit_id: int, year: int) -> list[IssuedNumber]:
    """The agency's numbers of ``year``, in order."""
    query = select(IssuedNumber).where(IssuedNumber.unit_id == unit_id, IssuedNumber.year == year)
    query = query.order_by(col(IssuedNumber.number))
    return list(session.exec(query).all())
