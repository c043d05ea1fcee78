"""Fixtures for the web layer: a real application on a real database, driven through the test client,
and for browser tests the same application served by uvicorn in a thread with a real Chromium."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from argon2 import PasswordHasher
from playwright.sync_api import Browser, Page, sync_playwright
from sqlmodel import Session
from starlette.applications import Starlette
from starlette.testclient import TestClient

from meetings import accounts, directory
from meetings.directory import PersonDraft, SiteDraft, UnitDraft
from meetings.people import Person, Role
from meetings.units import Site, Unit, UnitLevel
from web.app import create_app
from web.settings import Settings

PASSWORD = "mat-khau-thu-1"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Directory:
    """A small district: its People's Committee, two communes, a site each, and one person per role."""

    district: Unit
    commune_a: Unit
    commune_b: Unit
    district_site: Site
    site_a: Site
    site_b: Site
    admin: Person
    chair: Person
    secretary: Person
    official_a: Person
    official_b: Person


def build_directory(session: Session, hasher: PasswordHasher | None = None) -> Directory:
    def unit(name: str, code: str, level: UnitLevel, parent: Unit | None) -> Unit:
        draft = UnitDraft(name=name, code=code, level=level, parent_id=parent.id if parent else None)
        return directory.create_unit(session, None, draft)

    def site(u: Unit, name: str) -> Site:
        assert u.id is not None
        return directory.create_site(session, None, SiteDraft(unit_id=u.id, name=name))

    def person(username: str, full_name: str, u: Unit, *roles: Role) -> Person:
        assert u.id is not None
        draft = PersonDraft(username=username, full_name=full_name, unit_id=u.id, roles=roles)
        p = directory.create_person(session, None, draft)
        accounts.set_password(session, p, PASSWORD, hasher=hasher)
        return p

    district = unit("UBND huyện Mường Tè", "000.00.12.H49", UnitLevel.DISTRICT, None)
    commune_a = unit("UBND xã Bum Nưa", "000.01.12.H49", UnitLevel.COMMUNE, district)
    commune_b = unit("UBND xã Ka Lăng", "000.02.12.H49", UnitLevel.COMMUNE, district)
    return Directory(
        district=district,
        commune_a=commune_a,
        commune_b=commune_b,
        district_site=site(district, "Phòng họp trực tuyến huyện"),
        site_a=site(commune_a, "Hội trường xã Bum Nưa"),
        site_b=site(commune_b, "Hội trường xã Ka Lăng"),
        admin=person("quantri", "Nguyễn Quản Trị", district, Role.ADMINISTRATOR),
        chair=person("chutich", "Lò Văn Chủ", district, Role.CHAIR),
        secretary=person("thuky", "Pờ Thị Thư", district, Role.SECRETARY),
        official_a=person("canbo.a", "Lý Văn A", commune_a, Role.SITE_OFFICIAL),
        official_b=person("canbo.b", "Chu Thị B", commune_b, Role.SITE_OFFICIAL),
    )


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        environment="test",
        secret_key="k" * 40,
        # Log-ins need hashes, and argon2 at its real cost takes a quarter of a second per hash; the real cost
        # is kept in tests/meetings/test_accounts.py and the API's tests (tests/api/test_session_auth.py).
        password_hash_profile="fast-insecure-for-tests",
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[Starlette]:
    application = create_app(settings)
    yield application
    application.state.ctx.engine.dispose()


@pytest.fixture
def people(app: Starlette) -> Directory:
    with app.state.ctx.session() as session:
        return build_directory(session, app.state.ctx.password_hasher)


@pytest.fixture
def client(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def log_in(client: TestClient, username: str, password: str = PASSWORD) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303, response.text


def token_for(client: TestClient, path: str = "/meetings") -> str:
    """The CSRF token of the logged-in session (read from a page, like a browser would)."""
    return csrf_of(client.get(path).text)


# ---------- live server and browser ----------


@dataclass
class LiveServer:
    url: str
    app: Starlette


@pytest.fixture
def live_server(app: Starlette) -> Iterator[LiveServer]:
    """The application served by uvicorn on 127.0.0.1 (a secure context for the browser) in a thread."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(url=f"http://127.0.0.1:{port}", app=app)
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--headless",
]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium driven by Playwright, one per test module: Playwright's synchronous API keeps an event
    loop running in this thread while it is open, and an asynchronous test after it (in another module) could
    not run its own ("Cannot run the event loop while another loop is running")."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    """A fresh browser context and page (own cookies) for one test."""
    context = chromium.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    pg = context.new_page()
    yield pg
    context.close()
