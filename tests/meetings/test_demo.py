"""The demo directory: complete, valid, idempotent, and its log-ins work."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from meetings.accounts import authenticate, password_hasher
from meetings.audit import AuditEntry
from meetings.demo import demo_present, seed_demo
from meetings.directory import PersonDraft, unit_by_code, units_below, update_person
from meetings.people import Person, Role
from meetings.units import Site, Unit, UnitLevel
from meetings.workdays import Holiday

# 23 people to hash per seeding: the cheap test profile (the real cost is kept in test_accounts.py).
FAST = password_hasher("fast-insecure-for-tests")


def test_seed_builds_a_district_with_ten_communes_and_holidays(session: Session) -> None:
    assert not demo_present(session)
    logins = seed_demo(session, hasher=FAST)
    assert demo_present(session)

    district = unit_by_code(session, "000.00.12.H49")
    assert district is not None and district.id is not None
    assert district.name == "UBND huyện Ngọc Khê"
    province = session.get(Unit, district.parent_id)
    assert province is not None and (province.code, province.level) == ("000.00.00.H49", UnitLevel.PROVINCE)
    communes = units_below(session, district.id)
    assert [c.code for c in communes] == [f"000.{n:02d}.12.H49" for n in range(1, 11)]
    assert communes[0].name == "UBND thị trấn Ngọc Khê"
    assert communes[1].name == "UBND xã Tân Lập"
    assert communes[1].email == "ubnd.xa-tan-lap@ngockhe.sonha.gov.vn"
    assert communes[8].email == "ubnd.xa-ban-giang@ngockhe.sonha.gov.vn"
    assert all(c.level == UnitLevel.COMMUNE for c in communes)

    sites = session.exec(select(Site)).all()
    assert len(sites) == 11  # the district's room and one per commune
    assert "Phòng họp trực tuyến UBND xã Tân Lập" in {s.name for s in sites}

    people = {p.username: p for p in session.exec(select(Person)).all()}
    assert len(people) == 23
    assert people["admin"].role_set() == {Role.ADMINISTRATOR}
    assert people["chutich"].role_set() == {Role.CHAIR}
    assert people["chutich"].position == "Chủ tịch UBND huyện"
    assert people["chanhvanphong"].role_set() == {Role.SECRETARY}
    assert people["canbo.tanlap"].role_set() == {Role.SITE_OFFICIAL}
    assert people["cntt.tanlap"].role_set() == {Role.SITE_OPERATOR}
    assert people["canbo.tanlap"].unit_id == communes[1].id

    assert len(logins) == 23
    assert logins[0].username == "admin" and logins[0].password == "admin-demo"
    assert {(x.username, x.password) for x in logins} >= {
        ("chutich", "chutich-demo"),
        ("cntt.bangiang", "cntt.bangiang-demo"),
    }
    for login in logins:
        assert authenticate(session, login.username, login.password, hasher=FAST) is not None

    # the public holidays of 2026 and 2027
    days = {h.day: h.name for h in session.exec(select(Holiday)).all()}
    assert len(days) == 22
    assert "Tết Nguyên đán (mùng 1 Tết Bính Ngọ)" == days[date(2026, 2, 17)]
    assert date(2027, 4, 16) in days  # Giỗ Tổ Hùng Vương
    assert date(2026, 4, 27) in days  # the Monday off for 10/3 lunar falling on Sunday 26 April 2026
    assert date(2027, 5, 3) in days  # the Monday off for 1 May 2027, a Saturday
    assert all(d.weekday() < 5 for d in days)  # holidays are kept only where they replace a working day


def test_seed_twice_changes_nothing_and_keeps_edits(session: Session) -> None:
    seed_demo(session, hasher=FAST)
    entries = len(session.exec(select(AuditEntry)).all())
    chair = session.exec(select(Person).where(Person.username == "chutich")).one()
    update_person(
        session,
        None,
        chair.id,
        PersonDraft("chutich", "Hoàng Văn Minh", chair.unit_id, "Phó Chủ tịch UBND huyện", roles=["chair"]),
    )
    seed_demo(session, hasher=FAST)
    assert len(session.exec(select(AuditEntry)).all()) == entries + 1  # only the edit
    assert len(session.exec(select(Unit)).all()) == 12
    assert len(session.exec(select(Person)).all()) == 23
    session.refresh(chair)
    assert chair.position == "Phó Chủ tịch UBND huyện"
