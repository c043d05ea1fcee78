"""The service's self-description: the OpenAPI document, Prometheus metrics and the health check."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from openapi_spec_validator import validate
from prometheus_client.parser import text_string_to_metric_families
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from tests.api.conftest import ApiWorld
from web.api.routing import MethodDispatcher
from web.app import create_app
from web.settings import Settings


def _served_operations(world: ApiWorld) -> set[tuple[str, str]]:
    """(method, path template) of every route the application serves under /api/v1."""
    mounts = [r for r in world.app.routes if isinstance(r, Mount) and r.path == "/api/v1"]
    assert len(mounts) == 1
    served: set[tuple[str, str]] = set()
    for route in mounts[0].routes:
        assert isinstance(route, Route)
        path = "/api/v1" + route.path_format
        if isinstance(route.app, MethodDispatcher):
            served |= {(method, path) for method in route.app.endpoints}
        else:
            served |= {(method, path) for method in route.methods or () if method != "HEAD"}
    return served


def test_openapi_document_is_valid_and_lists_every_route(world: ApiWorld) -> None:
    response = world.client.get("/api/v1/openapi.json")  # no credentials needed
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    document = json.loads(response.text)
    validate(document)
    assert document["openapi"] == "3.1.0"

    documented = {(method.upper(), path) for path, ops in document["paths"].items() for method in ops}
    served = _served_operations(world)
    assert documented == served
    # The resources the issue names are all there.
    for path in (
        "/api/v1/units",
        "/api/v1/people",
        "/api/v1/sites",
        "/api/v1/meetings",
        "/api/v1/meetings/{meeting_id}/publish",
        "/api/v1/meetings/{meeting_id}/cancel",
        "/api/v1/meetings/{meeting_id}/agenda",
        "/api/v1/meetings/{meeting_id}/documents",
        "/api/v1/meetings/{meeting_id}/documents/{document_id}/content",
    ):
        assert path in document["paths"], path

    create = document["paths"]["/api/v1/meetings"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/MeetingCreate"
    }
    assert set(create["responses"]) == {"201", "401", "403", "404", "409", "422"}
    meeting_create = document["components"]["schemas"]["MeetingCreate"]
    assert set(meeting_create["required"]) == {"title", "kind", "start_at", "end_at", "convening_unit_id", "chair_id"}
    upload = document["paths"]["/api/v1/meetings/{meeting_id}/documents"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert {"413", "415"} <= set(upload["responses"])
    ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids)), "operationIds must be unique"


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def test_metrics(world: ApiWorld) -> None:
    meeting = world.make_meeting(publish=True)
    world.make_meeting()
    for _ in range(3):
        assert world.client.get(f"/api/v1/meetings/{meeting.id}", headers=world.headers("chair.own")).status_code == 200
    assert world.client.get("/api/v1/meetings/999999", headers=world.headers("chair.own")).status_code == 404

    response = world.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = _samples(response.text)
    route = "/api/v1/meetings/{meeting_id}"
    ok = frozenset({("method", "GET"), ("route", route), ("status", "200")})
    missing = frozenset({("method", "GET"), ("route", route), ("status", "404")})
    assert samples[("giaoban_http_requests_total", ok)] == 3
    assert samples[("giaoban_http_requests_total", missing)] == 1
    assert (
        samples[("giaoban_http_request_duration_seconds_count", frozenset({("method", "GET"), ("route", route)}))] == 4
    )
    assert samples[("giaoban_meetings", frozenset({("state", "published")}))] == 1
    assert samples[("giaoban_meetings", frozenset({("state", "draft")}))] == 1
    assert samples[("giaoban_meetings", frozenset({("state", "cancelled")}))] == 0
    assert samples[("giaoban_units", frozenset())] == 3
    assert samples[("giaoban_sites", frozenset())] == 3
    assert samples[("giaoban_people", frozenset())] == 18
    # Raw paths never become labels: one series per template, whatever the ids.
    assert not any("999999" in value for (_name, labels) in samples for _key, value in labels)


def test_each_app_has_its_own_registry(tmp_path: Path, world: ApiWorld) -> None:
    """A second application in the same process neither fails to register nor shares counts."""
    other = create_app(Settings(data_dir=tmp_path / "other", environment="test"))
    try:
        with TestClient(other, base_url="http://127.0.0.1") as client:
            assert client.get("/healthz").status_code == 200
            other_samples = _samples(client.get("/metrics").text)
        assert world.client.get("/healthz").status_code == 200
        world.client.get("/healthz")
        mine = _samples(world.client.get("/metrics").text)
        healthz = frozenset({("method", "GET"), ("route", "/healthz"), ("status", "200")})
        assert other_samples[("giaoban_http_requests_total", healthz)] == 1
        assert mine[("giaoban_http_requests_total", healthz)] == 2
    finally:
        other.state.ctx.engine.dispose()


def test_healthz(world: ApiWorld) -> None:
    response = world.client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_without_a_database_is_503(tmp_path: Path) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/giaoban?connect_timeout=2"
    app = create_app(Settings(data_dir=tmp_path, database_url=url, environment="test"), migrate=False)
    try:
        with TestClient(app, base_url="http://127.0.0.1") as client:
            response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json() == {"status": "error", "database": "unreachable"}
    finally:
        app.state.ctx.engine.dispose()
