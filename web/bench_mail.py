"""``giaoban bench mail``: how long the invitations of one meeting take to reach a slow mail server.

A district with N communes (each with its official address and site) is written into a fresh SQLite
database; a local SMTP server answers every command after ``delay`` seconds (50 ms is a mail server
across the country). Each run creates a meeting to all N sites, publishes it — through the real
``publish_meeting``, which enqueues the invitations — and lets the outbox worker deliver them. It reports

- ``accepted_s``: from the start of the publish call to the moment the last invitation was accepted by
  the server (its ``delivered_at``), the median of the runs;
- ``messages_per_s``: N / ``accepted_s``;

for three ways of sending, in the same run: a pool of a few connections (the default), one connection
reused for the whole batch, and the baseline of one new connection per message.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from mailer import ComposedMail, DeliveryResult, SentCallback, SmtpConfig, SmtpTransport, Transport
from mailer.testserver import SmtpTestServer
from meetings import db
from meetings.meeting import MeetingKind
from meetings.meeting_mail import MAIL
from meetings.outbox import OutboxItem, OutboxStatus
from meetings.outbox_worker import OutboxWorker
from meetings.people import Person
from meetings.scheduling import MeetingDraft, create_meeting, publish_meeting
from meetings.units import Site, Unit, UnitLevel
from web.mail_delivery import mail_deliverer
from web.settings import Settings

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DOMAIN = "bench.example"
TARGET = {"recipients": 11, "delay_ms": 50.0, "accepted_s_max": 2.0}


class OneConnectionPerMessage:
    """The baseline: every message opens, uses and closes its own connection, one after the other."""

    def __init__(self, config: SmtpConfig) -> None:
        self.inner = SmtpTransport(replace(config, connections=1))

    def describe(self) -> str:
        return f"{self.inner.describe()} (one connection per message)"

    async def send(self, mails: Sequence[ComposedMail], *, on_sent: SentCallback | None = None) -> list[DeliveryResult]:
        results: list[DeliveryResult] = []
        for index, mail in enumerate(mails):
            mine = await self.inner.send([mail])
            results += mine
            if on_sent is not None:
                await on_sent(index, mine)
        return results


@dataclass
class ModeResult:
    mode: str
    description: str
    connections: int
    accepted_s: float
    messages_per_s: float
    accepted_s_runs: list[float]
    smtp_connections_per_run: list[int]


@dataclass
class World:
    unit_id: int
    chair_id: int
    secretary: Person
    site_ids: list[int]


def _world(engine: Engine, recipients: int) -> World:
    with Session(engine, expire_on_commit=False) as session:
        district = Unit(name="UBND huyện Thử Nghiệm", code="000.00.12.H49", level=UnitLevel.DISTRICT)
        district.email = f"vanphong@{DOMAIN}"
        session.add(district)
        session.flush()
        communes = [
            Unit(
                name=f"UBND xã Số {n}",
                code=f"{n // 100:03d}.{n % 100:02d}.12.H49",
                level=UnitLevel.COMMUNE,
                parent_id=district.id,
                email=f"ubnd.xa{n}@{DOMAIN}",
            )
            for n in range(1, recipients + 1)
        ]
        session.add_all(communes)
        session.flush()
        sites = [Site(unit_id=u.id or 0, name=f"Hội trường {u.name}") for u in communes]
        session.add_all(sites)
        chair = Person(username="chutich", full_name="Chủ tịch", unit_id=district.id or 0, roles="chair")
        secretary = Person(username="thuky", full_name="Thư ký", unit_id=district.id or 0, roles="secretary")
        session.add_all([chair, secretary])
        session.commit()
        return World(district.id or 0, chair.id or 0, secretary, [s.id or 0 for s in sites])


async def _one_run(engine: Engine, world: World, worker: OutboxWorker, slot: int) -> float:
    start = datetime.combine(datetime.now(TZ).date() + timedelta(days=14), datetime.min.time(), TZ)
    start += timedelta(hours=slot)  # a new hour per run: the same sites cannot be booked twice at once
    draft = MeetingDraft(
        title=f"Giao ban thử nghiệm {slot}",
        kind=MeetingKind.BRIEFING,
        start_at=start,
        end_at=start + timedelta(minutes=45),
        convening_unit_id=world.unit_id,
        chair_id=world.chair_id,
        site_ids=world.site_ids,
    )

    def create() -> int:
        with Session(engine, expire_on_commit=False) as session:
            return create_meeting(session, world.secretary, draft, tz=TZ).id or 0

    def publish(meeting_id: int) -> None:
        with Session(engine, expire_on_commit=False) as session:
            publish_meeting(session, world.secretary, meeting_id, now=datetime.now(UTC), tz=TZ)

    def outcome(meeting_id: int) -> tuple[bool, list[OutboxItem]]:
        with Session(engine) as session:
            rows = list(session.exec(select(OutboxItem).where(col(OutboxItem.meeting_id) == meeting_id)).all())
        return all(r.status != OutboxStatus.PENDING for r in rows), rows

    meeting_id = await asyncio.to_thread(create)
    began = datetime.now(UTC)
    await asyncio.to_thread(publish, meeting_id)
    deadline = time.monotonic() + 120
    while True:
        done, rows = await asyncio.to_thread(outcome, meeting_id)
        if done:
            break
        if time.monotonic() > deadline:
            raise RuntimeError("the invitations were not delivered within 120 s")
        await asyncio.sleep(0.05)  # the figure comes from delivered_at, not from this loop
    failed = [r for r in rows if r.status != OutboxStatus.DELIVERED]
    if failed:
        raise RuntimeError(f"{len(failed)} invitations failed: {failed[0].last_reply}")
    last = max(r.delivered_at for r in rows if r.delivered_at is not None)
    return (last - began).total_seconds()


async def _measure(
    engine: Engine, settings: Settings, world: World, server: SmtpTestServer, transport: Transport, runs: int, slot: int
) -> tuple[list[float], list[int]]:
    deliverer = mail_deliverer(settings, settings.resolved_secret_key(), transport)
    worker = OutboxWorker(engine, {MAIL: deliverer}, poll=1.0)
    worker.start()
    times: list[float] = []
    connections: list[int] = []
    try:
        for run in range(runs):
            before = server.connections
            times.append(await _one_run(engine, world, worker, slot + run))
            connections.append(server.connections - before)
    finally:
        await worker.stop()
    return times, connections


def run(*, recipients: int, delay: float, connections: int | None, runs: int, json_path: Path) -> dict[str, object]:
    """Run the benchmark, print the figures and write them to ``json_path``."""
    with tempfile.TemporaryDirectory(prefix="giaoban-bench-mail-") as folder:
        data_dir = Path(folder)
        settings = Settings(
            data_dir=data_dir,
            database_url=f"sqlite:///{data_dir / 'bench.sqlite3'}",
            environment="test",
            secret_key="bench-" + "k" * 40,
            mail_from=f"giaoban@{DOMAIN}",
            mail_worker=False,
            mail_reminder_minutes=[],
        )
        pool = connections or settings.mail_connections
        db.upgrade(settings.resolved_database_url)
        engine = db.make_engine(settings.resolved_database_url)
        server = SmtpTestServer(delay=delay).start()
        try:
            world = _world(engine, recipients)
            config = SmtpConfig.from_url(server.url())
            modes: list[tuple[str, str, int, Transport]] = [
                ("pool", f"{pool} connections, each reused", pool, SmtpTransport(replace(config, connections=pool))),
                ("one_connection", "one connection reused for the batch", 1, SmtpTransport(config)),
                ("per_message", "baseline: a new connection per message", 1, OneConnectionPerMessage(config)),
            ]
            results = []
            for index, (mode, description, count, transport) in enumerate(modes):
                times, used = asyncio.run(_measure(engine, settings, world, server, transport, runs, index * runs))
                median = statistics.median(times)
                results.append(
                    ModeResult(mode, description, count, round(median, 3), round(recipients / median, 2),
                               [round(t, 3) for t in times], used)
                )  # fmt: skip
        finally:
            server.close()
            engine.dispose()

    by_mode = {r.mode: r for r in results}
    applies = recipients == TARGET["recipients"] and abs(delay * 1000 - TARGET["delay_ms"]) < 1e-9
    report: dict[str, object] = {
        "benchmark": "mail",
        "recipients": recipients,
        "delay_ms": delay * 1000,
        "runs": runs,
        "modes": [asdict(r) for r in results],
        "speedup_pool_vs_per_message": round(by_mode["per_message"].accepted_s / by_mode["pool"].accepted_s, 2),
        "speedup_one_connection_vs_per_message": round(
            by_mode["per_message"].accepted_s / by_mode["one_connection"].accepted_s, 2
        ),
        "target": {**TARGET, "met": by_mode["pool"].accepted_s <= TARGET["accepted_s_max"] if applies else None},
    }
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"{recipients} invitations, server answering after {delay * 1000:g} ms, median of {runs} runs:")
    for r in results:
        print(
            f"  {r.mode:15} {r.accepted_s:7.3f} s  {r.messages_per_s:7.2f} msg/s  "
            f"({r.description}; {statistics.median(r.smtp_connections_per_run):g} SMTP connections per run)"
        )
    target = report["target"]
    assert isinstance(target, dict)
    if target["met"] is not None:
        print(f"  target ≤ {TARGET['accepted_s_max']} s for 11 sites: {'met' if target['met'] else 'NOT met'}")
    print(f"written to {json_path}")
    return report
