"""Whatever a browser (or someone typing URLs) sends, a page answers 4xx with a message, never a 500."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from tests.web.conftest import Directory, log_in, token_for
from web.app import create_app
from web.settings import Settings

NASTY = ["", " ", "abc", "-1", "0", "²", "١٢", "99999999999999999999999", "1e5", "<script>", "\x00", "🙂" * 50]

GET_PATHS = [
    "/calendar?month={}",
    "/meetings?show={}",
    "/meetings/new?unit={}",
    "/audit?page={}",
    "/audit?type={}",
    "/holidays?year={}",
    "/directory/people?unit={}",
    "/directory/sites/new?unit={}",
]
ID_PATHS = [
    "/meetings/{}",
    "/meetings/{}/edit",
    "/meetings/{}/agenda",
    "/meetings/1/documents/{}",
    "/directory/units/{}",
    "/directory/sites/{}",
    "/directory/people/{}",
]
FORMS = {
    "/meetings/new": [
        "title",
        "kind",
        "start_at",
        "end_at",
        "chair_id",
        "secretary_id",
        "contact_id",
        "convening_unit_id",
        "site_ids",
        "invitee_ids",
        "agenda_title",
        "agenda_presenter",
        "agenda_minutes",
        "urgent",
        "urgent_reason",
    ],
    "/directory/units/new": ["name", "code", "level", "parent_id", "abbreviation", "email"],
    "/directory/sites/new": ["unit_id", "name", "location", "active"],
    "/directory/people/new": ["username", "full_name", "unit_id", "roles", "language", "email", "password"],
    "/holidays": ["day", "kind", "name", "year"],
    "/holidays/remove": ["day", "kind"],
    "/language": ["lang", "next"],
}


def test_odd_query_strings_and_ids(client: TestClient, people: Directory) -> None:
    log_in(client, "quantri")
    for template in GET_PATHS:
        for value in NASTY:
            response = client.get(template.format(quote(value, safe="")))
            assert response.status_code < 500, (template, value)
    for template in ID_PATHS:
        for value in ["0", "99999999999999999999999", "2147483648", "abc"]:
            response = client.get(template.format(value))
            assert response.status_code in (404, 403), (template, value, response.status_code)


def test_odd_form_values(client: TestClient, people: Directory) -> None:
    log_in(client, "quantri")
    token = token_for(client)
    for path, fields in FORMS.items():
        for value in NASTY:
            data = {"csrf_token": token} | {name: value for name in fields}
            response = client.post(path, data=data)
            assert response.status_code < 500, (path, value, response.text[-500:])
            assert token_for(client) == token  # still logged in, same session
    day = "2026-05-04T08:00"
    for start, end in [("0001-01-01T00:00", day), (day, "9999-12-31T23:59"), ("2026-02-30T08:00", day)]:
        times = {"csrf_token": token, "title": "x", "kind": "briefing", "start_at": start, "end_at": end}
        times["chair_id"] = str(people.chair.id)
        response = client.post("/meetings/new", data=times)
        assert response.status_code == 422, (start, end)


def test_nul_characters_never_reach_the_database(client: TestClient, people: Directory) -> None:
    token = token_for(client, "/login")
    response = client.post("/login", data={"csrf_token": token, "username": "quan\x00tri", "password": "x\x00"})
    assert response.status_code == 400
    log_in(client, "quantri")
    data = {
        "csrf_token": token_for(client),
        "title": "Giao\x00 ban",
        "kind": "briefing",
        "start_at": "2030-03-04T08:00",
        "end_at": "2030-03-04T09:00",
        "convening_unit_id": str(people.district.id),
        "chair_id": str(people.chair.id),
        "agenda_title": "Báo\x00 cáo",
        "place": "\x00",
    }
    response = client.post("/meetings/new", data=data, follow_redirects=False)
    assert response.status_code == 303
    assert "Giao ban" in client.get(response.headers["location"]).text


def test_secure_cookie_and_hsts_when_served_over_https(tmp_path: Path, database_url: str) -> None:
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        environment="test",
        secret_key="s" * 40,
        base_url="https://giaoban.example.gov.vn",
    )
    app = create_app(settings)
    try:
        with TestClient(app, base_url="https://giaoban.example.gov.vn") as client:
            response = client.get("/login")
            assert "secure" in response.headers["set-cookie"].lower()
            assert response.headers["strict-transport-security"] == "max-age=31536000"
    finally:
        app.state.ctx.engine.dispose()


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_every_unsafe_method_on_a_page_needs_the_token(client: TestClient, people: Directory, method: str) -> None:
    log_in(client, "quantri")
    response = client.request(method.upper(), "/holidays", data={"day": "2026-05-04", "kind": "holiday"})
    assert response.status_code == 403
