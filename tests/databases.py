"""PostgreSQL databases for tests, copied from a migrated template by a thread that works ahead and behind.

``CREATE DATABASE ... TEMPLATE`` and ``DROP DATABASE`` each take a tenth of a second on a quiet machine and
a second on a busy one, mostly waiting for the disk. A test should wait for neither: the thread keeps a copy
or two ready before they are asked for, and drops the ones given back while the next test runs.
"""

from __future__ import annotations

import queue
import threading
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

_READY_AHEAD = 2
_WAIT_SECONDS = 300  # a copy that takes longer than this is a stuck server, not a slow one


def new_name() -> str:
    return f"giaoban_test_{uuid.uuid4().hex[:12]}"


class TemplateCopies:
    """Copies of the database ``template`` on the server at ``server``; ``close`` drops what is left."""

    def __init__(self, server: URL, template: str) -> None:
        self._server = server
        self._template = template
        self._admin = create_engine(server, isolation_level="AUTOCOMMIT")
        self._jobs: queue.Queue[tuple[str, str] | None] = queue.Queue()
        self._ready: queue.Queue[str | Exception] = queue.Queue()
        self._not_dropped: list[str] = []  # tried again, in the open, by close()
        self._thread = threading.Thread(target=self._work, name="test-database-copies", daemon=True)
        self._thread.start()
        for _ in range(_READY_AHEAD):
            self._jobs.put(("create", new_name()))

    def take(self) -> str:
        """The URL of a fresh copy, for one test."""
        self._jobs.put(("create", new_name()))  # the one after next
        item = self._ready.get(timeout=_WAIT_SECONDS)
        if isinstance(item, Exception):
            raise item
        return self._server.set(database=item).render_as_string(hide_password=False)

    def give_back(self, url: str) -> None:
        """Drop the copy behind ``url``, later (its connections are ended by force)."""
        name = make_url(url).database
        assert name is not None and name != self._template
        self._jobs.put(("drop", name))

    def close(self) -> None:
        """Wait for the drops given back, then drop the copies nobody took and any a drop failed on."""
        self._jobs.put(None)
        self._thread.join(timeout=_WAIT_SECONDS)
        while not self._ready.empty():
            item = self._ready.get()
            if isinstance(item, str):
                self._not_dropped.append(item)
        try:
            for name in self._not_dropped:
                self._run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            self._admin.dispose()

    def _run(self, statement: str) -> None:
        with self._admin.connect() as conn:
            conn.execute(text(statement))

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            action, name = job
            if action == "create":
                try:
                    self._run(f'CREATE DATABASE "{name}" TEMPLATE "{self._template}"')
                except Exception as exc:  # handed to the test that asks for this copy
                    self._ready.put(exc)
                else:
                    self._ready.put(name)
            else:
                try:
                    self._run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                except Exception:
                    self._not_dropped.append(name)
