"""Fixtures for the meeting room: a published meeting with invited sites, join tokens, and the app served by
uvicorn in the test's own event loop (so bots, the rooms and the media link can be looked at directly).

Room tests run on SQLite only: what they exercise is the media path, not the database.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright
from starlette.applications import Starlette

from meetings import directory, rooms, scheduling
from meetings.directory import SiteDraft, UnitDraft
from meetings.meeting import AgendaItem, Meeting, MeetingKind
from meetings.scheduling import MeetingDraft
from meetings.units import Site, UnitLevel
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, Directory
from web.room.bots import Bot
from web.room.rooms import Rooms
from web.room.tokens import JoinGrant, make_token, person_token, site_token

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path / 'giaoban.sqlite3'}"


@dataclass
class RoomWorld:
    app: Starlette
    people: Directory
    meeting: Meeting
    sites: list[Site]  # invited, in order: the district's room, commune A, commune B, then any extra communes

    @property
    def meeting_id(self) -> int:
        assert self.meeting.id is not None
        return self.meeting.id

    def site_token(self, site: Site) -> str:
        assert site.id is not None
        ctx = self.app.state.ctx
        return site_token(ctx.settings, ctx.secret_key, self.meeting, site.id)

    def chair_token(self) -> str:
        ctx = self.app.state.ctx
        assert self.people.chair.id is not None
        return person_token(
            ctx.settings, ctx.secret_key, self.meeting_id, None, self.people.chair.id, now=datetime.now(UTC)
        )

    def token(self, grant: JoinGrant) -> str:
        return make_token(self.app.state.ctx.secret_key, grant)

    def add_agenda_item(self, title: str, planned_minutes: int) -> int:
        """One more item on the meeting's agenda (first place); its id."""
        with self.app.state.ctx.session() as session:
            item = AgendaItem(meeting_id=self.meeting_id, position=1, title=title, planned_minutes=planned_minutes)
            session.add(item)
            session.commit()
            assert item.id is not None
            return item.id

    def open(self) -> None:
        with self.app.state.ctx.session() as session:
            rooms.open_meeting(session, self.people.chair, self.meeting_id, now=datetime.now(UTC))


def add_communes(app: Starlette, people: Directory, count: int) -> list[Site]:
    sites = []
    with app.state.ctx.session() as session:
        for i in range(count):
            draft = UnitDraft(
                name=f"UBND xã Thử Nghiệm {i + 1}",
                code=f"000.{i + 10:02d}.12.H49",
                level=UnitLevel.COMMUNE,
                parent_id=people.district.id,
            )
            unit = directory.create_unit(session, None, draft)
            assert unit.id is not None
            sites.append(directory.create_site(session, None, SiteDraft(unit_id=unit.id, name=f"Điểm cầu xã {i + 1}")))
    return sites


def publish_meeting(app: Starlette, people: Directory, sites: list[Site], *, last_n: int = 8) -> Meeting:
    """An urgent briefing starting in half an hour, published (invitations out), not yet open."""
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=30)
    draft = MeetingDraft(
        title="Họp khẩn ứng phó bão số 3",
        kind=MeetingKind.RESOLUTION,
        start_at=start,
        end_at=start + timedelta(hours=2),
        convening_unit_id=people.district.id or 0,
        chair_id=people.chair.id or 0,
        secretary_id=people.secretary.id,
        urgent=True,
        urgent_reason="Bão số 3 đổ bộ trong 24 giờ tới",
        site_ids=[s.id for s in sites if s.id is not None],
        last_n=last_n,
    )
    with app.state.ctx.session() as session:
        meeting = scheduling.create_meeting(session, people.secretary, draft, tz=HANOI)
        assert meeting.id is not None
        return scheduling.publish_meeting(session, people.secretary, meeting.id, now=datetime.now(UTC), tz=HANOI)


def room_world(app: Starlette, people: Directory, *, extra_sites: int = 0, last_n: int = 8) -> RoomWorld:
    sites = [people.district_site, people.site_a, people.site_b, *add_communes(app, people, extra_sites)]
    return RoomWorld(app, people, publish_meeting(app, people, sites, last_n=last_n), sites)


@dataclass
class Served:
    url: str
    app: Starlette

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/ws/room"

    @property
    def rooms(self) -> Rooms:
        value = self.app.state.rooms
        assert isinstance(value, Rooms)
        return value

    def bot(self, token: str, label: str, **options: object) -> Bot:
        bot = Bot(self.ws_url, token, label=label, **options)  # type: ignore[arg-type]
        bot.start()
        return bot


@pytest.fixture
async def served(app: Starlette) -> AsyncIterator[Served]:
    """The app under uvicorn in this event loop, lifespan and all."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    for _ in range(400):
        if server.started:
            break
        await asyncio.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield Served(f"http://127.0.0.1:{port}", app)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)
        sock.close()


async def stop_all(*bots: Bot) -> None:
    await asyncio.gather(*(b.stop() for b in bots))


# ---------- browsers ----------


@pytest.fixture(scope="module")
def room_chromium() -> Iterator[Browser]:
    """Chromium as for the other browser tests, plus: screen capture picks the screen by itself, media may
    play without a click. Per module: while Playwright's synchronous API is running, the asyncio tests that
    follow could not run their own event loop."""
    args = [
        *CHROMIUM_ARGS,
        "--auto-select-desktop-capture-source=Entire screen",
        "--autoplay-policy=no-user-gesture-required",
    ]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def new_page(room_chromium: Browser) -> Iterator[Callable[[], Page]]:
    contexts = []

    def make() -> Page:
        context = room_chromium.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
