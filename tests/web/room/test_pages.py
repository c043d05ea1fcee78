"""The room's pages through the test client: the meeting page's card (who sees which links), the room pages'
refusals, and the device-check report's validation."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from meetings import documents, rooms
from meetings.log import write
from meetings.log.tables import Vote
from meetings.meeting import Meeting, MeetingState
from meetings.rooms import DeviceCheck
from tests.web.conftest import Directory, log_in, token_for
from tests.web.room.conftest import room_world
from web.context import document_store
from web.room import join_link
from web.room.tokens import JoinGrant, read_token


def links_on(html: str) -> list[str]:
    return re.findall(r'class="room-link" readonly value="([^"]+)"', html)


def test_the_meeting_page_offers_the_room_and_the_links_to_those_who_run_it(
    app: Starlette, client: TestClient, people: Directory
) -> None:
    world = room_world(app, people)
    log_in(client, "thuky")
    html = client.get(f"/meetings/{world.meeting_id}").text
    assert 'id="enter-room"' in html
    # Those who run the meeting go straight into the room, where they open it; the sites wait in the lobby.
    assert "Kiểm tra thiết bị, vào phòng và mở cuộc họp" in html
    links = links_on(html)
    assert len(links) == 3
    # Each is the site's signed link, the very one join_link() gives the invitation mail.
    ctx = app.state.ctx
    expected = [join_link(ctx.settings, ctx.secret_key, world.meeting, s) for s in world.sites]
    assert links == expected
    grant = read_token(ctx.secret_key, links[1].rsplit("/", 1)[1], now=datetime.now(UTC))
    assert (grant.kind, grant.meeting_id, grant.site_id) == ("site", world.meeting_id, world.sites[1].id)
    assert grant.expires == world.meeting.end_at + timedelta(minutes=ctx.settings.join_token_minutes)

    client.post("/logout", data={"csrf_token": token_for(client)})
    log_in(client, "canbo.a")
    html = client.get(f"/meetings/{world.meeting_id}").text
    assert "Tham dự với tư cách: Hội trường xã Bum Nưa" in html
    assert "Kiểm tra thiết bị và vào phòng chờ" in html
    assert links_on(html) == []  # a site official, not its IT officer


def test_room_pages_refuse_clearly(app: Starlette, client: TestClient, people: Directory) -> None:
    world = room_world(app, people)
    response = client.get(f"/meetings/{world.meeting_id}/room", follow_redirects=False)
    assert response.status_code == 303  # log in first
    response = client.get("/join/not-a-token")
    assert response.status_code == 403
    assert "Đường dẫn vào phòng họp không hợp lệ" in response.text
    expired = world.token(
        JoinGrant("site", world.meeting_id, world.sites[1].id, None, datetime.now(UTC) - timedelta(seconds=1))
    )
    response = client.get(f"/join/{expired}")
    assert response.status_code == 403 and "đã hết hạn" in response.text
    response = client.get(f"/join/{world.site_token(world.sites[1])}")
    assert response.status_code == 200
    assert 'id="room-config"' in response.text and "Hội trường xã Bum Nưa" in response.text
    # The room's page carries no inline script: its configuration is inert JSON.
    assert re.search(r"<script>(?!\s*</script>)", response.text) is None


def test_the_device_check_report_is_validated(app: Starlette, client: TestClient, people: Directory) -> None:
    world = room_world(app, people)
    csrf = token_for(client, "/login")
    headers = {"X-CSRF-Token": csrf, "Content-Type": "application/json"}
    good = {
        "token": world.site_token(world.sites[1]),
        "camera": "ok",
        "microphone": "refused",
        "speaker": "heard",
        "mic_peak": 37,
        "camera_label": "USB Camera",
        "browser": "Chrome",
    }
    assert client.post("/room/checks", content=json.dumps(good), headers=headers).status_code == 201
    for body, status in (
        ("not json", 422),
        ("[1]", 422),
        (json.dumps({**good, "token": "forged"}), 403),
        (json.dumps({**good, "camera": "splendid"}), 422),
        (json.dumps({**good, "mic_peak": 1000}), 422),
        (json.dumps({**good, "mic_peak": "loud"}), 422),
        (json.dumps({**good, "browser": ["x"]}), 422),
    ):
        response = client.post("/room/checks", content=body, headers=headers)
        assert response.status_code == status, body
        assert response.json()["error"]
    # Without the CSRF header the page's script would be forgeable from another site: refused.
    assert client.post("/room/checks", content=json.dumps(good)).status_code == 403
    with app.state.ctx.session() as session:
        checks = session.exec(select(DeviceCheck)).all()
    assert [(c.site_id, c.meeting_id, c.camera, c.microphone, c.mic_peak) for c in checks] == [
        (world.sites[1].id, world.meeting_id, "ok", "refused", 37)
    ]


def test_the_closed_room_says_so_in_english_too(app: Starlette, client: TestClient, people: Directory) -> None:
    world = room_world(app, people)
    world.open()
    with app.state.ctx.session() as session:
        rooms.close_meeting(session, people.chair, world.meeting_id, now=datetime.now(UTC))
    log_in(client, "chutich")
    response = client.get(f"/meetings/{world.meeting_id}/room")
    assert "Cuộc họp đã kết thúc, phòng họp đã đóng." in response.text
    client.post("/language", data={"csrf_token": token_for(client), "lang": "en", "next": "/meetings"})
    response = client.get(f"/meetings/{world.meeting_id}/room")
    assert "The meeting has ended; its room is closed." in response.text


def test_the_chair_ends_a_live_meeting_from_its_page_and_what_the_log_had_open_ends_with_it(
    app: Starlette, client: TestClient, people: Directory
) -> None:
    # Everyone left the room with a vote still open and nobody ended the meeting: the secretary could not
    # write minutes for a meeting still live.
    world = room_world(app, people)
    with app.state.ctx.session() as session:
        refused = client.post(f"/meetings/{world.meeting_id}/end", data={"csrf_token": "x"})
        assert refused.status_code == 403  # no session, no CSRF token
        log_in(client, "chutich")
        not_live = client.post(f"/meetings/{world.meeting_id}/end", data={"csrf_token": token_for(client)})
        assert not_live.status_code == 409 and "chưa mở" in not_live.text
        world.open()
        vote = write.vote_opened(
            session, world.meeting_id, question="Thông qua kế hoạch?", options=["Tán thành", "Không tán thành"],
            per="site", agenda_item_id=None, opened_by_id=people.chair.id, at=datetime.now(UTC),
        )  # fmt: skip

    client.post("/logout", data={"csrf_token": token_for(client)})
    log_in(client, "canbo.a")
    page = client.get(f"/meetings/{world.meeting_id}").text
    assert 'id="end-meeting"' not in page
    assert client.post(f"/meetings/{world.meeting_id}/end", data={"csrf_token": token_for(client)}).status_code == 403

    client.post("/logout", data={"csrf_token": token_for(client)})
    log_in(client, "chutich")
    page = client.get(f"/meetings/{world.meeting_id}").text
    assert 'id="end-meeting"' in page and "Kết thúc cuộc họp ngay" in page
    ended = client.post(f"/meetings/{world.meeting_id}/end", data={"csrf_token": token_for(client)})
    assert ended.status_code == 200 and "Đã kết thúc" in ended.text  # followed to the meeting page
    with app.state.ctx.session() as session:
        assert session.get(Meeting, world.meeting_id).state == MeetingState.ENDED  # type: ignore[union-attr]
        closed = session.get(Vote, vote.id)
        assert closed is not None and closed.closed_at is not None
    assert 'id="end-meeting"' not in ended.text


def test_the_room_lists_the_documents_and_a_sites_pc_downloads_them_through_its_join_link(
    app: Starlette, client: TestClient, people: Directory
) -> None:
    world = room_world(app, people)
    report = b"%PDF-1.4\n% bao cao tinh hinh mua lu\n" + bytes(range(256)) * 4
    store = document_store(app.state.ctx.settings)
    with app.state.ctx.session() as session:
        added = documents.add_document(
            session, people.secretary, world.meeting_id, "Báo cáo tình hình.pdf", "application/pdf", report, store
        )
    ctx = app.state.ctx
    link = join_link(ctx.settings, ctx.secret_key, world.meeting, world.sites[1])
    room = client.get(link)  # the meeting-room PC: no log-in
    assert room.status_code == 200
    token = link.rsplit("/", 1)[1]
    assert f'href="/join/{token}/documents/{added.id}"' in room.text and "Báo cáo tình hình.pdf" in room.text
    got = client.get(f"/join/{token}/documents/{added.id}")
    assert got.status_code == 200 and got.content == report
    assert got.headers["content-disposition"].startswith("attachment;")

    assert client.get(f"/join/{token}x/documents/{added.id}").status_code == 403  # forged
    assert client.get(f"/join/{token}/documents/{added.id + 1000}").status_code == 404
    # A logged-in person's room links the meeting page's download.
    log_in(client, "chutich")
    assert f'href="/meetings/{world.meeting_id}/documents/{added.id}"' in client.get(
        f"/meetings/{world.meeting_id}/room"
    ).text

    # A confidential meeting's documents go through no link: listed for no site's PC, refused by the link.
    with app.state.ctx.session() as session:
        meeting = session.get(Meeting, world.meeting_id)
        assert meeting is not None
        meeting.confidential = True
        session.add(meeting)
        session.commit()
    assert "Báo cáo tình hình.pdf" not in client.get(link).text
    refused = client.get(f"/join/{token}/documents/{added.id}")
    assert refused.status_code == 403 and "cuộc họp mật" in refused.text
