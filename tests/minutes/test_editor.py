"""The minutes editor over HTTP: autosave, versions (coalesced per author and minute), a stale save
refused, restore, access, and the frozen minutes after approval."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from meetings.minutes.editing import save_minutes
from meetings.minutes.tables import MinutesRecord, MinutesVersion
from tests.minutes.world import ended_meeting
from tests.web.conftest import Directory, log_in, token_for


def content(items: list[int], first: str, conclusions: str = "") -> dict[str, object]:
    return {"items": {str(items[0]): first}, "conclusions": conclusions, "attendance_note": "", "other": ""}


def save(client: TestClient, meeting_id: int, base: int, body: dict[str, object], token: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    response = client.post(
        f"/meetings/{meeting_id}/minutes/save",
        json={"base_version": base, "content": body},
        headers={"X-CSRF-Token": token},
    )
    return response.status_code, response.json()


def test_the_editor_is_prefilled_saves_versions_refuses_a_stale_save_and_restores(
    app: Starlette, client: TestClient, people: Directory
) -> None:
    ended = ended_meeting(app, people)
    mid, items = ended.meeting_id, ended.items
    log_in(client, "thuky")
    page = client.get(f"/meetings/{mid}/minutes")
    assert page.status_code == 200
    # Pre-filled from the meeting and its log.
    for fact in ("UBND xã Bum Nưa", "Trực tuyến", "UBND xã Ka Lăng", "Vắng", "Đang ứng trực bão",
                 "Chủ tịch UBND xã Bum Nưa", "Thông qua phương án sơ tán: Đồng ý 2, Không đồng ý 0", "Lò Văn Chủ",
                 "Pờ Thị Thư", "Báo cáo tình hình bão", "Phương án sơ tán"):  # fmt: skip
        assert fact in page.text, fact
    assert 'data-version="0"' in page.text
    token = token_for(client, f"/meetings/{mid}/minutes")

    code, answer = save(client, mid, 0, content(items, "Văn phòng báo cáo."), token)
    assert (code, answer["version"], answer["changed"]) == (200, 1, True)
    code, answer = save(client, mid, 1, content(items, "Văn phòng báo cáo diễn biến bão."), token)
    assert (code, answer["version"]) == (200, 2)
    # A save based on version 1 (another tab, another person) is refused, nothing overwritten.
    code, answer = save(client, mid, 1, content(items, "Bản cũ ghi đè"), token)
    assert code == 409
    assert "phiên bản hiện tại 2" in answer["error"] and answer["version"] == 2
    # The same text again (a retried save) is no change.
    code, answer = save(client, mid, 1, content(items, "Văn phòng báo cáo diễn biến bão."), token)
    assert (code, answer["version"], answer["changed"]) == (200, 2, False)
    page = client.get(f"/meetings/{mid}/minutes")
    assert "Văn phòng báo cáo diễn biến bão." in page.text and "Bản cũ ghi đè" not in page.text

    # The chair edits too: a second author makes a second history row; the secretary's two saves within
    # the minute made one.
    client.post("/logout", data={"csrf_token": token})
    log_in(client, "chutich")
    chair_token = token_for(client, f"/meetings/{mid}/minutes")
    code, answer = save(client, mid, 2, content(items, "Văn phòng báo cáo diễn biến bão.", "Sơ tán dân trước 17 giờ."),
                        chair_token)  # fmt: skip
    assert (code, answer["version"]) == (200, 3)
    page = client.get(f"/meetings/{mid}/minutes")
    links = re.findall(rf'href="/meetings/{mid}/minutes/versions/(\d+)">[^<]*?(\d+)<', page.text)
    assert [v for _, v in links] == ["3", "2"]
    secretary_version = links[1][0]
    old = client.get(f"/meetings/{mid}/minutes/versions/{secretary_version}")
    assert old.status_code == 200 and "Văn phòng báo cáo diễn biến bão." in old.text
    assert "Sơ tán dân trước 17 giờ." not in old.text
    restored = client.post(
        f"/meetings/{mid}/minutes/versions/{secretary_version}/restore",
        data={"csrf_token": chair_token, "base_version": "3"},
        follow_redirects=False,
    )
    assert restored.status_code == 303
    page = client.get(f"/meetings/{mid}/minutes")
    assert 'data-version="4"' in page.text and "Sơ tán dân trước 17 giờ." not in page.text


def test_saves_a_minute_apart_make_separate_versions(app: Starlette, people: Directory) -> None:
    ended = ended_meeting(app, people)
    with app.state.ctx.session() as session:
        first = save_minutes(session, people.secretary, ended.meeting_id, content(ended.items, "a"), base_version=0)
        save_minutes(session, people.secretary, ended.meeting_id, content(ended.items, "ab"), base_version=1,
                     now=first.saved_at + timedelta(seconds=30))  # fmt: skip
        save_minutes(session, people.secretary, ended.meeting_id, content(ended.items, "abc"), base_version=2,
                     now=first.saved_at + timedelta(seconds=75))  # fmt: skip
        minutes = session.exec(select(MinutesRecord).where(MinutesRecord.meeting_id == ended.meeting_id)).one()
        rows = session.exec(select(MinutesVersion).where(MinutesVersion.minutes_id == minutes.id)).all()
        assert sorted(r.version for r in rows) == [2, 3]
        assert minutes.version == 3


def test_only_editors_edit_and_others_read_approved_minutes_only(
    app: Starlette, client: TestClient, people: Directory
) -> None:
    ended = ended_meeting(app, people)
    mid = ended.meeting_id
    log_in(client, "canbo.a")  # a commune official: the meeting is theirs to see, the draft is not
    token = token_for(client)
    assert client.get(f"/meetings/{mid}/minutes").status_code == 403
    code, answer = save(client, mid, 0, content(ended.items, "x"), token)
    assert code == 403 and answer["error"]
    client.post("/logout", data={"csrf_token": token})

    log_in(client, "thuky")
    token = token_for(client)
    assert save(client, mid, 0, content(ended.items, "Nội dung", "Kết luận: sơ tán."), token)[0] == 200
    # The secretary cannot approve: the chair does.
    refused = client.post(f"/meetings/{mid}/minutes/approve", data={"csrf_token": token})
    assert refused.status_code == 403
    client.post("/logout", data={"csrf_token": token})
    log_in(client, "canbo.a")
    assert client.get(f"/meetings/{mid}/minutes").status_code == 403
    # No CSRF header: refused before anything is read.
    no_token = client.post(f"/meetings/{mid}/minutes/save", json={"base_version": 1, "content": {}})
    assert no_token.status_code == 403


def test_an_old_version_says_which_parts_had_nothing_written(
    app: Starlette, client: TestClient, people: Directory
) -> None:
    ended = ended_meeting(app, people)
    mid, items = ended.meeting_id, ended.items
    log_in(client, "thuky")
    token = token_for(client, f"/meetings/{mid}/minutes")
    code, _ = save(client, mid, 0, content(items, "Văn phòng báo cáo."), token)
    assert code == 200
    page = client.get(f"/meetings/{mid}/minutes").text
    version = re.findall(rf'href="/meetings/{mid}/minutes/versions/(\d+)"', page)[0]
    old = client.get(f"/meetings/{mid}/minutes/versions/{version}").text
    # The first item has its text; the second and the chair's conclusions were empty, and say so.
    assert '<div class="prewrap">Văn phòng báo cáo.</div>' in old
    assert old.count('<p class="muted">(chưa ghi nội dung)</p>') == len(items) - 1 + 1
    assert '<a href="/meetings">Cuộc họp</a> ›' in old
