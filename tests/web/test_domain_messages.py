"""The domain's refusals in the request's language: a rule's template is translated and then filled with the
meeting's own names, times and dates, on pages and in the API; Vietnamese stays exactly as the domain wrote it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from starlette.testclient import TestClient

from meetings.workdays import format_day
from tests.web.conftest import Directory, log_in, token_for
from tests.web.test_meeting_pages import _create, _far_monday, _form

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
TITLE = "Họp bàn kế hoạch phòng chống lụt bão"


def _english(client: TestClient) -> None:
    client.post("/language", data={"csrf_token": token_for(client), "lang": "en", "next": "/meetings"})


def _tomorrow() -> date:
    return datetime.now(UTC).astimezone(TZ).date() + timedelta(days=1)


def _booked_twice(client: TestClient, people: Directory) -> tuple[int, str]:
    """An announced meeting on a far Monday 08:00–10:00, and the form of another one at 09:00–11:00."""
    first = _create(client, people, title=TITLE)
    client.post(f"/meetings/{first}/publish", data={"csrf_token": token_for(client)})
    return first, format_day(_far_monday())


def test_double_booking_in_english_names_the_other_meeting_and_its_time(client: TestClient, people: Directory) -> None:
    log_in(client, "chutich")
    day = _far_monday()
    _first, shown_day = _booked_twice(client, people)
    _english(client)
    form = _form(client, people, title="Họp khác", start_at=f"{day}T09:00", end_at=f"{day}T11:00")
    response = client.post("/meetings/new", data=form)
    assert response.status_code == 409
    assert '<html lang="en">' in response.text
    expected = (
        f'id="chair_id-error">Lò Văn Chủ is already chairing the meeting «{TITLE}» (08:00–10:00 on {shown_day}), '
        "at the same time as this meeting.<"
    )
    assert expected in response.text


def test_double_booking_stays_vietnamese_in_vietnamese(client: TestClient, people: Directory) -> None:
    log_in(client, "chutich")
    day = _far_monday()
    _first, shown_day = _booked_twice(client, people)
    form = _form(client, people, title="Họp khác", start_at=f"{day}T09:00", end_at=f"{day}T11:00")
    response = client.post("/meetings/new", data=form)
    assert response.status_code == 409
    expected = (
        f'id="chair_id-error">Lò Văn Chủ đã chủ trì cuộc họp «{TITLE}» (08:00–10:00 ngày {shown_day}), '
        "trùng thời gian với cuộc họp này.<"
    )
    assert expected in response.text


def test_a_drafts_overlap_warning_in_english(client: TestClient, people: Directory) -> None:
    log_in(client, "chutich")
    day = _far_monday()
    _create(client, people, title=TITLE)
    second = _create(client, people, title="Họp khác", start_at=f"{day}T09:00", end_at=f"{day}T11:00")
    _english(client)
    page = client.get(f"/meetings/{second}").text
    expected = (
        f"(Draft) Lò Văn Chủ is already chairing the meeting «{TITLE}» (08:00–10:00 on {format_day(day)}), "
        "at the same time as this meeting."
    )
    assert expected in page


def _short_notice(client: TestClient, people: Directory) -> int:
    tomorrow = _tomorrow()
    return _create(client, people, start_at=f"{tomorrow}T08:00", end_at=f"{tomorrow}T09:00")


def _notice_figures(text: str) -> re.Match[str] | None:
    return re.search(
        r"The invitation must reach the invitees at least 3 working days before the meeting day\. "
        r"Published on (\d\d/\d\d/\d{4}), it leaves only (\d) working days before the meeting on "
        r"(\d\d/\d\d/\d{4})\. Move the meeting to (\d\d/\d\d/\d{4}) or later, "
        r"or mark it as urgent and give the reason\.",
        text,
    )


def test_short_notice_in_english_with_its_dates(client: TestClient, people: Directory) -> None:
    log_in(client, "chutich")
    meeting_id = _short_notice(client, people)
    _english(client)
    response = client.post(f"/meetings/{meeting_id}/publish", data={"csrf_token": token_for(client)})
    assert response.status_code == 409
    found = _notice_figures(response.text)
    assert found, response.text
    today = datetime.now(UTC).astimezone(TZ).date()
    assert found.group(1) == format_day(today)
    assert found.group(3) == format_day(_tomorrow())
    assert found.group(2) == "0"
    assert "ngày làm việc" not in response.text


def test_short_notice_stays_vietnamese_in_vietnamese(client: TestClient, people: Directory) -> None:
    log_in(client, "chutich")
    meeting_id = _short_notice(client, people)
    response = client.post(f"/meetings/{meeting_id}/publish", data={"csrf_token": token_for(client)})
    assert response.status_code == 409
    today = datetime.now(UTC).astimezone(TZ).date()
    expected = (
        "Giấy mời phải đến người được mời ít nhất 3 ngày làm việc trước ngày họp. "
        f"Phát hành ngày {format_day(today)} thì đến ngày họp {format_day(_tomorrow())} chỉ còn 0 ngày làm việc."
    )
    assert expected in response.text
    assert "The invitation must" not in response.text


def test_the_api_answers_in_the_sessions_language(client: TestClient, people: Directory) -> None:
    log_in(client, "chutich")
    meeting_id = _short_notice(client, people)
    headers = {"X-CSRF-Token": token_for(client)}
    refused = client.post(f"/api/v1/meetings/{meeting_id}/publish", headers=headers)
    assert refused.status_code == 409
    body = refused.json()
    assert body["field"] == "start_at"
    assert body["error"].startswith("Giấy mời phải đến người được mời ít nhất 3 ngày làm việc trước ngày họp.")
    _english(client)
    refused = client.post(f"/api/v1/meetings/{meeting_id}/publish", headers={"X-CSRF-Token": token_for(client)})
    assert refused.status_code == 409
    body = refused.json()
    assert body["field"] == "start_at"
    assert _notice_figures(body["error"]), body["error"]


def test_refusals_of_access_and_of_the_meetings_state_in_english(client: TestClient, people: Directory) -> None:
    log_in(client, "chutich")
    meeting_id = _create(client, people, site_ids=[str(people.site_a.id)])
    client.post(
        f"/meetings/{meeting_id}/cancel", data={"csrf_token": token_for(client), "reason": "Trùng lịch của tỉnh"}
    )
    _english(client)
    # A cancelled meeting can be neither edited nor published; its state is named in English too.
    response = client.post(f"/meetings/{meeting_id}/edit", data=_form(client, people))
    assert response.status_code == 409
    assert "The meeting «Giao ban tuần» is «Cancelled» and can no longer be changed." in response.text
    client.post("/logout", data={"csrf_token": token_for(client)})

    log_in(client, "canbo.b")  # commune B is not invited
    _english(client)
    page = client.get(f"/meetings/{meeting_id}")
    assert page.status_code == 403
    assert "You are not allowed to see this meeting: your unit is not invited." in page.text
    missing = client.get("/api/v1/meetings/999999")
    assert missing.status_code == 404
    assert missing.json() == {"error": "Meeting not found (id 999999).", "field": None}
    client.post("/logout", data={"csrf_token": token_for(client)})

    log_in(client, "canbo.b")
    client.post("/language", data={"csrf_token": token_for(client), "lang": "vi", "next": "/meetings"})
    page = client.get(f"/meetings/{meeting_id}")
    assert "Anh/chị không có quyền xem cuộc họp này: đơn vị của anh/chị không được mời." in page.text


def test_directory_forms_refused_in_english(client: TestClient, people: Directory) -> None:
    log_in(client, "quantri")
    _english(client)
    form = {
        "csrf_token": token_for(client),
        "name": "UBND xã Pa Ủ",
        "code": "000.01.12.H49",  # taken by Bum Nưa
        "level": "commune",
        "parent_id": str(people.district.id),
        "abbreviation": "UBND",
    }
    response = client.post("/directory/units/new", data=form)
    assert response.status_code == 409
    assert 'id="code-error">The identifier code 000.01.12.H49 is already used by «UBND xã Bum Nưa».<' in response.text

    site = {"csrf_token": token_for(client), "unit_id": str(people.commune_a.id), "name": "", "active": "on"}
    response = client.post("/directory/sites/new", data=site)
    assert response.status_code == 422
    # The field's name comes from the pages' catalog, the sentence around it from the domain's.
    assert "Site name must not be empty." in response.text
    site["name"] = "Hội trường xã Bum Nưa"  # the commune has it already
    response = client.post("/directory/sites/new", data=site)
    assert response.status_code == 409
    assert "«UBND xã Bum Nưa» already has a site named «Hội trường xã Bum Nưa»." in response.text

    admin = {
        "csrf_token": token_for(client),
        "username": "quantri",
        "full_name": "Nguyễn Quản Trị",
        "unit_id": str(people.district.id),
        "roles": ["chair"],
        "language": "vi",
        "active": "on",
    }
    response = client.post(f"/directory/people/{people.admin.id}", data=admin)
    assert response.status_code == 409
    assert 'id="roles-error">The last administrator cannot lose the administrator role.<' in response.text


def test_an_upload_refused_in_english(client: TestClient, people: Directory) -> None:
    log_in(client, "chutich")
    meeting_id = _create(client, people)
    _english(client)
    response = client.post(
        f"/meetings/{meeting_id}/documents",
        data={"csrf_token": token_for(client)},
        files={"documents": ("trang.html", b"<html><script>x</script>", "text/html")},
    )
    assert response.status_code == 422
    assert 'id="documents-error">The file «trang.html» is refused: only these types are accepted: .pdf, .doc' in (
        response.text
    )
    response = client.post(
        f"/meetings/{meeting_id}/documents",
        data={"csrf_token": token_for(client)},
        files={"documents": ("bao-cao.pdf", b"<html>not a PDF</html>", "application/pdf")},
    )
    assert response.status_code == 422
    expected = "The content of the file «bao-cao.pdf» is not PDF, as its extension .pdf says it should be."
    assert expected in response.text


def test_the_holidays_page_refuses_in_english(client: TestClient, people: Directory) -> None:
    log_in(client, "quantri")
    _english(client)
    token = token_for(client, "/holidays")
    data = {"csrf_token": token, "day": "2026-09-03", "kind": "makeup", "name": "Làm bù"}
    response = client.post("/holidays", data=data)
    assert response.status_code == 422
    assert 'id="day-error">03/09/2026 is a weekday; a make-up working day must be a Saturday or a Sunday.<' in (
        response.text
    )


def test_the_room_refuses_in_english(client: TestClient, people: Directory) -> None:
    log_in(client, "chutich")
    meeting_id = _create(client, people, site_ids=[str(people.site_a.id)])
    client.post(f"/meetings/{meeting_id}/publish", data={"csrf_token": token_for(client)})
    client.post("/logout", data={"csrf_token": token_for(client)})
    log_in(client, "canbo.b")  # commune B is not invited
    _english(client)
    response = client.post(f"/meetings/{meeting_id}/end", data={"csrf_token": token_for(client)})
    assert response.status_code == 403
    assert "<p>Only the chair may end the meeting.</p>" in response.text
