"""What the application holds while it runs, reachable from every request as ``request.app.state.ctx``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.requests import HTTPConnection

from meetings.accounts import password_hasher
from meetings.documents import DocumentStore
from web.login_throttle import LoginThrottle
from web.settings import Settings


@dataclass
class AppContext:
    settings: Settings
    engine: Engine
    secret_key: str
    extras: dict[str, Any] = field(default_factory=dict)
    login_throttle: LoginThrottle = field(default_factory=LoginThrottle)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @property
    def password_hasher(self) -> PasswordHasher:
        """The hasher of the configured profile, for everything that hashes or checks a log-in."""
        return password_hasher(self.settings.password_hash_profile)


def document_store(settings: Settings) -> DocumentStore:
    """Where meeting documents are kept: ``documents/`` in the data folder, with the configured upload limit.

    The one definition: the pages, the API and the mail deliverer must all read the same files.
    """
    return DocumentStore(root=settings.data_dir / "documents", max_bytes=settings.max_upload_mb * 1024 * 1024)


def ctx(conn: HTTPConnection) -> AppContext:
    context = conn.app.state.ctx
    assert isinstance(context, AppContext)
    return context
