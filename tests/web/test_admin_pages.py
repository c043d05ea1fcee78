"""Directory, holiday and audit pages: administrators only, errors beside the field, changes audited."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from meetings import audit
from tests.web.conftest import Directory, log_in, token_for


@pytest.mark.parametrize("path", ["/directory/units", "/directory/sites", "/directory/people", "/holidays", "/audit"])
def test_only_administrators_open_the_admin_pages(client: TestClient, people: Directory, path: str) -> None:
    log_in(client, "chutich")
    assert client.get(path).status_code == 403
    client.post("/logout", data={"csrf_token": token_for(client)})
    log_in(client, "quantri")
    assert client.get(path).status_code == 200


def test_units_are_listed_as_a_tree_and_created_with_errors_beside_fields(
    client: TestClient, people: Directory
) -> None:
    log_in(client, "quantri")
    page = client.get("/directory/units").text
    assert page.index("UBND huyện Mường Tè") < page.index("UBND xã Bum Nưa")
    assert "000.01.12.H49" in page

    form = {
        "csrf_token": token_for(client),
        "name": "UBND xã Pa Ủ",
        "code": "12.34",
        "level": "commune",
        "parent_id": str(people.district.id),
        "abbreviation": "UBND",
    }
    response = client.post("/directory/units/new", data=form)
    assert response.status_code == 422
    assert re.search(r'id="code-error">Mã định danh «12.34» không đúng dạng QCVN 102:2016', response.text)
    assert 'value="UBND xã Pa Ủ"' in response.text

    form["code"] = "000.01.12.H49"  # taken by Bum Nưa
    response = client.post("/directory/units/new", data=form)
    assert response.status_code == 409
    assert 'id="code-error">Mã định danh 000.01.12.H49 đã được dùng cho «UBND xã Bum Nưa».' in response.text

    form["code"] = "000.03.12.H49"
    response = client.post("/directory/units/new", data=form, follow_redirects=False)
    assert response.status_code == 303
    assert "UBND xã Pa Ủ" in client.get("/directory/units").text


def test_edit_a_site_and_a_person(client: TestClient, people: Directory) -> None:
    log_in(client, "quantri")
    site_form = {
        "csrf_token": token_for(client),
        "unit_id": str(people.commune_a.id),
        "name": "Hội trường mới xã Bum Nưa",
        "location": "Tầng 2",
        "active": "on",
    }
    response = client.post(f"/directory/sites/{people.site_a.id}", data=site_form, follow_redirects=False)
    assert response.status_code == 303
    assert "Hội trường mới xã Bum Nưa" in client.get("/directory/sites").text

    person_form = {
        "csrf_token": token_for(client),
        "username": "canbo.a",
        "full_name": "Lý Văn A",
        "unit_id": str(people.commune_a.id),
        "position": "Phó Chủ tịch UBND xã",
        "email": "không-phải-thư",
        "roles": ["site_official", "site_operator"],
        "language": "vi",
        "active": "on",
        "password": "",
    }
    response = client.post(f"/directory/people/{people.official_a.id}", data=person_form)
    assert response.status_code == 422
    assert 'id="email-error">Địa chỉ thư điện tử «không-phải-thư» không hợp lệ' in response.text

    person_form["email"] = "canbo.a@bumnua.gov.vn"
    person_form["password"] = "ngắn"
    response = client.post(f"/directory/people/{people.official_a.id}", data=person_form)
    assert response.status_code == 422
    assert 'id="password-error">Mật khẩu phải có ít nhất 8 ký tự.' in response.text

    person_form["password"] = "mat-khau-moi-2"
    response = client.post(f"/directory/people/{people.official_a.id}", data=person_form, follow_redirects=False)
    assert response.status_code == 303
    listing = client.get(f"/directory/people?unit={people.commune_a.id}").text
    assert "Phó Chủ tịch UBND xã" in listing
    assert "Cán bộ kỹ thuật điểm cầu" in listing
    client.post("/logout", data={"csrf_token": token_for(client)})
    log_in(client, "canbo.a", "mat-khau-moi-2")


def test_the_last_administrator_keeps_the_role(client: TestClient, people: Directory) -> None:
    log_in(client, "quantri")
    form = {
        "csrf_token": token_for(client),
        "username": "quantri",
        "full_name": "Nguyễn Quản Trị",
        "unit_id": str(people.district.id),
        "roles": ["chair"],
        "language": "vi",
        "active": "on",
    }
    response = client.post(f"/directory/people/{people.admin.id}", data=form)
    assert response.status_code == 409
    assert 'id="roles-error">Không thể bỏ quyền của quản trị viên cuối cùng.' in response.text


def test_holidays_and_make_up_days(client: TestClient, people: Directory) -> None:
    log_in(client, "quantri")
    token = token_for(client, "/holidays")
    data = {"csrf_token": token, "day": "2026-09-02", "kind": "holiday", "name": "Quốc khánh"}
    response = client.post("/holidays", data=data, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/holidays?year=2026"
    page = client.get("/holidays?year=2026").text
    assert "Quốc khánh" in page
    assert "Thứ Tư, 02/09/2026" in page

    data = {"csrf_token": token, "day": "2026-09-03", "kind": "makeup", "name": "Làm bù"}
    response = client.post("/holidays", data=data)
    assert response.status_code == 422
    assert 'id="day-error">Ngày 03/09/2026 là ngày thường; ngày làm bù phải là thứ Bảy hoặc Chủ nhật.' in response.text

    response = client.post("/holidays", data={"csrf_token": token, "day": "", "kind": "holiday"})
    assert response.status_code == 422
    assert 'id="day-error">Hãy chọn một ngày.' in response.text

    data = {"csrf_token": token, "day": "2026-09-02", "kind": "holiday"}
    assert client.post("/holidays/remove", data=data, follow_redirects=False).status_code == 303
    assert "Quốc khánh" not in client.get("/holidays?year=2026").text


def test_audit_log_shows_who_did_what(client: TestClient, people: Directory) -> None:
    log_in(client, "quantri")
    token = token_for(client, "/holidays")
    client.post("/holidays", data={"csrf_token": token, "day": "2026-04-30", "kind": "holiday", "name": "30/4"})
    page = client.get("/audit").text
    row = re.search(r"<tr>\s*<td class=\"nowrap\">[^<]+</td>\s*<td[^>]*>Nguyễn Quản Trị</td>.*?</tr>", page, re.S)
    assert row, page
    assert "Tạo" in row.group(0)
    assert "Ngày nghỉ lễ" in row.group(0)
    assert "30/04/2026" in row.group(0)  # the day as people write it, not the log's ISO 8601
    filtered = client.get("/audit?type=unit").text
    assert "Ngày nghỉ lễ #" not in filtered
    assert "/directory/units/" in filtered


def test_audit_log_names_every_action_and_shows_times_in_local_time(
    client: TestClient, app: Starlette, people: Directory
) -> None:
    with app.state.ctx.session() as session:
        audit.record(session, people.secretary.id, "number_invitation", "meeting", 7, number="04/GM-UBND")
        audit.record(session, people.chair.id, "room_auto_open", "meeting", 7, value=True)
        at = datetime(2026, 11, 25, 16, 36, 58, 779138, tzinfo=UTC)
        audit.record(session, None, "import", "directory", None, at=at)
        moved = ["2026-12-07T01:00:00+00:00", "2026-12-07T02:30:00+00:00"]
        audit.record(session, people.secretary.id, "update", "meeting", 7, changes={"start_at": moved})
        session.commit()
    log_in(client, "quantri")
    page = client.get("/audit").text
    for code in ("number_invitation", "room_auto_open", ">import<", ">directory"):
        assert code not in page
    assert "Cấp số giấy mời" in page
    assert "Đặt chế độ tự mở cuộc họp" in page
    assert "Nhập danh bạ" in page
    # Hà Nội time (UTC+7), written dd/mm/yyyy HH:mm; yes and no in words.
    assert "25/11/2026 23:36" in page
    assert "2026-11-25 16:36" not in page
    assert "07/12/2026 08:00 → 07/12/2026 09:30" in page
    assert "<span class=\"muted\">value:</span> có" in page
    client.post("/language", data={"csrf_token": token_for(client), "lang": "en", "next": "/audit"})
    english = client.get("/audit").text
    assert "Number the invitation" in english
    assert "Import the directory" in english
    assert "<span class=\"muted\">value:</span> yes" in english
