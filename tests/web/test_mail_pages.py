"""The mail pages through the test client, with the application's own outbox worker delivering into the
maildir: a meeting's mail log with resend, the administrator's outbox with retry, and answering an
invitation through its signed link (the chair then decides on the deputy)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from meetings.meeting import MeetingKind
from meetings.meeting_mail import MAIL
from meetings.outbox import OutboxItem, OutboxStatus, enqueue
from meetings.replies import InvitationReply
from meetings.scheduling import MeetingDraft, create_meeting, publish_meeting
from tests.web.conftest import Directory, csrf_of, log_in, token_for
from web.mail_links import reply_token

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _publish(app: Starlette, people: Directory) -> int:
    start = datetime.now(TZ).replace(hour=8, minute=0, second=0, microsecond=0) + timedelta(days=21)
    with app.state.ctx.session() as session:
        for unit, address in ((people.commune_a, "ubnd.bumnua@muongte.gov.vn"), (people.commune_b, "")):
            unit.email = address
            session.add(unit)
        session.commit()
        draft = MeetingDraft(
            title="Giao ban tháng",
            kind=MeetingKind.BRIEFING,
            start_at=start,
            end_at=start + timedelta(hours=2),
            convening_unit_id=people.district.id or 0,
            chair_id=people.chair.id or 0,
            secretary_id=people.secretary.id,
            site_ids=[people.site_a.id or 0, people.site_b.id or 0],
        )
        meeting = create_meeting(session, people.secretary, draft, tz=TZ)
        publish_meeting(session, people.secretary, meeting.id or 0, now=datetime.now(UTC), tz=TZ)
        return meeting.id or 0


def _items(app: Starlette) -> list[OutboxItem]:
    with app.state.ctx.session() as session:
        return list(session.exec(select(OutboxItem).order_by(OutboxItem.id)).all())  # type: ignore[arg-type]


def _settle(app: Starlette) -> list[OutboxItem]:
    deadline = time.monotonic() + 15
    while any(i.status == OutboxStatus.PENDING for i in _items(app)):
        assert time.monotonic() < deadline, "the outbox did not settle"
        time.sleep(0.05)
    return _items(app)


def test_the_mail_log_shows_every_recipient_and_resends(client: TestClient, app: Starlette, people: Directory) -> None:
    meeting_id = _publish(app, people)
    delivered, missing = _settle(app)
    assert (delivered.destination, delivered.status) == ("ubnd.bumnua@muongte.gov.vn", "delivered")
    assert (missing.destination, missing.status) == ("", "failed")

    log_in(client, "thuky")
    page = client.get(f"/meetings/{meeting_id}/mail")
    assert page.status_code == 200
    assert "UBND xã Bum Nưa" in page.text and "ubnd.bumnua@muongte.gov.vn" in page.text
    assert "Máy chủ thư đã nhận" in page.text
    assert "UBND xã Ka Lăng chưa có địa chỉ thư điện tử trong danh bạ." in page.text
    assert f'href="/meetings/{meeting_id}/mail"' in client.get(f"/meetings/{meeting_id}").text

    # Resending to a unit that still has no address says why, beside the log.
    refused = client.post(f"/meetings/{meeting_id}/mail/{missing.id}/resend", data={"csrf_token": csrf_of(page.text)})
    assert refused.status_code == 409
    assert 'id="resend-error"' in refused.text and "cập nhật danh bạ" in refused.text

    again = client.post(
        f"/meetings/{meeting_id}/mail/{delivered.id}/resend",
        data={"csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert again.status_code == 303
    copies = [i for i in _settle(app) if i.idempotency_key == f"{delivered.idempotency_key}#1"]
    assert [c.status for c in copies] == ["delivered"]
    assert len(list((app.state.ctx.settings.data_dir / "mail" / "new").iterdir())) == 2

    no_token = client.post(f"/meetings/{meeting_id}/mail/{delivered.id}/resend", data={})
    assert no_token.status_code == 403

    log_in(client, "canbo.a")
    assert client.get(f"/meetings/{meeting_id}/mail").status_code == 403


def test_the_outbox_page_shows_dead_letters_to_administrators(
    client: TestClient, app: Starlette, people: Directory
) -> None:
    with app.state.ctx.session() as session:
        dead = enqueue(
            session,
            kind=MAIL,
            destination="vanthu@muongte.gov.vn",
            key="test:dead",
            payload={},
            message_id="<dead@muongte.gov.vn>",
            recipient_name="Văn thư",
            status=OutboxStatus.DEAD,
            last_reply="SMTPConnectError: Error connecting to mail.muongte.gov.vn on port 25",
        )
        session.commit()
    log_in(client, "quantri")
    page = client.get("/admin/outbox")
    assert page.status_code == 200
    assert "Đã ngừng thử" in page.text
    assert "SMTPConnectError: Error connecting to mail.muongte.gov.vn" in page.text
    assert "maildir:" in page.text  # where mail goes
    response = client.post(
        f"/admin/outbox/{dead.id}/retry", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False
    )
    assert response.status_code == 303
    retried = next(i for i in _items(app) if i.id == dead.id)
    assert retried.status in ("pending", "failed")  # the worker picks it up (its empty payload fails to compose)
    assert retried.attempts <= 1

    log_in(client, "thuky")
    assert client.get("/admin/outbox").status_code == 403


def test_answering_the_invitation_and_the_chairs_decision(
    client: TestClient, app: Starlette, people: Directory
) -> None:
    meeting_id = _publish(app, people)
    secret = app.state.ctx.secret_key
    until = datetime.now(UTC) + timedelta(days=30)
    link = f"/reply/{reply_token(secret, meeting_id, f'site:{people.site_a.id}', until)}"

    form = client.get(link)
    assert form.status_code == 200
    assert "UBND xã Bum Nưa" in form.text and "Giao ban tháng" in form.text
    missing_reason = client.post(link, data={"csrf_token": csrf_of(form.text), "answer": "decline"})
    assert missing_reason.status_code == 422
    assert 'id="reason-error"' in missing_reason.text and "Báo vắng cần nêu lý do." in missing_reason.text

    deputy = client.post(
        link,
        data={
            "csrf_token": csrf_of(form.text),
            "answer": "deputy",
            "reason": "Chủ tịch xã đi công tác",
            "deputy_name": "Lò Thị Phó",
            "deputy_position": "Phó Chủ tịch UBND xã",
        },
    )
    assert deputy.status_code == 200
    assert "Đã nhận trả lời" in deputy.text and "Lò Thị Phó" in deputy.text

    forged = client.get(link[:-3] + "abc")
    assert forged.status_code == 404
    expired = reply_token(secret, meeting_id, f"site:{people.site_a.id}", datetime.now(UTC) - timedelta(seconds=1))
    assert "đã hết hạn" in client.get(f"/reply/{expired}").text
    not_invited = reply_token(secret, meeting_id, f"site:{people.district_site.id}", until)
    assert client.get(f"/reply/{not_invited}").status_code == 404

    log_in(client, "thuky")
    listing = client.get(f"/meetings/{meeting_id}/replies")
    assert listing.status_code == 200
    assert "Lò Thị Phó" in listing.text and "Chưa trả lời" in listing.text
    with app.state.ctx.session() as session:
        reply = session.exec(select(InvitationReply)).one()
    refused = client.post(
        f"/meetings/{meeting_id}/replies/{reply.id}/decide",
        data={"csrf_token": token_for(client), "decision": "accept"},
    )
    assert refused.status_code == 403
    assert "Chỉ người chủ trì" in refused.text

    log_in(client, "chutich")
    decided = client.post(
        f"/meetings/{meeting_id}/replies/{reply.id}/decide",
        data={"csrf_token": token_for(client), "decision": "accept", "note": "Đồng ý"},
        follow_redirects=False,
    )
    assert decided.status_code == 303
    assert "Chủ trì đồng ý" in client.get(f"/meetings/{meeting_id}/replies").text


def test_the_mail_pages_in_english(client: TestClient, app: Starlette, people: Directory) -> None:
    meeting_id = _publish(app, people)
    _settle(app)
    log_in(client, "thuky")
    client.post("/language", data={"csrf_token": token_for(client), "lang": "en", "next": "/meetings"})
    page = client.get(f"/meetings/{meeting_id}/mail")
    assert "Mail log" in page.text and "Accepted by the mail server" in page.text and "Invitation" in page.text
