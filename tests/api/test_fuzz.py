"""A small fuzz driven by the OpenAPI document: every JSON field of every operation gets values of the wrong
type, out of range or absurdly long, one at a time, and the answer must be a 2xx or 4xx with a message —
never a 5xx. Deterministic (no random seed to chase) and run on both databases, since PostgreSQL is the
stricter one about lengths and integer ranges.
"""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.api.conftest import ApiWorld

ODD_VALUES: list[Any] = [None, -1, 2**40, "", "x" * 5000, "🙂\u202e\x00", []]


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _valid_bodies(world: ApiWorld, meeting_id: int) -> dict[tuple[str, str], Any]:
    """A body that is accepted, for each operation with a JSON body (method, path template)."""
    meeting = world.meeting_body()
    unit = {"name": "UBND xã Mới", "code": "000.09.12.H49", "level": "commune", "parent_id": world.unit_id("own")}
    site = {"unit_id": world.unit_id("own"), "name": "Phòng họp dự phòng"}
    person = {"username": "nguoi.moi", "full_name": "Người Mới", "unit_id": world.unit_id("own"), "roles": ["chair"]}
    return {
        ("POST", "/api/v1/units"): unit,
        ("PATCH", "/api/v1/units/{unit_id}"): {"name": "UBND huyện Ngọc Khê"},
        ("POST", "/api/v1/sites"): site,
        ("PATCH", "/api/v1/sites/{site_id}"): {"location": "Tầng 2"},
        ("POST", "/api/v1/people"): person,
        ("PATCH", "/api/v1/people/{person_id}"): {"position": "Chủ tịch"},
        ("POST", "/api/v1/meetings"): meeting,
        ("PATCH", "/api/v1/meetings/{meeting_id}"): {key: meeting[key] for key in ("title", "kind", "site_ids")},
        ("POST", "/api/v1/meetings/{meeting_id}/cancel"): {"reason": "Hoãn"},
        ("PUT", "/api/v1/meetings/{meeting_id}/agenda"): [{"title": "Khai mạc"}],
        ("POST", "/api/v1/meetings/{meeting_id}/agenda"): {"title": "Bế mạc"},
    }


def test_no_input_gives_a_server_error(world: ApiWorld) -> None:
    document = world.client.get("/api/v1/openapi.json").json()
    meeting, to_cancel = world.make_meeting(), world.make_meeting()
    assert meeting.id is not None and to_cancel.id is not None
    ids = {
        "unit_id": world.unit_id("invited"),
        "site_id": world.site_id("invited"),
        "person_id": world.person_id("none.invited"),
        "meeting_id": meeting.id,
    }
    bodies = _valid_bodies(world, meeting.id)
    headers = world.headers("administrator.own")
    # A server error must show up as a status here, not as an exception ending the test at the first one.
    client = TestClient(world.app, base_url="http://127.0.0.1", raise_server_exceptions=False)
    failures: list[str] = []
    tried = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in content:
                continue
            key = (method.upper(), path)
            assert key in bodies, f"no valid body for {key}: add one to _valid_bodies"
            # Cancelling succeeds with an empty reason; it gets its own meeting so the others stay editable.
            url = path.format(**{**ids, "meeting_id": to_cancel.id}) if path.endswith("/cancel") else path.format(**ids)
            valid = bodies[key]
            schema = _resolve(document, content["application/json"]["schema"])
            if schema.get("type") == "array":
                item = _resolve(document, schema["items"])
                variants = [[{**valid[0], name: odd}] for name in item["properties"] for odd in ODD_VALUES]
            else:
                variants = [{**valid, name: odd} for name in schema["properties"] for odd in ODD_VALUES]
            variants += [None, [], "chuỗi", 0, {"": None}]
            for body in variants:
                response = client.request(method.upper(), url, json=body, headers=headers)
                tried += 1
                if response.status_code >= 500:
                    failures.append(f"{method.upper()} {url} {body!r:.200}: {response.status_code}")
                elif response.status_code >= 400 and not response.json().get("error"):
                    failures.append(f"{method.upper()} {url} {body!r:.200}: {response.status_code} without a message")
    assert tried > 500
    assert not failures, "\n".join(failures)
