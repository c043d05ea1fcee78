"""A NUL character in any text the domain keeps is refused with a ValidationError naming the field.

PostgreSQL cannot store a NUL at all (the statement fails, which used to surface as a 500), so these tests
run on both databases: on PostgreSQL a missed path fails loudly instead of passing by accident. Nothing of a
refused change may be stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from sqlmodel import Session, func, select

from meetings.accounts import authenticate, create_api_token, set_password
from meetings.directory import (
    PersonDraft,
    SiteDraft,
    UnitDraft,
    create_person,
    create_site,
    create_unit,
    person_by_username,
    site_by_name,
    unit_by_code,
    update_unit,
)
from meetings.directory_import import DirectoryImportError, import_directory
from meetings.errors import ValidationError
from meetings.meeting import Meeting
from meetings.people import ApiToken, Person
from meetings.replies import InvitationReply, record_reply
from meetings.scheduling import AgendaItemDraft, cancel_meeting, create_meeting, publish_meeting
from meetings.units import Site, Unit
from meetings.workdays import Holiday, MakeupDay, add_holiday, add_makeup_day
from tests.meetings.world import HANOI, NOW, World, briefing, build_world


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def _refused(step: Callable[[], Any]) -> tuple[str | None, str]:
    with pytest.raises(ValidationError) as caught:
        step()
    return caught.value.field, caught.value.message


def _count(session: Session, table: Any) -> int:
    return session.exec(select(func.count()).select_from(table)).one()


# ---- directory -----------------------------------------------------------------------------------------

UNIT = UnitDraft(name="UBND xã Tân Lập", code="000.09.12.H49", level="commune", address="Thôn 1")

UNIT_CASES = [
    ("name", "Tên đơn vị chứa ký tự NUL (\\u0000), không lưu được."),
    ("code", "Mã định danh chứa ký tự NUL (\\u0000), không lưu được."),
    ("level", "Cấp đơn vị chứa ký tự NUL (\\u0000), không lưu được."),
    ("abbreviation", "Tên viết tắt chứa ký tự NUL (\\u0000), không lưu được."),
    ("address", "Địa chỉ chứa ký tự NUL (\\u0000), không lưu được."),
    ("email", "Địa chỉ thư điện tử chứa ký tự NUL (\\u0000), không lưu được."),
    ("telephone", "Số điện thoại chứa ký tự NUL (\\u0000), không lưu được."),
    ("place_name", "Địa danh chứa ký tự NUL (\\u0000), không lưu được."),
]


@pytest.mark.parametrize(("field", "message"), UNIT_CASES, ids=[field for field, _ in UNIT_CASES])
def test_unit_field_with_nul(session: Session, world: World, field: str, message: str) -> None:
    values = {"name": "UBND xã\x00 Tân Lập", "code": "000.09.12.H49\x00", "level": "commune\x00",
              "abbreviation": "UB\x00ND", "address": "Thôn\x00 1", "email": "ubnd@tanlap.gov.vn\x00",
              "telephone": "0203\x00", "place_name": "Tân\x00Lập"}  # fmt: skip
    draft = replace(UNIT, parent_id=world.district.id, **{field: values[field]})
    assert _refused(lambda: create_unit(session, None, draft)) == (field, message)
    assert _count(session, Unit) == 7  # the world's units only


def test_unit_update_with_nul_changes_nothing(session: Session, world: World) -> None:
    assert world.commune_a.id is not None
    draft = UnitDraft(name="UBND xã An\x00 Phú", code="000.01.12.H49", level="commune", parent_id=world.district.id)
    field, message = _refused(lambda: update_unit(session, None, world.commune_a.id or 0, draft))
    assert (field, message) == ("name", "Tên đơn vị chứa ký tự NUL (\\u0000), không lưu được.")
    session.expire_all()
    assert session.get(Unit, world.commune_a.id).name == "UBND xã An Phú"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "Hội trường\x00", "Tên điểm cầu chứa ký tự NUL (\\u0000), không lưu được."),
        ("location", "Tầng\x00 2", "Vị trí chứa ký tự NUL (\\u0000), không lưu được."),
    ],
    ids=["name", "location"],
)
def test_site_field_with_nul(session: Session, world: World, field: str, value: str, message: str) -> None:
    changes: dict[str, Any] = {field: value}
    draft = replace(SiteDraft(unit_id=world.commune_a.id or 0, name="Hội trường mới"), **changes)
    assert _refused(lambda: create_site(session, None, draft)) == (field, message)
    assert _count(session, Site) == 7


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("username", "cb.moi\x00", "Tên đăng nhập chứa ký tự NUL (\\u0000), không lưu được."),
        ("full_name", "Lò\x00 Thị Hoa", "Họ và tên chứa ký tự NUL (\\u0000), không lưu được."),
        ("position", "Công chức\x00", "Chức vụ chứa ký tự NUL (\\u0000), không lưu được."),
        ("email", "\x00hoa@tanlap.gov.vn", "Địa chỉ thư điện tử chứa ký tự NUL (\\u0000), không lưu được."),
        ("telephone", "09\x00", "Số điện thoại chứa ký tự NUL (\\u0000), không lưu được."),
        ("roles", ["site_official\x00"], "Vai trò chứa ký tự NUL (\\u0000), không lưu được."),
        ("roles", "chair \x00", "Vai trò chứa ký tự NUL (\\u0000), không lưu được."),
        ("language", "vi\x00", "Ngôn ngữ chứa ký tự NUL (\\u0000), không lưu được."),
    ],
    ids=["username", "full_name", "position", "email", "telephone", "roles-list", "roles-text", "language"],
)
def test_person_field_with_nul(session: Session, world: World, field: str, value: Any, message: str) -> None:
    draft = replace(PersonDraft(username="cb.moi", full_name="Lò Thị Hoa", unit_id=world.commune_a.id or 0),
                    **{field: value})  # fmt: skip
    assert _refused(lambda: create_person(session, None, draft)) == (field, message)
    assert _count(session, Person) == 13


def test_lookups_and_log_in_with_nul_find_nobody(session: Session, world: World) -> None:
    set_password(session, world.person("admin"), "mat-khau-dai")
    assert authenticate(session, "admin", "mat-khau-dai") is not None
    assert authenticate(session, "admin\x00", "mat-khau-dai") is None
    assert person_by_username(session, "admin\x00") is None
    assert unit_by_code(session, "000.00.12.H49\x00") is None
    assert site_by_name(session, world.commune_a.id or 0, "Hội trường xã An Phú\x00") is None


def test_api_token_name_with_nul(session: Session, world: World) -> None:
    refused = _refused(lambda: create_api_token(session, world.person("admin"), "tích\x00 hợp"))
    assert refused == ("name", "Tên mã truy cập chứa ký tự NUL (\\u0000), không lưu được.")
    assert _count(session, ApiToken) == 0


# ---- calendar ------------------------------------------------------------------------------------------


def test_holiday_and_makeup_day_names_with_nul(session: Session, world: World) -> None:
    admin = world.person("admin")
    message = "Tên ngày nghỉ/làm bù chứa ký tự NUL (\\u0000), không lưu được."
    assert _refused(lambda: add_holiday(session, admin, date(2026, 9, 2), "Quốc khánh\x00")) == ("name", message)
    assert _refused(lambda: add_makeup_day(session, admin, date(2026, 9, 5), "\x00")) == ("name", message)
    assert (_count(session, Holiday), _count(session, MakeupDay)) == (0, 0)


# ---- meetings ------------------------------------------------------------------------------------------

DRAFT_CASES = [
    ("title", {"title": "Giao ban\x00 tháng 3"}, "Tên cuộc họp chứa ký tự NUL (\\u0000), không lưu được."),
    ("place", {"place": "Phòng họp\x00"}, "Địa điểm chứa ký tự NUL (\\u0000), không lưu được."),
    (
        "urgent_reason",
        {"urgent": True, "urgent_reason": "Bão\x00 số 3"},
        "Lý do họp đột xuất chứa ký tự NUL (\\u0000), không lưu được.",
    ),
    ("description", {"description": "Nội dung\x00"}, "Nội dung cuộc họp chứa ký tự NUL (\\u0000), không lưu được."),
    (
        "preparation",
        {"preparation": "Báo cáo\nsố liệu\x00"},
        "Các đơn vị cần chuẩn bị chứa ký tự NUL (\\u0000), không lưu được.",
    ),
    (
        "agenda",
        {"agenda": [AgendaItemDraft("Khai mạc"), AgendaItemDraft("Báo cáo\x00", "Văn phòng")]},
        "Mục 2 của chương trình: nội dung chứa ký tự NUL (\\u0000), không lưu được.",
    ),
    (
        "agenda",
        {"agenda": [AgendaItemDraft("Khai mạc", "Chủ\x00 tịch")]},
        "Mục 1 của chương trình: người trình bày chứa ký tự NUL (\\u0000), không lưu được.",
    ),
]


@pytest.mark.parametrize(
    ("field", "changes", "message"),
    DRAFT_CASES,
    ids=["title", "place", "urgent_reason", "description", "preparation", "agenda-title", "agenda-presenter"],
)
def test_meeting_field_with_nul(
    session: Session, world: World, field: str, changes: dict[str, Any], message: str
) -> None:
    draft = briefing(world, **changes)
    assert _refused(lambda: create_meeting(session, world.person("secretary_d"), draft, tz=HANOI)) == (field, message)
    assert _count(session, Meeting) == 0


def test_cancel_reason_and_reply_with_nul(session: Session, world: World) -> None:
    secretary = world.person("secretary_d")
    meeting = create_meeting(session, secretary, briefing(world), tz=HANOI)
    assert meeting.id is not None
    publish_meeting(session, secretary, meeting.id, now=NOW, tz=HANOI)
    site = f"site:{world.site('a')}"

    refused = _refused(lambda: cancel_meeting(session, secretary, meeting.id or 0, "Trùng\x00 lịch"))
    assert refused == ("reason", "Lý do huỷ chứa ký tự NUL (\\u0000), không lưu được.")
    refused = _refused(lambda: record_reply(session, meeting.id or 0, site, answer="decline", reason="Ốm\x00"))
    assert refused == ("reason", "Lý do chứa ký tự NUL (\\u0000), không lưu được.")
    refused = _refused(
        lambda: record_reply(session, meeting.id or 0, site, answer="deputy", deputy_name="Lò Văn\x00 Phó")
    )
    assert refused == ("deputy_name", "Họ tên người dự thay chứa ký tự NUL (\\u0000), không lưu được.")

    session.rollback()
    session.expire_all()
    stored = session.get(Meeting, meeting.id)
    assert stored is not None
    assert (stored.state, stored.cancelled_reason) == ("published", "")
    assert _count(session, InvitationReply) == 0


# ---- directory import ----------------------------------------------------------------------------------

JSON_WITH_NUL = """{
  "units": [
    {"code": "000.09.12.H49", "name": "UBND xã Tân Lập", "level": "commune", "parent": "000.00.12.H49"}
  ],
  "people": [
    {"username": "cb.tanlap", "full_name": "Lò Thị\\u0000 Hoa", "unit": "000.09.12.H49"},
    {"username": "cb.tanlap2", "full_name": "Lò Văn Minh", "unit": "000.09.12.H49", "roles": ["chair\\u0000"]},
    {"username": "cb.tanlap3", "full_name": "Lò Văn Nam", "unit": "000.09.12.H49", "position\\u0000": "x"}
  ]
}
"""

CSV_WITH_NUL = (
    "type,code,name,level,parent,unit,location\n"
    "unit,000.09.12.H49,UBND xã Tân Lập,commune,000.00.12.H49,,\n"
    "site,,Hội trường\x00,,,000.09.12.H49,\n"
    "site,,Phòng họp,,,000.09.12.H49,Tầng 2\x00\n"
    "unit\x00,000.10.12.H49,UBND xã Tân Hòa,commune,000.00.12.H49,,\n"
)


def test_import_json_with_nul_reports_the_lines_and_imports_nothing(session: Session, world: World) -> None:
    with pytest.raises(DirectoryImportError) as caught:
        import_directory(session, JSON_WITH_NUL.encode(), "json")
    assert caught.value.problems == [
        (6, "Trường full_name chứa ký tự NUL (\\u0000), không lưu được."),
        (7, "Trường roles chứa ký tự NUL (\\u0000), không lưu được."),
        (8, "Trường không được biết: position\\u0000."),
    ]
    assert (_count(session, Unit), _count(session, Person)) == (7, 13)


def test_import_csv_with_nul_reports_the_lines_and_imports_nothing(session: Session, world: World) -> None:
    with pytest.raises(DirectoryImportError) as caught:
        import_directory(session, CSV_WITH_NUL.encode(), "csv")
    assert caught.value.problems == [
        (3, "Trường name chứa ký tự NUL (\\u0000), không lưu được."),
        (4, "Trường location chứa ký tự NUL (\\u0000), không lưu được."),
        (5, "Cột type phải là unit, site hoặc person, không phải «unit\\u0000»."),
    ]
    assert (_count(session, Unit), _count(session, Site)) == (7, 7)
