"""Document numbers: 01 from 1 January, once per agency and year, also under concurrent approvals."""

from __future__ import annotations

import multiprocessing
import time
from datetime import date

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from meetings.errors import Conflict, Forbidden, ValidationError
from meetings.people import Person
from meetings.records.forms import DocumentType
from meetings.records.numbering import (
    NumberingMode,
    issue_number,
    lock_for_numbering,
    numbering_mode,
    numbers_of_year,
    parse_entered_number,
    set_numbering_mode,
)
from meetings.units import Unit, UnitLevel
from tests.records.approvals import approve_many

MARCH = date(2026, 3, 5)


def _units(session: Session) -> tuple[Unit, Unit, Person]:
    district = Unit(name="Ủy ban nhân dân huyện Hòa Vang", code="000.00.12.H49", level=UnitLevel.DISTRICT)
    commune = Unit(name="Ủy ban nhân dân xã Hòa Tiến", code="000.05.12.H49", level=UnitLevel.COMMUNE)
    session.add_all([district, commune])
    session.flush()
    admin = Person(username="admin", full_name="Quản Trị", unit_id=district.id or 0, roles="administrator")
    session.add(admin)
    session.commit()
    return district, commune, admin


def _issue(session: Session, unit: Unit, on: date = MARCH, entered: str | int | None = None) -> str:
    issued = issue_number(session, unit=unit, document_type=DocumentType.MINUTES, issued_on=on, entered=entered)
    session.commit()
    return str(issued.number_and_symbol())


def test_numbers_run_from_01_per_agency_and_start_again_each_year(session: Session) -> None:
    district, commune, _ = _units(session)
    assert [_issue(session, district) for _ in range(3)] == ["01/BB-UBND", "02/BB-UBND", "03/BB-UBND"]
    assert _issue(session, commune) == "01/BB-UBND"
    assert _issue(session, district, date(2026, 12, 31)) == "04/BB-UBND"
    assert _issue(session, district, date(2027, 1, 1)) == "01/BB-UBND"
    # Numbers are per agency, not per type: an invitation takes the next one.
    invitation = issue_number(session, unit=district, document_type=DocumentType.INVITATION, issued_on=MARCH)
    session.commit()
    assert str(invitation.number_and_symbol()) == "05/GM-UBND"
    assert [n.number for n in numbers_of_year(session, district.id or 0, 2026)] == [1, 2, 3, 4, 5]


def test_a_rolled_back_approval_leaves_no_gap(session: Session) -> None:
    district, _, _ = _units(session)
    assert _issue(session, district) == "01/BB-UBND"
    issue_number(session, unit=district, document_type=DocumentType.MINUTES, issued_on=MARCH)
    session.rollback()
    assert _issue(session, district) == "02/BB-UBND"


def test_register_mode_takes_the_clerks_number_once(session: Session) -> None:
    district, _, admin = _units(session)
    assert numbering_mode(session, district.id or 0) is NumberingMode.GENERATED
    set_numbering_mode(session, admin, district.id or 0, "register")
    session.commit()
    assert numbering_mode(session, district.id or 0) is NumberingMode.REGISTER

    assert _issue(session, district, entered="17") == "17/BB-UBND"
    assert _issue(session, district, entered=" 05 ") == "05/BB-UBND"
    with pytest.raises(Conflict) as used:
        _issue(session, district, entered="17")
    assert used.value.field == "number"
    assert "17/BB-UBND ngày 05/03/2026" in used.value.message
    session.rollback()
    # The same number is free again next year.
    assert _issue(session, district, date(2027, 1, 2), entered=17) == "17/BB-UBND"
    with pytest.raises(ValidationError, match="sổ đăng ký"):
        _issue(session, district, entered="")


@pytest.mark.parametrize("typed", ["abc", "0", "-3", "100000", "１２", "1e3", "12/BB"])
def test_odd_entered_numbers_are_refused(typed: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_entered_number(typed)
    assert refused.value.field == "number"


def test_generated_mode_refuses_an_entered_number_and_only_administrators_switch(session: Session) -> None:
    district, commune, _ = _units(session)
    with pytest.raises(ValidationError, match="không nhập số"):
        _issue(session, district, entered="9")
    session.rollback()
    clerk = Person(username="clerk", full_name="Văn Thư", unit_id=district.id or 0, roles="secretary")
    session.add(clerk)
    session.commit()
    with pytest.raises(Forbidden):
        set_numbering_mode(session, clerk, district.id or 0, NumberingMode.REGISTER)
    admin = Person(username="admin2", full_name="Quản Trị", unit_id=commune.id or 0, roles="administrator")
    with pytest.raises(ValidationError):
        set_numbering_mode(session, admin, district.id or 0, "by hand")


@pytest.mark.slow
def test_twenty_concurrent_approvals_from_several_processes_get_twenty_consecutive_numbers(
    engine: Engine, database_url: str
) -> None:
    with Session(engine) as setup:
        district, _, _ = _units(setup)
        unit_id = district.id or 0
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    processes, per_process = 4, 5
    start_at = time.time() + 3.0  # every process connected and waiting before the first approval
    workers = [
        context.Process(target=approve_many, args=(database_url, unit_id, per_process, start_at, queue))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=120) for _ in range(processes * per_process)]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    errors = [r for r in results if isinstance(r, str)]
    assert errors == []
    assert sorted(results) == list(range(1, 21))
    with Session(engine) as check:
        assert [n.number for n in numbers_of_year(check, unit_id, 2026)] == list(range(1, 21))


def test_lock_for_numbering_makes_a_reading_transaction_a_writer(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as setup:
        district, _, _ = _units(setup)
    with Session(engine) as first:
        lock_for_numbering(first)
        unit = first.get(Unit, district.id)
        assert unit is not None
        issue_number(first, unit=unit, document_type=DocumentType.MINUTES, issued_on=MARCH)
        first.commit()
    with Session(engine) as second:
        unit = second.get(Unit, district.id)
        assert unit is not None
        lock_for_numbering(second)  # after a read: harmless, nothing to do
        issued = issue_number(second, unit=unit, document_type=DocumentType.MINUTES, issued_on=MARCH)
        second.commit()
        assert issued.number == 2
