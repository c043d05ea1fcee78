"""The meeting page and documents added after the invitation: listed as not yet sent, one button to send
them, then when each went out; a briefing's 3-working-day deadline, and documents sent after it; a
confidential meeting says its documents are not mailed; a site official may not send."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from meetings import scheduling
from meetings.audit import AuditEntry
from meetings.document_mail import send_documents
from meetings.meeting import Meeting, MeetingKind
from meetings.outbox import OutboxItem
from meetings.scheduling import MeetingDraft
from meetings.workdays import Holiday, add_holiday
from tests.web.conftest import Directory, log_in, token_for

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DOCX = b"PK\x03\x04" + bytes(range(256)) * 4


def far_wednesday() -> date:
    """A Wednesday five weeks or more ahead."""
    d = datetime.now(UTC).astimezone(TZ).date() + timedelta(days=35)
    return d + timedelta(days=(2 - d.weekday()) % 7)


def announce(
    app: Starlette, people: Directory, day: date, *, published_on: date | None = None, confidential: bool = False
) -> Meeting:
    """A briefing on ``day`` at 08:00 inviting the two communes' sites, published by the secretary (today,
    or at 09:00 on ``published_on``)."""
    start = datetime.combine(day, time(8, 0), TZ)
    draft = MeetingDraft(
        title="Giao ban tháng",
        kind=MeetingKind.BRIEFING,
        start_at=start,
        end_at=start + timedelta(hours=3),
        convening_unit_id=people.district.id or 0,
        chair_id=people.chair.id or 0,
        secretary_id=people.secretary.id,
        site_ids=[people.site_a.id or 0, people.site_b.id or 0],
        confidential=confidential,
    )
    with app.state.ctx.session() as session:
        meeting = scheduling.create_meeting(session, people.secretary, draft, tz=TZ)
        assert meeting.id is not None
        now = datetime.now(UTC) if published_on is None else datetime.combine(published_on, time(9, 0), TZ)
        return scheduling.publish_meeting(session, people.secretary, meeting.id, now=now, tz=TZ)


def upload(client: TestClient, meeting_id: int, name: str, data: bytes = DOCX) -> None:
    response = client.post(
        f"/meetings/{meeting_id}/documents",
        data={"csrf_token": token_for(client)},
        files={"documents": (name, data, "application/octet-stream")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def document_item(page: str, name: str) -> str:
    """What the meeting page shows after the document named ``name``, up to the next document."""
    start = page.index(f">{name}</a>")
    rest = page[start + len(name) :]
    ends = [i for i in (rest.find('<a href="/meetings/'), rest.find('<div id="document-mail">')) if i >= 0]
    return rest[: min(ends)]


def waiting_card(client: TestClient) -> str:
    """The dashboard's card of documents waiting to be sent."""
    html = client.get("/dashboard").text
    return html[html.index('id="waiting-documents"') : html.index('id="unfiled"')]


def test_documents_added_later_wait_for_the_button_then_show_when_they_went_out(
    app: Starlette, client: TestClient, people: Directory
) -> None:
    wednesday = far_wednesday()
    # Friday before the meeting is a holiday. Counting back from the Wednesday: Tuesday (1), Monday (2), the
    # weekend and the Friday do not count, Thursday (3); the documents are due the day before, a Wednesday.
    with app.state.ctx.session() as session:
        add_holiday(session, people.admin, wednesday - timedelta(days=5), "Nghỉ lễ")
        assert len(session.exec(select(Holiday)).all()) == 1
    due = wednesday - timedelta(days=7)
    meeting = announce(app, people, wednesday)
    log_in(client, "thuky")
    upload(client, meeting.id or 0, "Báo cáo tháng.docx")
    page = client.get(f"/meetings/{meeting.id}").text
    assert "Chưa gửi cho các điểm cầu" in document_item(page, "Báo cáo tháng.docx")
    assert "Tài liệu bổ sung sau giấy mời chưa gửi cho các điểm cầu: 1." in page
    assert (
        "Họp giao ban: tài liệu phải đến các điểm cầu trước 3 ngày làm việc, "
        f"hạn gửi {due:%d/%m/%Y}." in page
    )
    assert "Đã qua hạn" not in page
    assert f'action="/meetings/{meeting.id}/documents/send"' in page
    # The dashboard lists what the unit still has to send.
    board = waiting_card(client)
    assert f'href="/meetings/{meeting.id}#document-mail">Giao ban tháng</a>' in board
    assert "1 tài liệu chưa gửi" in board and f"hạn gửi {due:%d/%m/%Y}" in board

    # A commune official sees what waits, without the button, and may not send.
    official = TestClient(app, base_url="http://127.0.0.1")
    with official:
        log_in(official, "canbo.a")
        seen = official.get(f"/meetings/{meeting.id}").text
        assert "Chưa gửi cho các điểm cầu" in seen
        assert "/documents/send" not in seen
        refused = official.post(f"/meetings/{meeting.id}/documents/send", data={"csrf_token": token_for(official)})
        assert refused.status_code == 403

    response = client.post(
        f"/meetings/{meeting.id}/documents/send", data={"csrf_token": token_for(client)}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/meetings/{meeting.id}#document-mail"
    page = client.get(f"/meetings/{meeting.id}").text
    today = datetime.now(UTC).astimezone(TZ)
    item = document_item(page, "Báo cáo tháng.docx")
    assert f"Đã gửi {today:%d/%m/%Y} " in item
    assert "gửi muộn" not in item and "Chưa gửi" not in item
    assert "/documents/send" not in page and "chưa gửi cho các điểm cầu:" not in page
    assert "Tài liệu của các cuộc họp đã phát hành giấy mời đều đã gửi." in waiting_card(client)
    with app.state.ctx.session() as session:
        mails = session.exec(select(OutboxItem).where(OutboxItem.purpose == "documents")).all()
        assert sorted(m.recipient_name for m in mails) == ["UBND xã Bum Nưa", "UBND xã Ka Lăng"]
        assert session.exec(select(AuditEntry).where(AuditEntry.action == "send_documents")).one()
    # The meeting's mail log lists the two mails by their purpose.
    mail_log = client.get(f"/meetings/{meeting.id}/mail").text
    assert mail_log.count("Tài liệu họp") >= 2
    # The same button again (a second tab): nothing more goes out.
    again = client.post(
        f"/meetings/{meeting.id}/documents/send", data={"csrf_token": token_for(client)}, follow_redirects=False
    )
    assert again.status_code == 303
    with app.state.ctx.session() as session:
        assert len(session.exec(select(OutboxItem).where(OutboxItem.purpose == "documents")).all()) == 2

    # A plan sent on the Thursday, the day after the deadline, is marked late; the report is not.
    upload(client, meeting.id or 0, "Dự thảo kế hoạch.docx")
    with app.state.ctx.session() as session:
        thursday = datetime.combine(due + timedelta(days=1), time(9, 0), TZ)
        send_documents(session, people.secretary, meeting.id or 0, now=thursday)
    page = client.get(f"/meetings/{meeting.id}").text
    late = document_item(page, "Dự thảo kế hoạch.docx")
    assert f"Đã gửi {due + timedelta(days=1):%d/%m/%Y} 09:00" in late
    assert f"gửi muộn so với quy định (trước 3 ngày làm việc: hạn {due:%d/%m/%Y})" in late
    assert "gửi muộn" not in document_item(page, "Báo cáo tháng.docx")

    client.post("/logout", data={"csrf_token": token_for(client)})
    log_in(client, "quantri")
    assert "Gửi tài liệu cho các điểm cầu" in client.get("/audit").text
    client.post("/language", data={"csrf_token": token_for(client), "lang": "en", "next": "/meetings"})
    english = client.get(f"/meetings/{meeting.id}").text
    assert f"sent later than the rules require (3 working days before: due by {due:%d/%m/%Y})" in english
    assert f"send them by {due:%d/%m/%Y}." in english


def test_a_briefing_whose_deadline_has_passed_says_so(app: Starlette, client: TestClient, people: Directory) -> None:
    today = datetime.now(UTC).astimezone(TZ).date()
    # Tomorrow's briefing, announced two weeks ago: its documents were due before today.
    meeting = announce(app, people, today + timedelta(days=1), published_on=today - timedelta(days=14))
    log_in(client, "thuky")
    upload(client, meeting.id or 0, "Báo cáo.docx")
    page = client.get(f"/meetings/{meeting.id}").text
    assert re.search(r"hạn gửi \d\d/\d\d/\d{4}\. Đã qua hạn\.", page)
    assert "quá hạn gửi" in waiting_card(client)
    assert "Chưa gửi cho các điểm cầu" in document_item(page, "Báo cáo.docx")


def test_a_confidential_meeting_never_mails_its_documents(
    app: Starlette, client: TestClient, people: Directory
) -> None:
    meeting = announce(app, people, far_wednesday(), confidential=True)
    log_in(client, "thuky")
    upload(client, meeting.id or 0, "Báo cáo mật.docx")
    page = client.get(f"/meetings/{meeting.id}").text
    assert "Cuộc họp mật: tài liệu không gửi qua thư điện tử" in page
    assert "/documents/send" not in page
    assert "Chưa gửi cho các điểm cầu" not in page  # nothing waits: it never goes
    refused = client.post(f"/meetings/{meeting.id}/documents/send", data={"csrf_token": token_for(client)})
    assert refused.status_code == 409
    assert 'id="send-documents-error">Cuộc họp mật: tài liệu không gửi qua thư điện tử' in refused.text
    with app.state.ctx.session() as session:
        assert session.exec(select(OutboxItem).where(OutboxItem.purpose == "documents")).all() == []
    assert "Báo cáo mật" not in waiting_card(client) and "Giao ban tháng" not in waiting_card(client)
