"""The outbox worker: an asyncio task that claims due items, hands each batch to the deliverer of its
kind, and records every outcome as soon as the deliverer reports it.

It is woken at once when a transaction of this process that enqueued items commits (the enqueueing
connection is marked, and the pool's check-in of that connection sets the wake-up event); otherwise it
looks every ``poll`` seconds, which also picks up items enqueued by other processes and retries that
have come due. Database work runs in threads, so the event loop it shares with the web application
never waits for the disk.

The worker also runs ``sweeps``: periodic jobs such as enqueueing the reminders that have come due.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.engine import Engine

from meetings.outbox import OutboxItem, RetryPolicy
from meetings.outbox_claim import Outcome, Result, claim_due, record_outcome, release
from meetings.types import utcnow

log = logging.getLogger("giaoban.outbox")

ENQUEUED_FLAG = "giaoban.outbox.enqueued"

Report = Callable[[OutboxItem, Outcome], Awaitable[None]]


class Deliverer(Protocol):
    async def deliver(self, items: Sequence[OutboxItem], report: Report) -> None:
        """Deliver ``items`` (all of one kind) and ``await report(item, outcome)`` for each, as soon as its
        outcome is known. Items left unreported count as temporary failures."""
        ...


@dataclass(frozen=True)
class Sweep:
    """A job the worker runs every ``interval`` seconds, in a thread: ``run(engine, now)``."""

    name: str
    interval: float
    run: Callable[[Engine, datetime], object]


def new_worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class OutboxWorker:
    def __init__(
        self,
        engine: Engine,
        deliverers: Mapping[str, Deliverer],
        *,
        worker_id: str | None = None,
        lease: timedelta = timedelta(minutes=5),
        batch: int = 50,
        poll: float = 1.0,
        policy: RetryPolicy | None = None,
        sweeps: Sequence[Sweep] = (),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.engine = engine
        self.deliverers = dict(deliverers)
        self.worker_id = worker_id or new_worker_id()
        self.lease = lease
        self.batch = batch
        self.poll = poll
        self.policy = policy or RetryPolicy()
        self.sweeps = list(sweeps)
        self.clock = clock
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._last_sweep: dict[str, float] = {}

    # --- life cycle -------------------------------------------------------------------------------

    def start(self) -> None:
        """Start in the running event loop."""
        self._loop = asyncio.get_running_loop()
        # An Event belongs to the loop it was first used in; an app may be started again in another one.
        self._wake = asyncio.Event()
        self._last_sweep = {}
        event.listen(self.engine.pool, "checkin", self._on_checkin)
        self._stopping = False
        self._task = asyncio.create_task(self.run(), name=f"outbox-worker {self.worker_id}")

    async def stop(self, grace: float = 5.0) -> None:
        """Let the batch under way finish (for up to ``grace`` seconds), then stop and give back leases."""
        self._stopping = True
        self._wake.set()
        task, self._task = self._task, None
        if task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(task), grace)
            except TimeoutError:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        with contextlib.suppress(Exception):
            event.remove(self.engine.pool, "checkin", self._on_checkin)
        try:
            await asyncio.to_thread(release, self.engine, self.worker_id)
        except Exception:  # the database may be gone at shutdown; the leases then simply run out
            log.warning("could not release outbox leases of %s", self.worker_id, exc_info=True)

    def wake(self) -> None:
        """Look for due items now (thread-safe)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(self._wake.set)

    def _on_checkin(self, dbapi_connection: Any, record: Any) -> None:
        if record is not None and record.info.pop(ENQUEUED_FLAG, False):
            self.wake()

    # --- work -------------------------------------------------------------------------------------

    async def run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                await self._run_sweeps()
                claimed = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                # The database may be briefly unreachable; the items stay where they are.
                log.exception("outbox worker %s: round failed", self.worker_id)
                claimed = 0
            if claimed or self._stopping:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll)

    async def run_once(self) -> int:
        """Claim one batch and deliver it; returns how many items were claimed."""
        items = await asyncio.to_thread(
            claim_due,
            self.engine,
            self.worker_id,
            now=self.clock(),
            lease=self.lease,
            limit=self.batch,
            kinds=list(self.deliverers),
        )
        groups: dict[str, list[OutboxItem]] = {}
        for item in items:
            groups.setdefault(item.kind, []).append(item)
        await asyncio.gather(*(self._deliver(self.deliverers[kind], group) for kind, group in groups.items()))
        return len(items)

    async def _deliver(self, deliverer: Deliverer, items: list[OutboxItem]) -> None:
        reported: set[int | None] = set()

        async def report(item: OutboxItem, outcome: Outcome) -> None:
            if item.id in reported:
                return
            reported.add(item.id)
            status = await asyncio.to_thread(
                record_outcome, self.engine, item, self.worker_id, outcome, now=self.clock(), policy=self.policy
            )
            log.info("outbox item %s to %s: %s → %s", item.id, item.destination, outcome.result.value, status)

        try:
            await deliverer.deliver(items, report)
        except Exception as exc:
            log.exception("outbox deliverer failed for %d items", len(items))
            failure = Outcome(Result.TEMPORARY, None, f"{type(exc).__name__}: {exc}")
        else:
            failure = Outcome(Result.TEMPORARY, None, "Không có kết quả gửi.")
        for item in items:
            if item.id not in reported:
                await report(item, failure)

    async def _run_sweeps(self) -> None:
        loop = asyncio.get_running_loop()
        for sweep in self.sweeps:
            last = self._last_sweep.get(sweep.name)
            if last is not None and loop.time() - last < sweep.interval:
                continue
            self._last_sweep[sweep.name] = loop.time()
            try:
                await asyncio.to_thread(sweep.run, self.engine, self.clock())
            except Exception:
                log.exception("outbox sweep %s failed", sweep.name)
