"""Writing a meeting's log from its room: every entry goes through one queue per meeting and is written by one
task, in order, each in a worker thread (the database never blocks the event loop).

Entries are stamped with the time they happened (when ``add`` is called), not when they are written. A write
that fails is logged and the next one goes ahead; nothing is dropped while the app runs, and ``flush`` waits
until the queue is empty (the meeting's end, the app's stop).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from meetings.log import write
from meetings.log.write import Who
from meetings.rooms import Seat

log = logging.getLogger("giaoban.room")

T = TypeVar("T")
SessionFactory = Callable[[], AbstractContextManager[Session]]
Entry = tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any], "asyncio.Future[Any] | None"]


def who(seat: Seat) -> Who:
    return Who(seat.participant, seat.label, site_id=seat.site_id, person_id=seat.person_id)


def _now() -> datetime:
    return datetime.now(UTC)


class MeetingLog:
    """The log of one meeting. ``add`` queues a ``meetings.log.write`` function (called as
    ``fn(session, meeting_id, *args, **kwargs)``); ``call`` does the same and waits for its result."""

    def __init__(self, sessions: SessionFactory, meeting_id: int) -> None:
        self.sessions = sessions
        self.meeting_id = meeting_id
        self._queue: asyncio.Queue[Entry] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None

    def add(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self._queue.put_nowait((fn, args, kwargs, None))
        self._wake()

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((fn, args, kwargs, future))
        self._wake()
        return await future

    def _wake(self) -> None:
        if self._writer is None or self._writer.done():
            self._writer = asyncio.ensure_future(self._write())

    def _run(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        with self.sessions() as session:
            return fn(session, self.meeting_id, *args, **kwargs)

    async def _write(self) -> None:
        while not self._queue.empty():
            fn, args, kwargs, future = self._queue.get_nowait()
            try:
                result = await run_in_threadpool(self._run, fn, args, kwargs)
            except Exception as exc:
                if future is not None:
                    if not future.done():
                        future.set_exception(exc)
                else:
                    log.exception("meeting %s: log entry %s not written", self.meeting_id, fn.__name__)
            else:
                if future is not None and not future.done():
                    future.set_result(result)
            finally:
                self._queue.task_done()

    async def flush(self) -> None:
        """Wait until everything queued so far is written."""
        if not self._queue.empty():
            self._wake()  # the writer may have been cancelled with the task that awaited it
        await self._queue.join()

    # ---------- the entries the room makes ----------

    def joined(self, seat: Seat) -> None:
        self.add(write.joined, who(seat), _now())

    def left(self, participant: str, reason: str) -> None:
        self.add(write.left, participant, reason, _now())

    def chat(self, seat: Seat, text: str) -> None:
        self.add(write.chat, who(seat), text, _now())

    def event(self, kind: str, actor: Seat | None = None, participant: str = "", **detail: Any) -> None:
        actor_id = actor.person_id if actor is not None else None
        self.add(write.event, kind, _now(), actor_id=actor_id, participant=participant, **detail)

    def close_open(self, reason: str) -> None:
        self.add(write.close_open, _now(), reason=reason)


class MeetingLogs:
    """One log per meeting, kept for the app's life: a room made again for the same meeting writes after
    what its predecessor queued."""

    def __init__(self, sessions: SessionFactory) -> None:
        self.sessions = sessions
        self.logs: dict[int, MeetingLog] = {}

    def get(self, meeting_id: int) -> MeetingLog:
        if meeting_id not in self.logs:
            self.logs[meeting_id] = MeetingLog(self.sessions, meeting_id)
        return self.logs[meeting_id]

    async def flush(self) -> None:
        for journal in list(self.logs.values()):
            await journal.flush()

    def __iter__(self) -> Iterator[MeetingLog]:
        return iter(self.logs.values())
