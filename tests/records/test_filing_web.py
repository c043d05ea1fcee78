"""Filing wired into the application: the outbox worker started with the app files into the drop folder,
reads status packages from its inbox, and a document system on HTTP pushes statuses to the API."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from meetings.records.edxml import Organ
from meetings.records.edxml_status import build_status
from meetings.records.filing import FilingStatusRecord, enqueue_filing, meeting_filing
from tests.api.conftest import ApiWorld, build_api_world
from tests.records.edxml_samples import minutes_package
from web.app import create_app
from web.filing_delivery import package_store
from web.settings import Settings

AN_PHU = Organ(organ_id="000.01.12.H49", name="UBND xã An Phú")


@pytest.fixture
def app(tmp_path: Path, database_url: str) -> Iterator[Starlette]:
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        environment="test",
        outbox_poll_seconds=0.05,
        filing_status_poll_seconds=0.1,
        filing_status_codes="arrived=1,rejected=2,registered=3,assigned=4,in_progress=5,done=6",
    )
    application = create_app(settings)
    yield application
    application.state.ctx.engine.dispose()


def _wait(check: object, what: str) -> None:
    deadline = time.monotonic() + 30
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _status(code: str) -> bytes:
    return build_status(
        document_id="000.00.12.H49,2026/03/05,05/BB-UBND", code=code, promulgation_date=date(2026, 3, 5),
        responder_id="000.01.12.H49", responder_name="UBND xã An Phú", at=datetime(2026, 3, 5, 7, tzinfo=UTC),
    )  # fmt: skip


def test_filed_through_the_apps_worker_and_statuses_come_back(app: Starlette, tmp_path: Path) -> None:
    with TestClient(app, base_url="http://127.0.0.1") as client:
        world: ApiWorld = build_api_world(app, client)
        meeting = world.make_meeting(publish=True)
        package = minutes_package()
        package = replace(package, recipients=[AN_PHU])
        settings = app.state.ctx.settings
        with app.state.ctx.session() as session:
            enqueue_filing(session, meeting=meeting, package=package, store=package_store(settings), purpose="minutes")
            session.commit()
        out = settings.data_dir / "filing" / "out"
        _wait(lambda: out.is_dir() and any(out.iterdir()), "the package in the drop folder")
        (name,) = [p.name for p in out.iterdir()]
        assert name.endswith(".edxml") and "__000.01.12.H49__" in name

        # The document system drops an "arrived" status into the inbox ...
        inbox = settings.data_dir / "filing" / "in"
        inbox.mkdir(parents=True, exist_ok=True)
        (inbox / "status-1.xml").write_bytes(_status("1"))
        _wait(lambda: (inbox / "processed" / "status-1.xml").exists(), "the status read from the inbox")

        # ... or pushes one over HTTP.
        pushed = client.post("/api/filing/status", content=_status("3"), headers=world.headers("administrator.own"))
        assert pushed.status_code == 200, pushed.text
        assert pushed.json() == {
            "id": pushed.json()["id"],
            "state": "registered",
            "label": "Đã vào sổ",
            "matched": True,
        }
        again = client.post("/api/filing/status", content=_status("3"), headers=world.headers("administrator.own"))
        assert again.json()["id"] == pushed.json()["id"]

        garbage = client.post("/api/filing/status", content=b"<html>oops", headers=world.headers("administrator.own"))
        assert garbage.status_code == 422
        assert "không phải XML hợp lệ" in garbage.json()["error"]
        refused = client.post("/api/filing/status", content=_status("2"), headers=world.headers("chair.own"))
        assert refused.status_code == 403
        anonymous = client.post("/api/filing/status", content=_status("2"))
        assert anonymous.status_code == 401

        with app.state.ctx.session() as session:
            (filed,) = meeting_filing(session, meeting.id or 0)
            assert filed.delivered and [s.state for s in filed.statuses] == ["arrived", "registered"]
            assert len(session.exec(select(FilingStatusRecord)).all()) == 2


def test_a_misspelt_status_setting_stops_the_start_with_the_states_known() -> None:
    with pytest.raises(ValueError, match=r"unknown filing state 'arived'.*known: arrived, rejected"):
        Settings(filing_status_codes="arived=01")
