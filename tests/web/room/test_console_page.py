"""The room page as served for the chair's console (issue 6), through the test client: the console's markup
and its script texts in the reader's language, the agenda the console moves through (escaped), the server's
clock, and who may answer votes per person."""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.applications import Starlette
from starlette.testclient import TestClient

from meetings.meeting import AgendaItem
from tests.web.conftest import Directory, log_in, token_for
from tests.web.room.conftest import room_world


def config_of(html: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="room-config">(.*?)</script>', html, re.S)
    assert match, "the page has no room config"
    value = json.loads(match.group(1))
    assert isinstance(value, dict)
    return value


def test_the_chairs_room_page_carries_the_console_and_the_agenda_in_english(
    app: Starlette, client: TestClient, people: Directory
) -> None:
    world = room_world(app, people)
    with app.state.ctx.session() as session:
        session.add(
            AgendaItem(
                meeting_id=world.meeting_id,
                position=1,
                title="Báo cáo <b>tình hình</b> bão",
                presenter="Phó Chủ tịch",
                planned_minutes=15,
            )
        )
        session.commit()
    log_in(client, "chutich")
    html = client.get(f"/meetings/{world.meeting_id}/room").text
    assert 'id="console"' in html
    assert "Điều hành cuộc họp" in html
    config = config_of(html)
    assert [(i["title"], i["presenter"], i["planned_minutes"]) for i in config["agenda"]] == [
        ("Báo cáo <b>tình hình</b> bão", "Phó Chủ tịch", 15)
    ]
    assert "<b>" not in html  # the JSON block escapes it; the script puts it in with textContent
    assert config["person"] is True
    assert config["confidential"] is False
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00", config["now"])
    assert config["texts"]["give_floor"] == "Cho phát biểu"

    client.post("/language", data={"csrf_token": token_for(client), "lang": "en", "next": "/meetings"})
    html = client.get(f"/meetings/{world.meeting_id}/room").text
    assert "Chairing the meeting" in html
    assert "Open the vote" in html
    texts = config_of(html)["texts"]
    assert texts["give_floor"] == "Give the floor"
    assert texts["mic_blocked"].startswith("Turning the microphone on here")
    assert texts["rc_counts"] == (
        "%(online)s online · %(in_person)s in person · %(absent)s absent · %(none)s not answered"
    )


def test_a_sites_pc_is_no_voter_per_person(app: Starlette, client: TestClient, people: Directory) -> None:
    world = room_world(app, people)
    html = client.get(f"/join/{world.site_token(world.sites[1])}").text
    config = config_of(html)
    assert config["person"] is False
    assert config["agenda"] == []
    assert 'id="roll-answer"' in html and 'id="vote-answer"' in html
