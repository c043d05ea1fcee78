"""The outbox deliverer of filing packages, and the sweep that reads the status packages waiting.

The outbox claims at most one pending item per destination at a time (the oldest), so each agency's
packages go out in the order they were enqueued; different agencies are served side by side, a few at a
time. Every outcome is reported as soon as it is known. A status package that comes back with an HTTP
answer is recorded like one read later; one that cannot be read is noted in the item's reply, and the
package still counts as delivered (the receiver took it).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from meetings.errors import ValidationError
from meetings.outbox import OutboxItem
from meetings.outbox_claim import Outcome, Result
from meetings.outbox_worker import Report
from meetings.records.edxml_status import StatusCodes
from meetings.records.filing import PackageStore, mark_filed_if_complete, record_status
from meetings.records.filing_transport import FilingTransport, IncomingStatus, OutgoingPackage

log = logging.getLogger("giaoban.filing")


def _record_statuses(engine: Engine, item: OutboxItem, statuses: Sequence[bytes], codes: StatusCodes) -> list[str]:
    """Record the statuses that came with an answer; the problems with those that could not be read."""
    problems: list[str] = []
    for data in statuses:
        with Session(engine) as session:
            try:
                record_status(session, data, codes=codes, source=f"answer to item {item.id}")
                session.commit()
            except ValidationError as exc:
                problems.append(exc.message)
    return problems


def _settle_meeting(engine: Engine, meeting_id: int) -> None:
    with Session(engine) as session:
        if mark_filed_if_complete(session, meeting_id):
            session.commit()
            log.info("meeting %s filed", meeting_id)


class FilingDeliverer:
    def __init__(
        self,
        engine: Engine,
        transport: FilingTransport,
        store: PackageStore,
        *,
        codes: StatusCodes | None = None,
        parallel: int = 4,
    ) -> None:
        self.engine = engine
        self.transport = transport
        self.store = store
        self.codes = codes or StatusCodes()
        self.parallel = parallel

    async def _one(self, item: OutboxItem, report: Report) -> None:
        payload = item.data()
        try:
            data = await asyncio.to_thread(self.store.read, str(payload["package"]))
        except (KeyError, ValueError, OSError) as exc:
            # The package file is gone: trying again cannot bring it back; a person must file anew.
            await report(item, Outcome(Result.PERMANENT, None, f"Không còn tệp gói tin để gửi: {exc}"))
            return
        package = OutgoingPackage(
            destination=item.destination,
            document_id=str(payload.get("document_id", "")),
            message_id=item.message_id,
            data=data,
        )
        sent = await self.transport.send(package)
        reply = sent.reply
        if sent.statuses:
            problems = await asyncio.to_thread(_record_statuses, self.engine, item, sent.statuses, self.codes)
            if problems:
                reply = f"{reply}\nPhản hồi kèm theo không đọc được: {'; '.join(problems)}".strip()
        await report(item, Outcome(sent.result, sent.code, reply))
        if sent.result is Result.DELIVERED and item.meeting_id is not None:
            await asyncio.to_thread(_settle_meeting, self.engine, item.meeting_id)

    async def deliver(self, items: Sequence[OutboxItem], report: Report) -> None:
        gate = asyncio.Semaphore(self.parallel)

        async def guarded(item: OutboxItem) -> None:
            async with gate:
                await self._one(item, report)

        await asyncio.gather(*(guarded(item) for item in items))


def read_statuses(transport: FilingTransport, codes: StatusCodes | None = None) -> Callable[[Engine, datetime], int]:
    """A sweep (``meetings.outbox_worker.Sweep.run``) recording the status packages waiting at
    ``transport``; returns how many were recorded. One that cannot be read is set aside with the reason."""

    def run(engine: Engine, now: datetime) -> int:
        recorded = 0
        for incoming in transport.receive():
            problem = _record_one(engine, incoming, codes)
            transport.acknowledge(incoming, problem)
            if problem is None:
                recorded += 1
            else:
                log.warning("status package %s set aside: %s", incoming.source, problem)
        return recorded

    return run


def _record_one(engine: Engine, incoming: IncomingStatus, codes: StatusCodes | None) -> str | None:
    with Session(engine) as session:
        try:
            entry = record_status(session, incoming.data, codes=codes, source=incoming.source)
            meeting_id = entry.meeting_id
            session.commit()
        except ValidationError as exc:
            return exc.message
    if meeting_id is not None:
        _settle_meeting(engine, meeting_id)
    return None
