"""Meetings through the API: the whole life of one, its agenda, and every kind of bad input giving a 4xx
with a message (never a 5xx)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tests.api.conftest import HANOI, ApiWorld


def test_create_read_edit_publish_cancel(world: ApiWorld) -> None:
    client, chair = world.client, world.headers("chair.own")
    created = client.post("/api/v1/meetings", json=world.meeting_body(place="Hội trường UBND huyện"), headers=chair)
    assert created.status_code == 201, created.text
    meeting = created.json()
    assert meeting["state"] == "draft"
    assert meeting["title"] == "Giao ban công tác tháng"
    assert meeting["place"] == "Hội trường UBND huyện"
    assert meeting["site_ids"] == [world.site_id("own"), world.site_id("invited")]
    assert [s["unit_name"] for s in meeting["sites"]] == ["UBND huyện Ngọc Khê", "UBND xã An Phú"]
    assert [a["title"] for a in meeting["agenda"]] == ["Báo cáo tình hình tháng"]
    assert meeting["start_at"].endswith("Z")  # answers are in UTC whatever zone was sent
    url = f"/api/v1/meetings/{meeting['id']}"

    read = client.get(url, headers=chair)
    assert read.status_code == 200
    assert read.json()["uid"] == meeting["uid"]

    edited = client.patch(url, json={"title": "Giao ban tháng 3", "secretary_id": None}, headers=chair)
    assert edited.status_code == 200, edited.text
    assert edited.json()["title"] == "Giao ban tháng 3"
    assert edited.json()["secretary_id"] is None
    assert edited.json()["place"] == "Hội trường UBND huyện"  # not sent, kept

    published = client.post(f"{url}/publish", headers=chair)
    assert published.status_code == 200, published.text
    assert published.json()["state"] == "published"
    assert published.json()["published_at"] is not None

    # Seen by the invited commune's official, in the list and on its own.
    official = world.headers("site_official.invited")
    listed = client.get("/api/v1/meetings", params={"upcoming": "true"}, headers=official)
    assert [m["id"] for m in listed.json()] == [meeting["id"]]
    assert client.get(url, headers=official).status_code == 200

    # A published meeting changed again raises its sequence (calendars replace the invitation).
    moved = client.patch(url, json={"place": "Phòng họp trực tuyến"}, headers=chair)
    assert moved.status_code == 200
    assert moved.json()["sequence"] == 1

    no_reason = client.post(f"{url}/cancel", json={}, headers=chair)
    assert no_reason.status_code == 422
    assert no_reason.json()["field"] == "reason"
    cancelled = client.post(f"{url}/cancel", json={"reason": "Trùng lịch làm việc với tỉnh"}, headers=chair)
    assert cancelled.status_code == 200
    assert cancelled.json()["state"] == "cancelled"
    assert cancelled.json()["cancelled_reason"] == "Trùng lịch làm việc với tỉnh"

    again = client.post(f"{url}/cancel", json={"reason": "lần nữa"}, headers=chair)
    assert again.status_code == 409
    assert "Đã huỷ" in again.json()["error"]
    late_edit = client.patch(url, json={"title": "Sửa sau khi huỷ"}, headers=chair)
    assert late_edit.status_code == 409


def test_list_filters(world: ApiWorld) -> None:
    draft = world.make_meeting(title="Dự thảo")
    published = world.make_meeting(title="Đã phát hành", publish=True)
    chair = world.headers("chair.own")
    everything = world.client.get("/api/v1/meetings", headers=chair).json()
    assert [m["id"] for m in everything] == [draft.id, published.id]
    only_published = world.client.get("/api/v1/meetings", params={"state": "published"}, headers=chair).json()
    assert [m["id"] for m in only_published] == [published.id]
    past = world.client.get("/api/v1/meetings", params={"upcoming": "false"}, headers=chair).json()
    assert past == []
    bad = world.client.get("/api/v1/meetings", params={"upcoming": "sometimes"}, headers=chair)
    assert bad.status_code == 422
    assert bad.json()["field"] == "upcoming"
    unknown = world.client.get("/api/v1/meetings", params={"colour": "red"}, headers=chair)
    assert unknown.status_code == 422
    assert unknown.json()["field"] == "colour"


def test_agenda_sub_resource(world: ApiWorld) -> None:
    meeting = world.make_meeting()
    chair = world.headers("chair.own")
    url = f"/api/v1/meetings/{meeting.id}/agenda"
    assert [a["title"] for a in world.client.get(url, headers=chair).json()] == ["Khai mạc"]

    added = world.client.post(
        url, json={"title": "Thảo luận", "presenter": "Các xã", "planned_minutes": 45}, headers=chair
    )
    assert added.status_code == 201, added.text
    assert added.json()["position"] == 2
    assert added.json()["planned_minutes"] == 45

    items = [{"title": "Báo cáo"}, {"title": "Kết luận", "presenter": "Chủ tịch", "planned_minutes": 15}]
    replaced = world.client.put(url, json=items, headers=chair)
    assert replaced.status_code == 200, replaced.text
    assert [(a["position"], a["title"], a["planned_minutes"]) for a in replaced.json()] == [
        (1, "Báo cáo", 10),
        (2, "Kết luận", 15),
    ]

    bad = world.client.put(url, json=[{"title": "Báo cáo"}, {"presenter": "Ai đó"}], headers=chair)
    assert bad.status_code == 422
    assert bad.json()["field"] == "[1].title"
    assert "title" in bad.json()["error"]
    too_long = world.client.post(url, json={"title": "Họp", "planned_minutes": 100000}, headers=chair)
    assert too_long.status_code == 422
    assert too_long.json()["field"] == "planned_minutes"

    official = world.headers("site_official.own")
    assert world.client.put(url, json=items, headers=official).status_code == 403


# (what to change in a valid body, expected status, expected field): wrong types, missing fields, unknown ids.
BAD_BODIES: list[tuple[str, dict[str, Any], int, str | None]] = [
    ("chair id not a number", {"chair_id": "ông Chủ tịch"}, 422, "chair_id"),
    ("start not a time", {"start_at": "sáng thứ hai"}, 422, "start_at"),
    ("start a number", {"start_at": 12}, 422, "start_at"),
    ("start without a zone", {"start_at": "2027-03-01T08:00:00"}, 422, "start_at"),
    ("unknown kind", {"kind": "liên hoan"}, 422, "kind"),
    ("sites not a list", {"site_ids": "1,2"}, 422, "site_ids"),
    ("a site id not a number", {"site_ids": [1, "hai"]}, 422, "site_ids[1]"),
    ("urgent not a boolean", {"urgent": "có lẽ"}, 422, "urgent"),
    ("agenda item without a title", {"agenda": [{"presenter": "Văn phòng"}]}, 422, "agenda[0].title"),
    ("empty title", {"title": ""}, 422, "title"),
    ("title too long", {"title": "x" * 301}, 422, "title"),
    ("a field that does not exist", {"colour": "đỏ"}, 422, "colour"),
    ("a NUL character", {"agenda": [{"title": "Khai\x00mạc"}]}, 422, "agenda[0].title"),
    ("id beyond any id", {"chair_id": 10**20}, 422, "chair_id"),
    ("unknown chair", {"chair_id": 999_999}, 422, "chair_id"),
    ("unknown secretary", {"secretary_id": 999_999}, 422, "secretary_id"),
    ("unknown convening unit", {"convening_unit_id": 999_999}, 403, "convening_unit_id"),
    ("unknown site", {"site_ids": [999_999]}, 422, "site_ids"),
    ("unknown invitee", {"invitee_ids": [999_999]}, 422, "invitee_ids"),
    ("chair without the chair role", {"chair_id": "site_official.own"}, 422, "chair_id"),
    ("ends before it starts", {"end_at": "2020-01-01T00:00:00+07:00"}, 422, "end_at"),
    ("urgent without a reason", {"urgent": True}, 422, "urgent_reason"),
    ("last-N out of range", {"last_n": 0}, 422, "last_n"),
]


def test_bad_meeting_bodies(world: ApiWorld) -> None:
    """Every row of BAD_BODIES, on one database (setting one up per row would be slow); all rows reported."""
    wrong = []
    for label, change, status, field in BAD_BODIES:
        change = {k: world.person_id(v) if isinstance(v, str) and v.endswith(".own") else v for k, v in change.items()}
        response = world.client.post(
            "/api/v1/meetings", json=world.meeting_body(**change), headers=world.headers("chair.own")
        )
        body = response.json()
        if (response.status_code, body.get("field")) != (status, field):
            wrong.append(f"{label}: expected {status} {field}, got {response.status_code} {body}")
        elif not (isinstance(body.get("error"), str) and len(body["error"]) > 10):
            wrong.append(f"{label}: no readable message: {body}")
    assert not wrong, "\n".join(wrong)


def test_missing_fields_are_each_named(world: ApiWorld) -> None:
    body = world.meeting_body()
    del body["title"], body["chair_id"]
    response = world.client.post("/api/v1/meetings", json=body, headers=world.headers("chair.own"))
    assert response.status_code == 422
    assert response.json()["error"] == "Thiếu trường bắt buộc «title»."
    assert {e["field"] for e in response.json()["errors"]} == {"title", "chair_id"}


NOT_JSON_OBJECTS: list[tuple[bytes, str, int]] = [
    (b"{", "application/json", 422),
    (b"[1, 2]", "application/json", 422),
    (b"", "application/json", 422),
    (b"\xff\xfe\x00", "application/json", 422),
    (b"title=Giao+ban", "application/x-www-form-urlencoded", 415),
    (b"{}", "text/plain", 415),
]


def test_bodies_that_are_not_json_objects(world: ApiWorld) -> None:
    for content, content_type, status in NOT_JSON_OBJECTS:
        headers = {**world.headers("chair.own"), "content-type": content_type}
        response = world.client.post("/api/v1/meetings", content=content, headers=headers)
        assert response.status_code == status, (content, response.text)
        assert response.json()["error"]


def test_oversized_json_body(world: ApiWorld) -> None:
    body = world.meeting_body(description="x" * (2 * 1024 * 1024))
    response = world.client.post("/api/v1/meetings", json=body, headers=world.headers("chair.own"))
    assert response.status_code == 413
    assert "quá lớn" in response.json()["error"]


UNKNOWN: list[tuple[str, str]] = [
    ("GET", "/api/v1/meetings/999999"),
    ("PATCH", "/api/v1/meetings/999999"),
    ("POST", "/api/v1/meetings/999999/publish"),
    ("POST", "/api/v1/meetings/999999/cancel"),
    ("GET", "/api/v1/meetings/999999/agenda"),
    ("GET", "/api/v1/meetings/999999/documents"),
    ("GET", "/api/v1/meetings/0"),
    ("GET", "/api/v1/meetings/99999999999999999999"),
    ("GET", "/api/v1/meetings/abc"),
    ("GET", "/api/v1/units/999999"),
    ("GET", "/api/v1/sites/999999"),
    ("GET", "/api/v1/people/999999"),
    ("PATCH", "/api/v1/units/999999"),
    ("GET", "/api/v1/no-such-thing"),
]


def test_unknown_ids_are_404(world: ApiWorld) -> None:
    for method, path in UNKNOWN:
        json: dict[str, str] | None = None
        if method == "PATCH":
            json = {"name": "x"} if path.startswith("/api/v1/units") else {"title": "x"}
        elif path.endswith("cancel"):
            json = {"reason": "x"}
        response = world.client.request(method, path, json=json, headers=world.headers("administrator.own"))
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["error"]


def test_overlapping_meetings_are_409_naming_the_other(world: ApiWorld) -> None:
    chair = world.headers("chair.own")
    first = world.client.post("/api/v1/meetings", json=world.meeting_body(title="Họp triển khai thuế"), headers=chair)
    assert first.status_code == 201
    first_id, first_start = first.json()["id"], datetime.fromisoformat(first.json()["start_at"])
    overlapping = {
        "title": "Họp về đất đai",
        "start_at": (first_start + timedelta(hours=1)).isoformat(),
        "end_at": (first_start + timedelta(hours=3)).isoformat(),
    }
    # Drafts do not block each other (they are alternatives) but the answer warns.
    second = world.client.post("/api/v1/meetings", json=world.meeting_body(**overlapping), headers=chair)
    assert second.status_code == 201, second.text
    assert any("Họp triển khai thuế" in w for w in second.json()["warnings"])

    assert world.client.post(f"/api/v1/meetings/{first_id}/publish", headers=chair).status_code == 200
    clash = world.client.post(f"/api/v1/meetings/{second.json()['id']}/publish", headers=chair)
    assert clash.status_code == 409, clash.text
    assert "«Họp triển khai thuế»" in clash.json()["error"]
    assert clash.json()["field"] == "chair_id"

    # Now that the first is published, creating another at the same time is refused outright.
    third = world.client.post("/api/v1/meetings", json=world.meeting_body(**overlapping), headers=chair)
    assert third.status_code == 409
    assert "«Họp triển khai thuế»" in third.json()["error"]


def test_notice_too_short_is_409_unless_urgent(world: ApiWorld) -> None:
    chair = world.headers("chair.own")
    start = datetime.now(HANOI).replace(microsecond=0) + timedelta(hours=26)
    soon = {"start_at": start.isoformat(), "end_at": (start + timedelta(hours=1)).isoformat()}
    created = world.client.post("/api/v1/meetings", json=world.meeting_body(**soon), headers=chair)
    assert created.status_code == 201
    refused = world.client.post(f"/api/v1/meetings/{created.json()['id']}/publish", headers=chair)
    assert refused.status_code == 409
    assert "3 ngày làm việc" in refused.json()["error"]
    assert refused.json()["field"] == "start_at"

    urgent = world.client.patch(
        f"/api/v1/meetings/{created.json()['id']}",
        json={"urgent": True, "urgent_reason": "Ứng phó bão số 3"},
        headers=chair,
    )
    assert urgent.status_code == 200, urgent.text
    published = world.client.post(f"/api/v1/meetings/{created.json()['id']}/publish", headers=chair)
    assert published.status_code == 200, published.text


def test_authentication(world: ApiWorld) -> None:
    anonymous = world.client.get("/api/v1/meetings")
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"
    assert anonymous.json()["error"]
    forged = world.client.get("/api/v1/meetings", headers={"Authorization": "Bearer not-a-real-token"})
    assert forged.status_code == 401
    # Who asks is settled before the body is read: a stranger learns nothing from validation.
    anonymous_bad_body = world.client.post(
        "/api/v1/meetings", content=b"{", headers={"content-type": "application/json"}
    )
    assert anonymous_bad_body.status_code == 401
    me = world.client.get("/api/v1/me", headers=world.headers("secretary.invited"))
    assert me.status_code == 200
    assert me.json()["username"] == "secretary.invited"
    assert me.json()["roles"] == ["secretary"]
    assert "password_hash" not in me.json()


def test_wrong_method_is_a_json_405(world: ApiWorld) -> None:
    response = world.client.delete("/api/v1/meetings", headers=world.headers("administrator.own"))
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.json()["error"]


def test_the_api_cannot_approve_minutes_or_set_a_meeting_state(world: ApiWorld) -> None:
    # Minutes are approved only by the chair on the minutes page (meetings.minutes.approval: numbered,
    # signed, filed), and a meeting is filed only when the document system has taken its packages
    # (meetings.records.filing): the API has no way to either, and a state sent with a change is refused.
    client, chair = world.client, world.headers("chair.own")
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert not [p for p in paths if any(word in p for word in ("minutes", "approve", "state", "file", "filing"))]
    # Nor do the pages: the only filing route is where a document system reports a package's status.
    app_paths = [str(getattr(route, "path", "")) for route in world.app.routes]
    assert [p for p in app_paths if "file" in p or "filing" in p] == ["/api/filing/status"]
    under_a_meeting = sorted(p for p in paths if p.startswith("/api/v1/meetings/{meeting_id}/"))
    assert under_a_meeting == [
        "/api/v1/meetings/{meeting_id}/agenda", "/api/v1/meetings/{meeting_id}/cancel",
        "/api/v1/meetings/{meeting_id}/documents", "/api/v1/meetings/{meeting_id}/documents/send",
        "/api/v1/meetings/{meeting_id}/documents/{document_id}",
        "/api/v1/meetings/{meeting_id}/documents/{document_id}/content", "/api/v1/meetings/{meeting_id}/publish",
    ]  # fmt: skip
    created = client.post("/api/v1/meetings", json=world.meeting_body(), headers=chair)
    assert created.status_code == 201, created.text
    url = f"/api/v1/meetings/{created.json()['id']}"
    for state in ("minutes_approved", "filed"):
        refused = client.patch(url, json={"state": state}, headers=chair)
        assert refused.status_code == 422, refused.text
    assert client.get(url, headers=chair).json()["state"] == "draft"
