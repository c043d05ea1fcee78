"""Fixtures shared by the whole suite: real databases (SQLite file, and PostgreSQL when configured)."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlmodel import Session

from meetings import db
from tests.databases import TemplateCopies, new_name

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No GIAOBAN_ setting from the developer's shell leaks into a test."""
    for name in list(os.environ):
        if name.startswith("GIAOBAN_"):
            monkeypatch.delenv(name)


def _postgres_server() -> URL:
    """The server at TEST_DATABASE_URL; skips the test without one (fails it in CI)."""
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not base:
        if IN_CI:
            pytest.fail("CI=true but TEST_DATABASE_URL is not set: PostgreSQL tests must run in CI")
        pytest.skip("TEST_DATABASE_URL is not set")
    return make_url(base)


@contextmanager
def _postgres_database() -> Iterator[str]:
    """A new, empty database, dropped afterwards."""
    url = _postgres_server()
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = new_name()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        if IN_CI:
            pytest.fail(f"PostgreSQL at TEST_DATABASE_URL is not usable: {exc}")
        pytest.skip(f"PostgreSQL at TEST_DATABASE_URL is not usable: {exc}")
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# Migrating takes about half a second on SQLite and one on PostgreSQL (a new database, then alembic), and
# most tests want a migrated database: so the migrations run once per test session into a template, and each
# test gets a copy (a file copy; on PostgreSQL CREATE DATABASE ... TEMPLATE, made ahead and dropped behind
# by tests.databases). The migrations themselves are tested from an empty database in tests/test_migrations.py.


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "giaoban.sqlite3"
    db.upgrade(f"sqlite:///{path}")
    # The migrations ran in WAL mode: fold the log back into the file, so the file alone is the database.
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()
    return path


@pytest.fixture(scope="session")
def _postgres_copies() -> Iterator[TemplateCopies]:
    with _postgres_database() as url:
        db.upgrade(url)  # alembic's engine is gone afterwards: a template must have no one connected
        copies = TemplateCopies(_postgres_server(), make_url(url).database or "")
        try:
            yield copies
        finally:
            copies.close()


def _backend(request: pytest.FixtureRequest) -> str:
    backend = request.param
    assert isinstance(backend, str)
    return backend


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database, once on a SQLite file and once on PostgreSQL (when TEST_DATABASE_URL is set)."""
    if _backend(request) == "sqlite":
        yield f"sqlite:///{tmp_path / 'giaoban.sqlite3'}"
    else:
        with _postgres_database() as url:
            yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated database of its own, once on a SQLite file and once on PostgreSQL (when TEST_DATABASE_URL is
    set), copied from the session's template. ``create_app`` and ``giaoban`` find it up to date."""
    if _backend(request) == "sqlite":
        path = tmp_path / "giaoban.sqlite3"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        copies: TemplateCopies = request.getfixturevalue("_postgres_copies")
        url = copies.take()
        try:
            yield url
        finally:
            copies.give_back(url)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the migrated database."""
    eng = db.make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as s:
        yield s
