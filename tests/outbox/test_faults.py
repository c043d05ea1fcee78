"""Faults between the outbox and the mail server: the server down, a refused recipient, a connection lost
with a message in flight, a worker that dies holding a lease, the last attempt."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from mailer.testserver import SmtpTestServer
from meetings.outbox import retry_item
from meetings.outbox_claim import claim_due
from tests.outbox.world import DOMAIN, build_mail_world, items, mail_settings, publish, settled, wait_until
from web.mail_delivery import outbox_worker
from web.settings import Settings


def message_ids(server: SmtpTestServer) -> Counter[str]:
    return Counter(str(m.message["Message-ID"]) for m in server.received)


async def test_server_down_then_up_delivers_every_mail_once(
    engine: Engine, database_url: str, make_smtp_server: Callable[..., SmtpTestServer], tmp_path: Path
) -> None:
    server = make_smtp_server()
    server.stop()
    settings = mail_settings(tmp_path, database_url, server.url(), outbox_retry_base_seconds=0.3)
    with Session(engine, expire_on_commit=False) as session:
        publish(session, build_mail_world(session))
    worker = outbox_worker(settings, engine, settings.resolved_secret_key())
    worker.start()
    try:
        await wait_until(lambda: all(i.attempts >= 2 for i in items(engine)), what="two failed attempts each")
        failing = items(engine)
        assert {i.status for i in failing} == {"pending"}
        assert all(i.last_reply.startswith("SMTPConnectError") and i.last_code is None for i in failing)
        server.start()
        await wait_until(settled(engine), what="delivery after the server came back")
    finally:
        await worker.stop()
    assert {i.status for i in items(engine)} == {"delivered"}
    assert message_ids(server) == Counter({i.message_id: 1 for i in items(engine)})


async def test_a_refused_recipient_fails_with_the_reply_and_the_others_are_delivered(
    engine: Engine, database_url: str, make_smtp_server: Callable[..., SmtpTestServer], tmp_path: Path
) -> None:
    refused = f"ubnd.xa2@{DOMAIN}"
    server = make_smtp_server(refuse={refused: f"550 5.1.1 <{refused}>: Recipient address rejected: User unknown"})
    settings = mail_settings(tmp_path, database_url, server.url())
    with Session(engine, expire_on_commit=False) as session:
        publish(session, build_mail_world(session))
    worker = outbox_worker(settings, engine, settings.resolved_secret_key())
    worker.start()
    try:
        await wait_until(settled(engine))
    finally:
        await worker.stop()
    by_address = {i.destination: i for i in items(engine)}
    failed = by_address.pop(refused)
    assert (failed.status, failed.attempts, failed.last_code) == ("failed", 1, 550)
    assert failed.last_reply == f"5.1.1 <{refused}>: Recipient address rejected: User unknown"
    assert {i.status for i in by_address.values()} == {"delivered"}
    assert sorted(m.rcpt_tos[0] for m in server.received) == sorted(by_address)


async def test_after_the_last_attempt_a_mail_is_dead_until_a_person_retries_it(
    engine: Engine, database_url: str, make_smtp_server: Callable[..., SmtpTestServer], tmp_path: Path
) -> None:
    server = make_smtp_server()
    server.stop()
    settings = mail_settings(tmp_path, database_url, server.url(), outbox_retry_base_seconds=0.1, outbox_max_attempts=2)
    with Session(engine, expire_on_commit=False) as session:
        world = build_mail_world(session, communes=1)
        publish(session, world, invitee_ids=[])
    worker = outbox_worker(settings, engine, settings.resolved_secret_key())
    worker.start()
    try:
        await wait_until(settled(engine), what="the last attempt")
        [dead] = items(engine)
        assert (dead.status, dead.attempts) == ("dead", 2)
        assert dead.last_reply.startswith("SMTPConnectError: Error connecting to 127.0.0.1")
        server.start()
        admin_less_retry = world.secretary  # the meeting's secretary may retry its mails
        with Session(engine, expire_on_commit=False) as session:
            retried = retry_item(session, admin_less_retry, dead.id or 0)
        assert (retried.status, retried.attempts) == ("pending", 0)
        await wait_until(settled(engine), what="the retried delivery")
    finally:
        await worker.stop()
    [delivered] = items(engine)
    assert (delivered.status, delivered.attempts, delivered.message_id) == ("delivered", 1, dead.message_id)
    assert len(server.received) == 1


async def test_a_message_lost_in_flight_is_sent_again_with_the_same_message_id(
    engine: Engine, database_url: str, make_smtp_server: Callable[..., SmtpTestServer], tmp_path: Path
) -> None:
    server = make_smtp_server()
    server.drop_after_data = 1  # the server keeps the first message but the client never hears back
    settings = mail_settings(tmp_path, database_url, server.url(connections="1"), outbox_retry_base_seconds=0.1)
    with Session(engine, expire_on_commit=False) as session:
        publish(session, build_mail_world(session, communes=2), invitee_ids=[])
    worker = outbox_worker(settings, engine, settings.resolved_secret_key())
    worker.start()
    try:
        await wait_until(settled(engine))
    finally:
        await worker.stop()
    assert {i.status for i in items(engine)} == {"delivered"}
    first = items(engine)[0]
    assert first.attempts == 2
    # The one in flight arrived twice, recognisably the same message; the other once.
    assert message_ids(server) == Counter({first.message_id: 2, items(engine)[1].message_id: 1})


async def test_a_dead_workers_lease_runs_out_and_another_worker_delivers(
    engine: Engine, database_url: str, smtp_server: SmtpTestServer, smtp_url: str, tmp_path: Path
) -> None:
    settings: Settings = mail_settings(tmp_path, database_url, smtp_url)
    with Session(engine, expire_on_commit=False) as session:
        publish(session, build_mail_world(session, communes=1), invitee_ids=[])
    now = datetime.now(UTC)
    [taken] = claim_due(engine, "crashed-worker", now=now, lease=timedelta(seconds=1.5), limit=10, kinds=["mail"])
    worker = outbox_worker(settings, engine, settings.resolved_secret_key())
    worker.start()
    try:
        await wait_until(settled(engine), what="the lease to run out and the mail to go")
    finally:
        await worker.stop()
    [item] = items(engine)
    assert item.id == taken.id
    assert (item.status, item.attempts, item.claimed_by) == ("delivered", 2, None)
    assert item.delivered_at is not None and item.delivered_at >= now + timedelta(seconds=1.5)
    assert len(smtp_server.received) == 1
