"""Meeting pages driven through the test client: the form, its errors, the meeting page and its buttons."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from starlette.testclient import TestClient

from tests.web.conftest import Directory, log_in, token_for

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _far_monday() -> date:
    """A Monday five weeks ahead: always far enough for the 3-working-day notice."""
    d = datetime.now(UTC).astimezone(TZ).date() + timedelta(days=35)
    return d - timedelta(days=d.weekday())


def _form(client: TestClient, people: Directory, **overrides: object) -> dict[str, object]:
    day = _far_monday()
    data: dict[str, object] = {
        "csrf_token": token_for(client),
        "convening_unit_id": str(people.district.id),
        "title": "Giao ban tuần",
        "kind": "briefing",
        "start_at": f"{day}T08:00",
        "end_at": f"{day}T10:00",
        "chair_id": str(people.chair.id),
        "secretary_id": str(people.secretary.id),
        "contact_id": "",
        "place": "Hội trường UBND huyện",
        "site_ids": [str(people.district_site.id), str(people.site_a.id)],
        "agenda_title": ["Báo cáo tình hình tuần", "Ý kiến các xã"],
        "agenda_presenter": ["Văn phòng", ""],
        "agenda_minutes": ["20", "40"],
        "description": "",
        "preparation": "",
    }
    data.update(overrides)
    return data


def _create(client: TestClient, people: Directory, **overrides: object) -> int:
    response = client.post("/meetings/new", data=_form(client, people, **overrides), follow_redirects=False)
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/meetings/(\d+)", response.headers["location"])
    assert match
    return int(match.group(1))


def test_chair_schedules_a_meeting_and_finds_it_in_the_list(client: TestClient, people: Directory) -> None:
    log_in(client, "chutich")
    form = client.get("/meetings/new")
    assert form.status_code == 200
    assert "Họp giao ban" in form.text
    assert "Hội trường xã Bum Nưa" in form.text  # sites of the communes below the district
    meeting_id = _create(client, people)
    page = client.get(f"/meetings/{meeting_id}")
    assert page.status_code == 200
    assert "Giao ban tuần" in page.text
    assert "Báo cáo tình hình tuần" in page.text
    assert "tổng 60 phút" in page.text
    assert "08:00" in page.text
    listing = client.get("/meetings")
    assert f'href="/meetings/{meeting_id}"' in listing.text
    assert "Dự thảo" in listing.text


def test_a_title_with_markup_is_shown_as_text(client: TestClient, people: Directory) -> None:
    log_in(client, "chutich")
    title = '<script>alert("x")</script> & <b>họp</b>'
    meeting_id = _create(client, people, title=title)
    for path in ("/meetings", f"/meetings/{meeting_id}", f"/meetings/{meeting_id}/agenda", "/calendar?month="):
        text = client.get(path).text
        assert "<script>alert" not in text
        assert "<b>họp</b>" not in text
    assert (
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;họp&lt;/b&gt;"
        in client.get(f"/meetings/{meeting_id}").text
    )


def test_errors_are_shown_beside_their_fields(client: TestClient, people: Directory) -> None:
    log_in(client, "chutich")
    day = _far_monday()
    response = client.post("/meetings/new", data=_form(client, people, title="", start_at=f"{day}T10:00", end_at="bad"))
    assert response.status_code == 422
    assert re.search(r'id="title-error">Tên cuộc họp không được để trống.<', response.text)
    assert re.search(r'id="end_at-error">Ngày giờ không hợp lệ', response.text)
    # What was typed comes back for correction.
    assert f'value="{day}T10:00"' in response.text
    assert 'value="Báo cáo tình hình tuần"' in response.text

    response = client.post("/meetings/new", data=_form(client, people, end_at=f"{day}T07:00"))
    assert response.status_code == 422
    assert re.search(r'id="end_at-error">Thời gian kết thúc phải sau thời gian bắt đầu.<', response.text)
    assert 'aria-describedby="end_at-error"' in response.text


def test_double_booking_names_the_other_meeting(client: TestClient, people: Directory) -> None:
    log_in(client, "chutich")
    first = _create(client, people, title="Họp bàn kế hoạch phòng chống lụt bão")
    day = _far_monday()
    # Two drafts may overlap (they are alternatives); the page warns.
    second = _create(client, people, title="Họp khác", start_at=f"{day}T09:00", end_at=f"{day}T11:00")
    page = client.get(f"/meetings/{second}").text
    assert "(Dự thảo) Lò Văn Chủ đã chủ trì cuộc họp «Họp bàn kế hoạch phòng chống lụt bão»" in page
    # Once the first is announced, the overlap is refused and the form names it beside the chair.
    client.post(f"/meetings/{first}/publish", data={"csrf_token": token_for(client)})
    response = client.post(
        "/meetings/new", data=_form(client, people, title="Họp khác", start_at=f"{day}T09:00", end_at=f"{day}T11:00")
    )
    assert response.status_code == 409
    expected = 'id="chair_id-error">Lò Văn Chủ đã chủ trì cuộc họp «Họp bàn kế hoạch phòng chống lụt bão»'
    assert expected in response.text


def test_publish_refused_without_notice_then_urgent_goes_through(client: TestClient, people: Directory) -> None:
    log_in(client, "chutich")
    tomorrow = datetime.now(UTC).astimezone(TZ).date() + timedelta(days=1)
    meeting_id = _create(client, people, start_at=f"{tomorrow}T08:00", end_at=f"{tomorrow}T09:00")
    response = client.post(f"/meetings/{meeting_id}/publish", data={"csrf_token": token_for(client)})
    assert response.status_code == 409
    assert 'id="publish-error"' in response.text
    assert "ít nhất 3 ngày làm việc" in response.text
    # A draft has sent no invitation: nothing to reply to yet.
    assert f'href="/meetings/{meeting_id}/replies"' not in response.text

    form = _form(
        client, people, start_at=f"{tomorrow}T08:00", end_at=f"{tomorrow}T09:00", urgent="on", urgent_reason=""
    )
    response = client.post(f"/meetings/{meeting_id}/edit", data=form)
    assert response.status_code == 422
    assert 'id="urgent_reason-error">Họp đột xuất phải ghi rõ lý do.<' in response.text

    form["urgent_reason"] = "Ứng phó bão số 3"
    assert client.post(f"/meetings/{meeting_id}/edit", data=form, follow_redirects=False).status_code == 303
    response = client.post(f"/meetings/{meeting_id}/publish", data={"csrf_token": token_for(client)})
    assert response.status_code == 200
    assert "Đã phát hành giấy mời" in response.text
    assert "Ứng phó bão số 3" in response.text
    assert f'href="/meetings/{meeting_id}/replies"' in response.text


def test_cancel_a_published_meeting_needs_a_reason(client: TestClient, people: Directory) -> None:
    log_in(client, "chutich")
    meeting_id = _create(client, people)
    client.post(f"/meetings/{meeting_id}/publish", data={"csrf_token": token_for(client)})
    response = client.post(f"/meetings/{meeting_id}/cancel", data={"csrf_token": token_for(client), "reason": ""})
    assert response.status_code == 422
    assert 'id="cancel-error">Hãy ghi lý do huỷ' in response.text
    response = client.post(
        f"/meetings/{meeting_id}/cancel", data={"csrf_token": token_for(client), "reason": "Trùng lịch của tỉnh"}
    )
    assert response.status_code == 200
    assert "Cuộc họp đã bị huỷ." in response.text
    assert "Trùng lịch của tỉnh" in response.text


def test_who_sees_and_who_manages(client: TestClient, people: Directory) -> None:
    log_in(client, "chutich")
    meeting_id = _create(client, people, site_ids=[str(people.site_a.id)])
    client.post(f"/meetings/{meeting_id}/publish", data={"csrf_token": token_for(client)})
    client.post("/logout", data={"csrf_token": token_for(client)})

    log_in(client, "canbo.a")  # commune A is invited
    page = client.get(f"/meetings/{meeting_id}")
    assert page.status_code == 200
    assert "Phát hành giấy mời</button>" not in page.text
    assert f'href="/meetings/{meeting_id}/edit"' not in page.text
    assert client.get(f"/meetings/{meeting_id}/edit").status_code == 403
    assert client.get("/meetings/new").status_code == 403
    response = client.post(f"/meetings/{meeting_id}/cancel", data={"csrf_token": token_for(client), "reason": "x"})
    assert response.status_code == 403
    client.post("/logout", data={"csrf_token": token_for(client)})

    log_in(client, "canbo.b")  # commune B is not
    assert client.get(f"/meetings/{meeting_id}").status_code == 403
    assert f'href="/meetings/{meeting_id}"' not in client.get("/meetings").text
    assert client.get("/meetings/999999").status_code == 404


def test_a_posted_convening_unit_the_person_may_not_use_is_refused(client: TestClient, people: Directory) -> None:
    log_in(client, "chutich")
    response = client.post("/meetings/new", data=_form(client, people, convening_unit_id=str(people.commune_b.id)))
    assert response.status_code == 403


def test_documents_upload_download_and_refusal(client: TestClient, people: Directory) -> None:
    log_in(client, "chutich")
    pdf = b"%PDF-1.4\n% giao ban\n"
    form = _form(client, people)
    upload = {"documents": ("Báo cáo tuần.pdf", pdf, "application/pdf")}
    response = client.post("/meetings/new", data=form, files=upload, follow_redirects=False)
    assert response.status_code == 303
    meeting_id = int(response.headers["location"].rsplit("/", 1)[1])
    page = client.get(f"/meetings/{meeting_id}").text
    match = re.search(rf'href="/meetings/{meeting_id}/documents/(\d+)">Báo cáo tuần.pdf<', page)
    assert match
    # A 20-byte file is not shown as empty ("0 KB"): sizes round up.
    assert re.search(r'Báo cáo tuần.pdf</a>\s*<span class="muted small nowrap">1 KB</span>', page)
    download = client.get(f"/meetings/{meeting_id}/documents/{match.group(1)}")
    assert download.status_code == 200
    assert download.content == pdf
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith("attachment;")

    response = client.post(
        f"/meetings/{meeting_id}/documents",
        data={"csrf_token": token_for(client)},
        files={"documents": ("trang.html", b"<html><script>x</script>", "text/html")},
    )
    assert response.status_code == 422
    assert 'id="documents-error">Không nhận tệp «trang.html»' in response.text

    client.post("/logout", data={"csrf_token": token_for(client)})
    log_in(client, "canbo.b")
    assert client.get(f"/meetings/{meeting_id}/documents/{match.group(1)}").status_code == 403


def test_printable_agenda_and_calendar(client: TestClient, people: Directory) -> None:
    log_in(client, "chutich")
    meeting_id = _create(client, people)
    agenda = client.get(f"/meetings/{meeting_id}/agenda")
    assert agenda.status_code == 200
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in agenda.text
    assert "Báo cáo tình hình tuần" in agenda.text
    assert 'href="/static/print.css" media="print"' in agenda.text
    day = _far_monday()
    calendar = client.get(f"/calendar?month={day:%Y-%m}")
    assert calendar.status_code == 200
    assert f'href="/meetings/{meeting_id}"' in calendar.text
    assert client.get("/calendar?month=nonsense").status_code == 200


def test_pages_in_english(client: TestClient, people: Directory) -> None:
    log_in(client, "chutich")
    meeting_id = _create(client, people)
    client.post("/language", data={"csrf_token": token_for(client), "lang": "en", "next": "/meetings"})
    listing = client.get("/meetings").text
    assert '<html lang="en">' in listing
    assert "Periodic briefing" in listing
    assert "Draft" in listing
    assert "Schedule a meeting" in listing
    page = client.get(f"/meetings/{meeting_id}").text
    assert "Publish invitation" in page
    assert "Giao ban tuần" in page  # what people typed stays as typed


def test_the_printed_agenda_and_the_list_show_when_the_meeting_ends(client: TestClient, people: Directory) -> None:
    log_in(client, "chutich")
    day = _far_monday()
    meeting_id = _create(client, people, start_at=f"{day}T08:00", end_at=f"{day}T10:30")
    printed = client.get(f"/meetings/{meeting_id}/agenda").text
    assert f"08:00 – 10:30, Thứ Hai, {day:%d/%m/%Y}" in printed
    # A meeting that runs past midnight says on which day it ends.
    late = _create(client, people, title="Trực ban phòng chống bão", start_at=f"{day}T22:00", end_at=f"{day}T23:59")
    assert "22:00–23:59<" in client.get("/meetings").text
    tuesday = day + timedelta(days=1)
    form = _form(client, people, title="Trực ban phòng chống bão", start_at=f"{day}T22:00", end_at=f"{tuesday}T01:00")
    assert client.post(f"/meetings/{late}/edit", data=form, follow_redirects=False).status_code == 303
    assert f"22:00–01:00 ({tuesday:%d/%m})<" in client.get("/meetings").text
    printed = client.get(f"/meetings/{late}/agenda").text
    assert f"22:00 – 01:00, Thứ Hai, {day:%d/%m/%Y} (đến {tuesday:%d/%m/%Y})" in printed


def test_every_error_of_the_form_is_listed_at_the_top_with_a_link_to_its_field(
    client: TestClient, people: Directory
) -> None:
    log_in(client, "chutich")
    day = _far_monday()
    # An empty title, no chair and an end before the start: all three at once, not the end only once the rest
    # is right.
    response = client.post(
        "/meetings/new",
        data=_form(client, people, title="", chair_id="", start_at=f"{day}T10:00", end_at=f"{day}T09:00", site_ids=[]),
    )
    assert response.status_code == 422
    summary = re.search(r'<div class="alert alert-error error-summary" role="alert" id="error-summary">(.*?)</div>',
                        response.text, re.S)
    assert summary, response.text
    items = re.findall(r"<li>(.*?)</li>", summary.group(1), re.S)
    assert items == [
        '<a href="#title">Tên cuộc họp</a>: Tên cuộc họp không được để trống.',
        '<a href="#end_at">Kết thúc</a>: Thời gian kết thúc phải sau thời gian bắt đầu.',
        '<a href="#chair_id">Chủ trì</a>: Hãy chọn một người.',
    ]
    assert 'id="end_at-error">Thời gian kết thúc phải sau thời gian bắt đầu.<' in response.text
    assert 'id="title"' in response.text and 'id="chair_id"' in response.text


def test_the_replies_page_of_a_meeting_that_invited_no_one_says_so(client: TestClient, people: Directory) -> None:
    log_in(client, "chutich")
    meeting_id = _create(client, people, site_ids=[])
    page = client.get(f"/meetings/{meeting_id}/replies").text
    assert 'id="no-invitees">Cuộc họp chưa mời điểm cầu hay đại biểu nào, nên chưa có ai để trả lời.<' in page


def test_the_calendars_list_of_the_month_marks_drafts_and_cancelled_meetings(
    client: TestClient, people: Directory
) -> None:
    log_in(client, "chutich")
    draft = _create(client, people, title="Họp thử nghiệm phương án")
    day = _far_monday()
    listing = client.get(f"/calendar?month={day:%Y-%m}").text
    month_list = listing[listing.index('class="month-list card"') :]
    link = f'<a href="/meetings/{draft}">08:00 · Họp thử nghiệm phương án</a>'
    assert f'{link} <span class="badge state-draft">Dự thảo</span>' in month_list


def test_an_empty_meeting_list_says_what_to_do(client: TestClient, people: Directory) -> None:
    log_in(client, "thuky")
    empty = client.get("/meetings").text
    assert "Không có cuộc họp nào sắp tới." in empty
    assert re.search(r'id="no-meetings">.*href="/meetings/new">\+ Lên lịch cuộc họp<', empty, re.S)
    client.post("/logout", data={"csrf_token": token_for(client)})
    log_in(client, "canbo.a")
    empty = client.get("/meetings").text
    assert "Khi đơn vị của anh/chị được mời họp, cuộc họp sẽ hiện ở đây" in empty
    assert 'href="/meetings/new"' not in empty
    past = client.get("/meetings?show=past").text
    assert "Chưa có cuộc họp nào đã qua." in past and "Khi đơn vị" not in past


def test_the_calendar_names_its_month_as_each_language_writes_it(client: TestClient, people: Directory) -> None:
    log_in(client, "chutich")
    assert "<h2>Tháng 3 năm 2027</h2>" in client.get("/calendar?month=2027-03").text
    client.post("/language", data={"csrf_token": token_for(client), "lang": "en", "next": "/calendar"})
    assert "<h2>March 2027</h2>" in client.get("/calendar?month=2027-03").text
