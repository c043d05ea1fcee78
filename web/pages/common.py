"""What page endpoints share: the database session, the local time zone, the clock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session
from starlette.requests import HTTPConnection

from meetings.errors import NotFound
from web.context import ctx


@contextmanager
def db(conn: HTTPConnection) -> Iterator[Session]:
    with ctx(conn).session() as session:
        yield session


def local_zone(conn: HTTPConnection) -> ZoneInfo:
    tz = conn.app.state.tz
    assert isinstance(tz, ZoneInfo)
    return tz


def now() -> datetime:
    return datetime.now(UTC)


def path_id(conn: HTTPConnection, name: str = "id") -> int:
    """An integer path parameter (routes use the ``int`` convertor, so this only narrows the type)."""
    value = conn.path_params[name]
    # The int convertor takes any run of digits; one beyond 32 bits cannot be a row and would overflow SQL.
    if not isinstance(value, int) or value > 2**31 - 1:
        raise NotFound("Không tìm thấy trang hoặc đối tượng yêu cầu.")
    return value
