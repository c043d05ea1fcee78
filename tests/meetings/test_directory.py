"""Directory changes: validation with field names, uniqueness, hierarchy, audit, access."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from meetings.audit import AuditEntry
from meetings.directory import (
    PersonDraft,
    SiteDraft,
    UnitDraft,
    create_person,
    create_site,
    create_unit,
    list_units,
    unit_tree,
    units_below,
    update_person,
    update_site,
    update_unit,
)
from meetings.errors import Conflict, DomainError, Forbidden, NotFound, RuleViolation, ValidationError
from meetings.people import Person, Role
from meetings.units import Unit, UnitLevel


def _province(session: Session) -> Unit:
    return create_unit(session, None, UnitDraft("UBND tỉnh Sơn Hà", "000.00.00.H49", "province"))


def _district(session: Session, parent: Unit | None = None) -> Unit:
    return create_unit(
        session,
        None,
        UnitDraft("UBND huyện Ngọc Khê", "000.00.12.H49", UnitLevel.DISTRICT, parent.id if parent else None),
    )


def _commune(session: Session, parent: Unit, number: int, name: str) -> Unit:
    return create_unit(session, None, UnitDraft(name, f"000.{number:02d}.12.H49", "commune", parent.id))


def _errors(exc: DomainError) -> tuple[str | None, str]:
    return exc.field, exc.message


def test_create_unit_normalises_and_audits(session: Session) -> None:
    province = _province(session)
    unit = create_unit(
        session,
        None,
        UnitDraft("  UBND huyện Ngọc Khê ", " 000.00.12.H49 ", "huyện", province.id, email="VanThu@NgocKhe.gov.vn"),
    )
    assert unit.name == "UBND huyện Ngọc Khê"
    assert unit.code == "000.00.12.H49"
    assert unit.level == UnitLevel.DISTRICT
    assert unit.email == "VanThu@ngockhe.gov.vn"  # the domain part is lower-cased
    entries = session.exec(select(AuditEntry).where(AuditEntry.object_type == "unit")).all()
    assert [(e.action, e.object_id) for e in entries] == [("create", province.id), ("create", unit.id)]


@pytest.mark.parametrize(
    ("draft", "error", "field"),
    [
        (UnitDraft("", "000.00.12.H49", "district"), ValidationError, "name"),
        (UnitDraft("Huyện", "00.00.12.H49", "district"), ValidationError, "code"),
        (UnitDraft("Huyện", "000.00.12.h49", "district"), ValidationError, "code"),
        (UnitDraft("Huyện", "000.00.12.H49", "county"), ValidationError, "level"),
        (UnitDraft("Huyện", "000.00.12.H49", "district", abbreviation="UB ND"), ValidationError, "abbreviation"),
        (UnitDraft("Huyện", "000.00.12.H49", "district", email="not-an-address"), ValidationError, "email"),
        (UnitDraft("Huyện", "000.00.12.H49", "district", parent_id=999_999), NotFound, "parent_id"),
        (UnitDraft("x" * 201, "000.00.12.H49", "district"), ValidationError, "name"),
    ],
)
def test_unit_validation(session: Session, draft: UnitDraft, error: type[DomainError], field: str) -> None:
    with pytest.raises(error) as caught:
        create_unit(session, None, draft)
    assert caught.value.field == field
    assert caught.value.message
    assert session.exec(select(Unit)).all() == []


def test_unit_code_is_unique(session: Session) -> None:
    _district(session)
    with pytest.raises(Conflict) as caught:
        create_unit(session, None, UnitDraft("Huyện khác", "000.00.12.H49", "district"))
    assert _errors(caught.value) == ("code", "Mã định danh 000.00.12.H49 đã được dùng cho «UBND huyện Ngọc Khê».")


def test_parent_must_be_higher_and_no_cycles(session: Session) -> None:
    province = _province(session)
    district = _district(session, province)
    commune = _commune(session, district, 1, "UBND xã Tân Lập")
    # a district under a commune: wrong level
    with pytest.raises(RuleViolation) as caught:
        create_unit(session, None, UnitDraft("Huyện B", "000.00.13.H49", "district", commune.id))
    assert caught.value.field == "parent_id"
    # the province under its own district: a cycle (and a level error); either way refused
    with pytest.raises(RuleViolation):
        update_unit(session, None, province.id, UnitDraft("UBND tỉnh Sơn Hà", "000.00.00.H49", "province", district.id))
    # a district turned into a commune while it has communes below
    with pytest.raises(RuleViolation) as caught:
        update_unit(
            session, None, district.id, UnitDraft("UBND huyện Ngọc Khê", "000.00.12.H49", "commune", province.id)
        )
    assert caught.value.field == "level"


def test_two_level_structure_province_to_commune(session: Session) -> None:
    province = _province(session)
    ward = create_unit(session, None, UnitDraft("UBND phường Hà Tây", "000.21.00.H49", "phường", province.id))
    assert ward.level == UnitLevel.COMMUNE
    assert [u.id for u in units_below(session, province.id)] == [ward.id]


def test_tree_and_units_below(session: Session) -> None:
    province = _province(session)
    district = _district(session, province)
    second = _commune(session, district, 2, "UBND xã Hòa Bình")
    first = _commune(session, district, 1, "UBND xã Tân Lập")
    assert [u.code for u in units_below(session, province.id)] == ["000.00.12.H49", "000.01.12.H49", "000.02.12.H49"]
    assert [u.id for u in units_below(session, district.id)] == [first.id, second.id]
    assert units_below(session, first.id) == []
    tree = unit_tree(session)
    assert [n.unit.id for n in tree] == [province.id]
    assert [n.unit.id for n in tree[0].children] == [district.id]
    assert [n.unit.id for n in tree[0].children[0].children] == [first.id, second.id]
    assert [u.code for u in list_units(session)] == ["000.00.00.H49", "000.00.12.H49", "000.01.12.H49", "000.02.12.H49"]


def test_update_unit_records_changes_only_when_something_changed(session: Session) -> None:
    district = _district(session)
    draft = UnitDraft("UBND huyện Ngọc Khê", "000.00.12.H49", "district", address="Thị trấn Ngọc Khê")
    update_unit(session, None, district.id, draft)
    update_unit(session, None, district.id, draft)
    updates = session.exec(select(AuditEntry).where(AuditEntry.action == "update")).all()
    assert len(updates) == 1
    assert json.loads(updates[0].detail) == {"changes": {"address": ["", "Thị trấn Ngọc Khê"]}}


def test_sites(session: Session) -> None:
    district = _district(session)
    site = create_site(session, None, SiteDraft(district.id, "Phòng họp trực tuyến UBND huyện", "Tầng 2"))
    assert site.name == "Phòng họp trực tuyến UBND huyện"
    with pytest.raises(Conflict) as caught:
        create_site(session, None, SiteDraft(district.id, " Phòng họp trực tuyến UBND huyện "))
    assert caught.value.field == "name"
    with pytest.raises(ValidationError) as caught_empty:
        create_site(session, None, SiteDraft(district.id, "  "))
    assert caught_empty.value.field == "name"
    with pytest.raises(NotFound) as caught_unit:
        create_site(session, None, SiteDraft(999_999, "Phòng họp"))
    assert caught_unit.value.field == "unit_id"
    updated = update_site(session, None, site.id, SiteDraft(district.id, "Hội trường", active=False))
    assert (updated.name, updated.active) == ("Hội trường", False)


def test_people(session: Session) -> None:
    district = _district(session)
    person = create_person(
        session,
        None,
        PersonDraft(" LeThiB ", "Lê Thị B", district.id, "Chánh Văn phòng", "lethib@ngockhe.gov.vn",
                    roles="secretary chair"),
    )
    assert person.username == "lethib"
    assert person.roles == "chair secretary"  # canonical order
    assert person.role_set() == {Role.CHAIR, Role.SECRETARY}
    assert person.password_hash == ""

    with pytest.raises(Conflict) as dup:
        create_person(session, None, PersonDraft("LETHIB", "Người khác", district.id))
    assert _errors(dup.value) == ("username", "Tên đăng nhập «lethib» đã có người dùng.")
    with pytest.raises(ValidationError) as bad_role:
        create_person(session, None, PersonDraft("tranvanc", "Trần Văn C", district.id, roles=["chair", "mayor"]))
    assert bad_role.value.field == "roles"
    assert "mayor" in bad_role.value.message
    with pytest.raises(ValidationError) as bad_mail:
        create_person(session, None, PersonDraft("tranvanc", "Trần Văn C", district.id, email="c@@ngockhe.gov.vn"))
    assert bad_mail.value.field == "email"
    with pytest.raises(ValidationError) as bad_name:
        create_person(session, None, PersonDraft("trần văn c", "Trần Văn C", district.id))
    assert bad_name.value.field == "username"
    with pytest.raises(NotFound):
        create_person(session, None, PersonDraft("tranvanc", "Trần Văn C", 999_999))
    assert [p.username for p in session.exec(select(Person)).all()] == ["lethib"]


def test_only_administrators_change_the_directory(session: Session) -> None:
    district = _district(session)
    admin = create_person(session, None, PersonDraft("admin", "Quản trị", district.id, roles=["administrator"]))
    official = create_person(session, None, PersonDraft("canbo", "Cán bộ", district.id, roles=["site_official"]))
    create_site(session, admin, SiteDraft(district.id, "Phòng họp"))
    with pytest.raises(Forbidden):
        create_site(session, official, SiteDraft(district.id, "Phòng họp 2"))
    with pytest.raises(Forbidden):
        update_person(session, official, official.id,
                      PersonDraft("canbo", "Cán bộ", district.id, roles=["administrator"]))
    entry = session.exec(select(AuditEntry).where(AuditEntry.object_type == "site")).one()
    assert entry.actor_id == admin.id


def test_last_administrator_keeps_the_role(session: Session) -> None:
    district = _district(session)
    admin = create_person(session, None, PersonDraft("admin", "Quản trị", district.id, roles=["administrator"]))
    with pytest.raises(RuleViolation):
        update_person(session, admin, admin.id, PersonDraft("admin", "Quản trị", district.id, roles=["chair"]))
    with pytest.raises(RuleViolation):
        update_person(session, admin, admin.id,
                      PersonDraft("admin", "Quản trị", district.id, roles=["administrator"], active=False))
    create_person(session, admin, PersonDraft("admin2", "Quản trị 2", district.id, roles=["administrator"]))
    changed = update_person(session, admin, admin.id, PersonDraft("admin", "Quản trị", district.id, roles=["chair"]))
    assert changed.roles == "chair"
