"""The API used from the browser: the session cookie authenticates, and unsafe methods need the session's
CSRF token in the X-CSRF-Token header (a Bearer token needs none: no cookie is involved)."""

from __future__ import annotations

import re

from meetings import accounts
from tests.api.conftest import ApiWorld

PASSWORD = "mat-khau-thu-1"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def _csrf(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "the page carries no CSRF token"
    return match.group(1)


def test_session_cookie_with_csrf_header(world: ApiWorld) -> None:
    client = world.client
    with world.app.state.ctx.session() as session:
        # Only here: argon2 is slow on purpose, the other tests use Bearer tokens.
        accounts.set_password(session, world.people["chair.own"], PASSWORD)
    login = client.post(
        "/login",
        data={"username": "chair.own", "password": PASSWORD, "csrf_token": _csrf(client.get("/login").text)},
        follow_redirects=False,
    )
    assert login.status_code == 303, login.text

    me = client.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["username"] == "chair.own"

    refused = client.post("/api/v1/meetings", json=world.meeting_body())
    assert refused.status_code == 403
    assert refused.json()["error"]
    forged = client.post(
        "/api/v1/meetings", json=world.meeting_body(), headers={"X-CSRF-Token": "đoán-bừa".encode().hex()}
    )
    assert forged.status_code == 403

    token = _csrf(client.get("/meetings").text)
    accepted = client.post("/api/v1/meetings", json=world.meeting_body(), headers={"X-CSRF-Token": token})
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["created_at"]

    # Logged out, the cookie no longer works.
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code in (302, 303)
    assert client.get("/api/v1/me").status_code == 401


def test_bearer_needs_no_csrf_token(world: ApiWorld) -> None:
    response = world.client.post("/api/v1/meetings", json=world.meeting_body(), headers=world.headers("chair.own"))
    assert response.status_code == 201
