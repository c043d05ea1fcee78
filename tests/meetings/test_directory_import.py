"""The directory import: JSON and CSV, line numbers of bad rows, all or nothing, idempotency."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import Session, select

from meetings.accounts import authenticate, set_password
from meetings.directory_import import DirectoryImportError, import_directory
from meetings.errors import ValidationError
from meetings.people import Person, Role
from meetings.units import Site, Unit, UnitLevel

GOOD_JSON = """{
  "units": [
    {"code": "000.01.12.H49", "name": "UBND xã Tân Lập", "level": "commune", "parent": "000.00.12.H49",
     "email": "ubnd.xa-tan-lap@ngockhe.sonha.gov.vn", "place_name": "Tân Lập"},
    {"code": "000.00.12.H49", "name": "UBND huyện Ngọc Khê", "level": "district",
     "address": "Thị trấn Ngọc Khê, huyện Ngọc Khê"}
  ],
  "sites": [
    {"unit": "000.01.12.H49", "name": "Phòng họp trực tuyến UBND xã Tân Lập", "location": "Nhà làm việc UBND xã"}
  ],
  "people": [
    {"username": "ct.ngockhe", "full_name": "Hoàng Văn Minh", "unit": "000.00.12.H49",
     "position": "Chủ tịch UBND huyện", "email": "hvminh@ngockhe.sonha.gov.vn", "roles": ["chair"]},
    {"username": "cb.tanlap", "full_name": "Lò Thị Hoa", "unit": "000.01.12.H49",
     "roles": "site_official", "password": "tanlap-2026"}
  ]
}
"""

# Saved by Excel as "CSV UTF-8": a byte-order mark, ";" under a Vietnamese locale, CRLF line ends.
GOOD_CSV = (
    "\ufefftype;code;name;level;parent;unit;location;username;full_name;position;email;roles;active\r\n"
    "unit;000.00.12.H49;UBND huyện Ngọc Khê;huyện;;;;;;;;;\r\n"
    "unit;000.01.12.H49;UBND xã Tân Lập;xã;000.00.12.H49;;;;;;;;\r\n"
    "site;;Phòng họp trực tuyến UBND xã Tân Lập;;;000.01.12.H49;\"Nhà làm việc; tầng 2\";;;;;;có\r\n"
    "person;;;;;000.00.12.H49;;ct.ngockhe;Hoàng Văn Minh;Chủ tịch UBND huyện;hvminh@ngockhe.sonha.gov.vn;chair;\r\n"
    "person;;;;;000.01.12.H49;;cb.tanlap;Lò Thị Hoa;;;site_official site_operator;\r\n"
).encode()


def _counts(session: Session) -> tuple[int, int, int]:
    return (
        len(session.exec(select(Unit)).all()),
        len(session.exec(select(Site)).all()),
        len(session.exec(select(Person)).all()),
    )


def test_json_import_creates_then_changes_nothing(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "danhba.json"
    path.write_text(GOOD_JSON, encoding="utf-8")
    report = import_directory(session, path)
    assert (report.units.created, report.sites.created, report.people.created) == (2, 1, 2)
    assert (report.created, report.updated, report.unchanged) == (5, 0, 0)

    commune = session.exec(select(Unit).where(Unit.code == "000.01.12.H49")).one()
    district = session.exec(select(Unit).where(Unit.code == "000.00.12.H49")).one()
    assert commune.parent_id == district.id  # the parent came later in the file
    assert commune.level == UnitLevel.COMMUNE
    assert commune.abbreviation == "UBND"
    hoa = session.exec(select(Person).where(Person.username == "cb.tanlap")).one()
    assert hoa.role_set() == {Role.SITE_OFFICIAL}
    assert authenticate(session, "cb.tanlap", "tanlap-2026") is not None
    minh = session.exec(select(Person).where(Person.username == "ct.ngockhe")).one()
    assert minh.password_hash == ""  # no password given: cannot log in until one is set

    again = import_directory(session, path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    assert _counts(session) == (2, 1, 2)


def test_reimport_keeps_a_password_the_person_changed(session: Session) -> None:
    import_directory(session, GOOD_JSON, "json")
    hoa = session.exec(select(Person).where(Person.username == "cb.tanlap")).one()
    set_password(session, hoa, "mat-khau-moi-cua-hoa")
    again = import_directory(session, GOOD_JSON, "json")
    assert again.unchanged == 5
    assert authenticate(session, "cb.tanlap", "mat-khau-moi-cua-hoa") is not None
    assert authenticate(session, "cb.tanlap", "tanlap-2026") is None


def test_csv_import_from_excel(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "danhba.csv"
    path.write_bytes(GOOD_CSV)
    report = import_directory(session, path)
    assert (report.units.created, report.sites.created, report.people.created) == (2, 1, 2)
    site = session.exec(select(Site)).one()
    assert (site.name, site.location, site.active) == (
        "Phòng họp trực tuyến UBND xã Tân Lập",
        "Nhà làm việc; tầng 2",
        True,
    )
    hoa = session.exec(select(Person).where(Person.username == "cb.tanlap")).one()
    assert hoa.roles == "site_official site_operator"
    assert import_directory(session, path).unchanged == 5


def test_json_and_csv_describe_the_same_records(session: Session) -> None:
    import_directory(session, GOOD_CSV, "csv")
    report = import_directory(session, GOOD_JSON, "json")
    # The JSON adds details the CSV left out, so some records change; none is created twice.
    assert report.created == 0
    assert (report.units.updated, report.units.unchanged) == (2, 0)  # address, e-mail, place name added
    assert (report.sites.updated, report.sites.unchanged) == (1, 0)  # another location
    # Hoa had no password yet, so the JSON's initial one is set; Minh is the same in both files.
    assert (report.people.updated, report.people.unchanged) == (1, 1)
    assert _counts(session) == (2, 1, 2)


def test_update_changes_only_what_the_file_gives(session: Session) -> None:
    import_directory(session, GOOD_JSON, "json")
    change = {"people": [{"username": "CT.NgocKhe", "position": "Chủ tịch Ủy ban nhân dân huyện"}]}
    report = import_directory(session, json.dumps(change, ensure_ascii=False), "json")
    assert (report.people.updated, report.people.unchanged) == (1, 0)
    minh = session.exec(select(Person).where(Person.username == "ct.ngockhe")).one()
    assert minh.position == "Chủ tịch Ủy ban nhân dân huyện"
    assert minh.email == "hvminh@ngockhe.sonha.gov.vn"  # kept
    assert minh.role_set() == {Role.CHAIR}  # kept


BAD_CSV = (
    "type,code,name,level,parent,unit,username,full_name,email,roles\n"  # line 1
    "unit,000.00.12.H49,UBND huyện Ngọc Khê,district,,,,,,\n"  # 2: fine
    "unit,000.1.12.H49,UBND xã Sai Mã,commune,000.00.12.H49,,,,,\n"  # 3: bad code
    "site,,Phòng họp,,,000.09.12.H49,,,,\n"  # 4: unknown unit
    "\n"  # 5: blank, ignored
    'person,,,,,000.00.12.H49,ct.ngockhe,"Hoàng Văn Minh\n'  # 6: a quoted field over two lines
    'Chủ tịch",hvminh@ngockhe,chair\n'  # 7: (…) bad e-mail
    "person,,,,,000.00.12.H49,ct.ngockhe,Người khác,,chair\n"  # 8: same username as line 6
    "person,,,,,000.00.12.H49,tk.ngockhe,Vi Thị Lan,,secretary mayor\n"  # 9: unknown role
    "meeting,,,,,,,,,\n"  # 10: unknown type
    "site,000.00.12.H49,Hội trường,,,000.00.12.H49,,,,\n"  # 11: a site row with a unit's code column
)


def test_bad_csv_rows_are_all_reported_and_nothing_is_imported(session: Session) -> None:
    with pytest.raises(DirectoryImportError) as caught:
        import_directory(session, BAD_CSV, "csv")
    lines = [line for line, _ in caught.value.problems]
    assert lines == [3, 4, 6, 8, 9, 10, 11]
    messages = dict(caught.value.problems)
    assert messages[3].startswith("code: Mã định danh «000.1.12.H49» không đúng dạng QCVN 102")
    assert messages[4] == "unit: Không có đơn vị mã «000.09.12.H49» (trong danh bạ hay trong tệp này)."
    assert messages[6].startswith("email: Địa chỉ thư điện tử «hvminh@ngockhe» không hợp lệ")
    assert messages[8] == "Bản ghi này trùng với dòng 6."
    assert "mayor" in messages[9] and messages[9].startswith("roles: ")
    assert messages[10] == "Cột type phải là unit, site hoặc person, không phải «meeting»."
    assert messages[11] == "Dòng loại site không dùng cột: code."
    assert caught.value.message == "Tệp danh bạ có 7 lỗi; chưa nhập gì."
    assert _counts(session) == (0, 0, 0)  # the good district on line 2 was not kept either


def test_bad_json_rows_report_the_line_of_their_object(session: Session) -> None:
    text = """{
  "units": [
    {"code": "000.00.12.H49", "name": "UBND huyện Ngọc Khê", "level": "district"},
    {"code": "000.02.12.H49", "name": "UBND xã Hòa Bình", "level": "commune", "parent": "000.00.12.H49",
     "email": "xa hoa binh@sonha.gov.vn"}
  ],
  "people": [
    {
      "username": "qt", "full_name": "Quản trị", "unit": "000.00.12.H49", "password": "ngan"
    },
    "not an object",
    {"username": "ok.user", "full_name": "Đinh Văn Tú", "unit": "000.00.12.H49", "age": 40}
  ],
  "meetings": []
}
"""
    with pytest.raises(DirectoryImportError) as caught:
        import_directory(session, text, "json")
    assert caught.value.problems == [
        (1, "Mục «meetings» không được biết; chỉ có units, sites, people."),
        (4, caught.value.problems[1][1]),
        (8, "password: Mật khẩu phải có ít nhất 8 ký tự."),
        (11, "Mỗi phần tử của «people» phải là một đối tượng."),
        (12, "Trường không được biết: age."),
    ]
    assert caught.value.problems[1][1].startswith("email: Địa chỉ thư điện tử «xa hoa binh@sonha.gov.vn»")
    assert _counts(session) == (0, 0, 0)


def test_an_existing_directory_is_untouched_by_a_bad_file(session: Session) -> None:
    import_directory(session, GOOD_JSON, "json")
    text = json.dumps(
        {
            "units": [{"code": "000.00.12.H49", "name": "Tên mới"}],
            "people": [{"username": "ct.ngockhe", "roles": "chair king"}],
        }
    )
    with pytest.raises(DirectoryImportError) as caught:
        import_directory(session, text, "json")
    assert [line for line, _ in caught.value.problems] == [1]
    session.expire_all()
    district = session.exec(select(Unit).where(Unit.code == "000.00.12.H49")).one()
    assert district.name == "UBND huyện Ngọc Khê"


@pytest.mark.parametrize(
    ("data", "fmt", "expected"),
    [
        (b'{"units": [}', "json", [(1, "JSON không hợp lệ: Expecting value (cột 12).")]),
        (b"[]", "json", [(1, 'Tệp JSON phải là một đối tượng {"units": [...], "sites": [...], "people": [...]}.')]),
        (b"", "csv", [(1, "Tệp CSV trống.")]),
        (
            b"type,code\nunit,000.00.12.H49\nunit,\xc0\n",
            "csv",
            [
                (
                    3,
                    "Tệp không được mã hóa UTF-8. Trong Excel hãy lưu bằng «CSV UTF-8 (Comma delimited)» "
                    "(file is not UTF-8).",
                )
            ],
        ),
        (b"type,code,nam\n", "csv", [(1, "Dòng tiêu đề phải gồm cột type và các cột: code, name, level, parent, "
                                       "abbreviation, address, email, telephone, place_name, unit, location, active, "
                                       "username, full_name, position, roles, language, password; không biết cột: "
                                       "nam.")]),
    ],
)
def test_unreadable_files(session: Session, data: bytes, fmt: str, expected: list[tuple[int, str]]) -> None:
    with pytest.raises(DirectoryImportError) as caught:
        import_directory(session, data, fmt)
    assert caught.value.problems == expected


def test_format_comes_from_the_extension(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "danhba.xlsx"
    path.write_bytes(b"PK")
    with pytest.raises(ValidationError) as caught:
        import_directory(session, path)
    assert caught.value.field == "format"
    renamed = tmp_path / "danhba.txt"
    renamed.write_text(GOOD_JSON, encoding="utf-8")
    assert import_directory(session, renamed, "json").created == 5


def _doc_example(language: str) -> str:
    doc = (Path(__file__).parents[2] / "docs" / "directory-import.md").read_text(encoding="utf-8")
    return doc.split(f"```{language}\n", 1)[1].split("```", 1)[0]


def test_the_documented_examples_import(session: Session) -> None:
    csv_report = import_directory(session, _doc_example("csv"), "csv")
    assert (csv_report.units.created, csv_report.sites.created, csv_report.people.created) == (2, 1, 2)
    import_directory(
        session, '{"units": [{"code": "000.00.00.H49", "name": "UBND tỉnh Sơn Hà", "level": "province"}]}', "json"
    )
    json_report = import_directory(session, _doc_example("json"), "json")
    assert json_report.created == 0
    assert json_report.units.updated == 1  # the district gets its parent and place name
    district = session.exec(select(Unit).where(Unit.code == "000.00.12.H49")).one()
    assert (district.email, district.place_name) == ("vanphong@ngockhe.sonha.gov.vn", "Ngọc Khê")
