"""Publishing through the API issues the Giấy mời too; where the clerk gives numbers, ``?number=`` carries
the register's number."""

from __future__ import annotations

from meetings.records.numbering import NumberingMode, set_numbering_mode
from tests.api.conftest import ApiWorld


def test_publish_through_the_api_with_the_clerks_number(world: ApiWorld) -> None:
    client, chair = world.client, world.headers("chair.own")
    with world.app.state.ctx.session() as session:
        unit_id = world.units["own"].id or 0
        set_numbering_mode(session, world.people["administrator.own"], unit_id, NumberingMode.REGISTER)
        session.commit()
    meeting = world.make_meeting()
    url = f"/api/v1/meetings/{meeting.id}/publish"
    missing = client.post(url, headers=chair)
    assert missing.status_code == 422, missing.text
    assert "sổ đăng ký" in missing.text
    published = client.post(url, params={"number": "12"}, headers=chair)
    assert published.status_code == 200, published.text
    assert published.json()["state"] == "published"
    assert [d["filename"] for d in published.json()["documents"]] == ["Giay-moi-12-GM-UBND.pdf"]
    other = world.make_meeting(title="Họp chuyên đề")
    used = client.post(f"/api/v1/meetings/{other.id}/publish", params={"number": "12"}, headers=chair)
    assert used.status_code == 409 and "12/GM-UBND" in used.text


def test_moving_a_published_meeting_through_the_api_issues_a_new_invitation(world: ApiWorld) -> None:
    client, chair = world.client, world.headers("chair.own")
    meeting = world.make_meeting()
    url = f"/api/v1/meetings/{meeting.id}"
    assert client.post(f"{url}/publish", headers=chair).status_code == 200
    renamed = client.patch(url, json={"agenda": [{"title": "Chỉ sửa chương trình"}]}, headers=chair)
    assert renamed.status_code == 200, renamed.text
    assert [d["filename"] for d in renamed.json()["documents"]] == ["Giay-moi-01-GM-UBND.pdf"]
    start, end = world.next_slot()
    moved = client.patch(url, json={"start_at": start.isoformat(), "end_at": end.isoformat()}, headers=chair)
    assert moved.status_code == 200, moved.text
    assert moved.json()["start_at"].startswith(f"{start.date()}T01:00")
    assert [d["filename"] for d in moved.json()["documents"]] == ["Giay-moi-02-GM-UBND.pdf"]
