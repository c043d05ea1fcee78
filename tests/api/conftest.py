"""A real application on a real database (SQLite and PostgreSQL), driven through the test client with Bearer
tokens made by meetings.accounts, like an integration would.

The directory: district Ngọc Khê (the convening unit of the meetings under test) with communes An Phú
(invited to them) and Bình Minh (not invited). In each unit there is one person per role, and one person
with no role, so every role can be tried from the convening unit, an invited unit and another unit.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from meetings import accounts, directory, scheduling
from meetings.directory import PersonDraft, SiteDraft, UnitDraft
from meetings.meeting import Meeting, MeetingKind
from meetings.people import Person, Role
from meetings.scheduling import AgendaItemDraft, MeetingDraft
from meetings.types import utcnow
from meetings.units import Site, Unit, UnitLevel
from web.app import create_app
from web.settings import Settings

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
# Where a caller sits relative to the meetings under test.
PLACES = ("own", "invited", "other")
# "none" is a person with an account but no role.
ROLES = ("administrator", "chair", "secretary", "site_official", "site_operator", "none")


@dataclass
class ApiWorld:
    app: Starlette
    client: TestClient
    units: dict[str, Unit]
    sites: dict[str, Site]
    people: dict[str, Person]
    tokens: dict[str, str]
    _slot: int = field(default=0)

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def person_id(self, who: str) -> int:
        pid = self.people[who].id
        assert pid is not None
        return pid

    def unit_id(self, place: str) -> int:
        uid = self.units[place].id
        assert uid is not None
        return uid

    def site_id(self, place: str) -> int:
        sid = self.sites[place].id
        assert sid is not None
        return sid

    def next_slot(self) -> tuple[datetime, datetime]:
        """A two-hour slot no other meeting of this test uses, well beyond the notice period."""
        day = datetime.now(HANOI).date() + timedelta(days=40 + self._slot)
        self._slot += 1
        start = datetime.combine(day, time(8, 0), tzinfo=HANOI)
        return start, start + timedelta(hours=2)

    def meeting_body(self, **overrides: Any) -> dict[str, Any]:
        """A valid body for POST /meetings convened by the district, inviting commune An Phú."""
        start, end = self.next_slot()
        body: dict[str, Any] = {
            "title": "Giao ban công tác tháng",
            "kind": "briefing",
            "start_at": start.isoformat(),
            "end_at": end.isoformat(),
            "convening_unit_id": self.unit_id("own"),
            "chair_id": self.person_id("chair.own"),
            "secretary_id": self.person_id("secretary.own"),
            "site_ids": [self.site_id("own"), self.site_id("invited")],
            "agenda": [{"title": "Báo cáo tình hình tháng", "presenter": "Văn phòng", "planned_minutes": 20}],
        }
        body.update(overrides)
        return body

    def make_meeting(self, *, publish: bool = False, title: str = "Giao ban công tác tháng") -> Meeting:
        """A meeting convened by the district, made through the domain as the administrator."""
        start, end = self.next_slot()
        admin = self.people["administrator.own"]
        draft = MeetingDraft(
            title=title,
            kind=MeetingKind.BRIEFING,
            start_at=start,
            end_at=end,
            convening_unit_id=self.unit_id("own"),
            chair_id=self.person_id("chair.own"),
            secretary_id=self.person_id("secretary.own"),
            site_ids=[self.site_id("own"), self.site_id("invited")],
            agenda=[AgendaItemDraft(title="Khai mạc", presenter="Chủ tịch", planned_minutes=5)],
        )
        with self.app.state.ctx.session() as session:
            meeting = scheduling.create_meeting(session, admin, draft, tz=HANOI)
            if publish:
                assert meeting.id is not None
                meeting = scheduling.publish_meeting(session, admin, meeting.id, now=utcnow(), tz=HANOI)
        return meeting


def build_api_world(app: Starlette, client: TestClient) -> ApiWorld:
    units: dict[str, Unit] = {}
    sites: dict[str, Site] = {}
    people: dict[str, Person] = {}
    tokens: dict[str, str] = {}
    with app.state.ctx.session() as session:
        district = directory.create_unit(
            session, None, UnitDraft(name="UBND huyện Ngọc Khê", code="000.00.12.H49", level=UnitLevel.DISTRICT)
        )
        assert district.id is not None
        units["own"] = district
        for place, name, code in (
            ("invited", "UBND xã An Phú", "000.01.12.H49"),
            ("other", "UBND xã Bình Minh", "000.02.12.H49"),
        ):
            draft = UnitDraft(name=name, code=code, level=UnitLevel.COMMUNE, parent_id=district.id)
            units[place] = directory.create_unit(session, None, draft)
        for place, unit in units.items():
            assert unit.id is not None
            sites[place] = directory.create_site(
                session, None, SiteDraft(unit_id=unit.id, name=f"Phòng họp {unit.name}")
            )
            for role in ROLES:
                who = f"{role}.{place}"
                roles = () if role == "none" else (Role(role),)
                username = who.replace("_", "-")
                person = directory.create_person(
                    session,
                    None,
                    PersonDraft(username=username, full_name=f"Cán bộ {who}", unit_id=unit.id, roles=roles),
                )
                people[who] = person
                tokens[who] = accounts.create_api_token(session, person, "kiểm thử")
    return ApiWorld(app=app, client=client, units=units, sites=sites, people=people, tokens=tokens)


@pytest.fixture
def api_settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url, environment="test", max_upload_mb=1)


@pytest.fixture
def api_app(api_settings: Settings) -> Iterator[Starlette]:
    application = create_app(api_settings)
    yield application
    application.state.ctx.engine.dispose()


@pytest.fixture
def api_client(api_app: Starlette) -> Iterator[TestClient]:
    with TestClient(api_app, base_url="http://127.0.0.1") as client:
        yield client


@pytest.fixture
def world(api_app: Starlette, api_client: TestClient) -> ApiWorld:
    return build_api_world(api_app, api_client)
