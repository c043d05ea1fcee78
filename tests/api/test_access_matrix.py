"""The access matrix of the API: every role, placed in the convening unit ("own"), in a unit invited to the
meeting ("invited") or in another unit ("other"), tries every action; the answers are written out by hand.

The meetings are convened by district Ngọc Khê (the "own" unit) and invite commune An Phú ("invited");
commune Bình Minh ("other") is not invited. "none" is an account with no role.

Columns:
- list: is the published meeting in GET /meetings (yes/no)
- view: GET /meetings/{id} of the published meeting
- create: POST /meetings convened by the district
- edit: PATCH /meetings/{id} of a draft
- publish: POST /meetings/{id}/publish of a draft
- cancel: POST /meetings/{id}/cancel of a published meeting
- directory: POST /sites (a new site in the caller's own unit)
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import PLACES, ROLES, ApiWorld

MATRIX = """
role           place    list view create edit publish cancel directory
administrator  own      yes  200  201    200  200     200    201
administrator  invited  yes  200  201    200  200     200    201
administrator  other    yes  200  201    200  200     200    201
chair          own      yes  200  201    200  200     200    403
chair          invited  yes  200  403    403  403     403    403
chair          other    no   403  403    403  403     403    403
secretary      own      yes  200  201    200  200     200    403
secretary      invited  yes  200  403    403  403     403    403
secretary      other    no   403  403    403  403     403    403
site_official  own      yes  200  403    403  403     403    403
site_official  invited  yes  200  403    403  403     403    403
site_official  other    no   403  403    403  403     403    403
site_operator  own      yes  200  403    403  403     403    403
site_operator  invited  yes  200  403    403  403     403    403
site_operator  other    no   403  403    403  403     403    403
none           own      no   403  403    403  403     403    403
none           invited  no   403  403    403  403     403    403
none           other    no   403  403    403  403     403    403
"""


def _table() -> dict[tuple[str, str], dict[str, str]]:
    lines = [line.split() for line in MATRIX.strip().splitlines()]
    header, rows = lines[0], lines[1:]
    table = {(row[0], row[1]): dict(zip(header[2:], row[2:], strict=True)) for row in rows}
    # The table itself must be complete: every role in every place, once.
    assert sorted(table) == sorted((r, p) for r in ROLES for p in PLACES)
    return table


EXPECTED = _table()
CALLERS = sorted(EXPECTED)


def _check(world: ApiWorld, action: str, attempt: Any) -> None:
    """Run ``attempt(who)`` for every caller; report every cell that differs, not only the first."""
    wrong = []
    for role, place in CALLERS:
        who = f"{role}.{place}"
        expected = EXPECTED[(role, place)][action]
        got, body = attempt(who)
        if str(got) != expected:
            wrong.append(f"{who}: expected {expected}, got {got} {body}")
        elif isinstance(got, int) and got >= 400:
            assert isinstance(body, dict) and body.get("error"), f"{who}: a {got} without a message: {body}"
    assert not wrong, f"{action}:\n" + "\n".join(wrong)


def test_list(world: ApiWorld) -> None:
    meeting = world.make_meeting(publish=True)

    def attempt(who: str) -> tuple[str, Any]:
        response = world.client.get("/api/v1/meetings", headers=world.headers(who))
        assert response.status_code == 200, response.text
        listed = meeting.id in [m["id"] for m in response.json()]
        return ("yes" if listed else "no"), None

    _check(world, "list", attempt)


def test_view(world: ApiWorld) -> None:
    meeting = world.make_meeting(publish=True)

    def attempt(who: str) -> tuple[int, Any]:
        response = world.client.get(f"/api/v1/meetings/{meeting.id}", headers=world.headers(who))
        return response.status_code, response.json()

    _check(world, "view", attempt)


def test_create(world: ApiWorld) -> None:
    def attempt(who: str) -> tuple[int, Any]:
        response = world.client.post("/api/v1/meetings", json=world.meeting_body(), headers=world.headers(who))
        return response.status_code, response.json()

    _check(world, "create", attempt)


def test_edit(world: ApiWorld) -> None:
    def attempt(who: str) -> tuple[int, Any]:
        meeting = world.make_meeting()
        body = {"title": f"Giao ban (sửa bởi {who})"}
        response = world.client.patch(f"/api/v1/meetings/{meeting.id}", json=body, headers=world.headers(who))
        if response.status_code == 200:
            assert response.json()["title"] == body["title"]
        return response.status_code, response.json()

    _check(world, "edit", attempt)


def test_publish(world: ApiWorld) -> None:
    def attempt(who: str) -> tuple[int, Any]:
        meeting = world.make_meeting()
        response = world.client.post(f"/api/v1/meetings/{meeting.id}/publish", headers=world.headers(who))
        if response.status_code == 200:
            assert response.json()["state"] == "published"
        return response.status_code, response.json()

    _check(world, "publish", attempt)


def test_cancel(world: ApiWorld) -> None:
    def attempt(who: str) -> tuple[int, Any]:
        meeting = world.make_meeting(publish=True)
        body = {"reason": "Lãnh đạo đi công tác đột xuất"}
        response = world.client.post(f"/api/v1/meetings/{meeting.id}/cancel", json=body, headers=world.headers(who))
        if response.status_code == 200:
            assert response.json()["state"] == "cancelled"
        return response.status_code, response.json()

    _check(world, "cancel", attempt)


def test_directory_writes(world: ApiWorld) -> None:
    def attempt(who: str) -> tuple[int, Any]:
        place = who.split(".")[1]
        body = {"unit_id": world.unit_id(place), "name": f"Phòng họp số 2 ({who})"}
        response = world.client.post("/api/v1/sites", json=body, headers=world.headers(who))
        return response.status_code, response.json()

    _check(world, "directory", attempt)


@pytest.mark.parametrize("path", ["/api/v1/units", "/api/v1/people"])
def test_directory_writes_of_every_kind_are_for_administrators(world: ApiWorld, path: str) -> None:
    """Units and people as well as sites: a chair of the convening unit is refused, the administrator not."""
    bodies = {
        "/api/v1/units": {"name": "UBND xã Cát Tiên", "code": "000.03.12.H49", "level": "commune"},
        "/api/v1/people": {"username": "moi", "full_name": "Người Mới", "unit_id": world.unit_id("own")},
    }
    refused = world.client.post(path, json=bodies[path], headers=world.headers("chair.own"))
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]
    accepted = world.client.post(path, json=bodies[path], headers=world.headers("administrator.other"))
    assert accepted.status_code == 201, accepted.text
