"""The service killed while sending (``kill -9`` of ``giaoban outbox run`` in the middle of a batch) and
started again: nothing is lost, and nothing is sent twice except the one message that was in flight."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from mailer.testserver import SmtpTestServer
from tests.outbox.world import DOMAIN, build_mail_world, items, publish

GIAOBAN = Path(sys.executable).parent / "giaoban"


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([str(GIAOBAN), "outbox", "run"], env=env, stdout=out, stderr=subprocess.STDOUT)


@pytest.mark.slow
def test_killed_while_sending_then_started_again(
    engine: Engine, database_url: str, make_smtp_server: Callable[..., SmtpTestServer], tmp_path: Path
) -> None:
    # 50 ms per answer: a message takes ~200 ms on the reused connection, so the kill lands mid-batch.
    server = make_smtp_server(delay=0.05)
    with Session(engine, expire_on_commit=False) as session:
        publish(session, build_mail_world(session, communes=10), invitee_ids=[])
    expected = {i.message_id for i in items(engine)}
    assert len(expected) == 10
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "GIAOBAN_ENVIRONMENT": "test",
        "GIAOBAN_DATA_DIR": str(tmp_path / "data"),
        "GIAOBAN_DATABASE_URL": database_url,
        "GIAOBAN_SECRET_KEY": "s" * 40,
        "GIAOBAN_MAIL_FROM": f"giaoban@{DOMAIN}",
        # One connection: at most one message is in flight when the process dies.
        "GIAOBAN_SMTP_URL": server.url(connections="1"),
        "GIAOBAN_OUTBOX_LEASE_SECONDS": "2",
        "GIAOBAN_OUTBOX_POLL_SECONDS": "0.2",
        "GIAOBAN_MAIL_REMINDER_MINUTES": "[]",
    }
    log = tmp_path / "worker.log"

    first = start_worker(env, log)
    try:
        server.wait_for(4, timeout=60)
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    at_kill = len(server.received)
    assert at_kill < 10, "the batch finished before the kill; the test proves nothing"
    states = Counter(i.status for i in items(engine))
    assert states["pending"] >= 1  # claimed by the dead process, waiting for its lease to run out

    second = start_worker(env, log)
    try:
        deadline = time.monotonic() + 60
        while any(i.status == "pending" for i in items(engine)):
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=20) == 0, log.read_text()

    assert {i.status for i in items(engine)} == {"delivered"}
    received = Counter(str(m.message["Message-ID"]) for m in server.received)
    assert set(received) == expected  # nothing lost
    repeated = {message_id: n for message_id, n in received.items() if n > 1}
    assert len(repeated) <= 1 and all(n == 2 for n in repeated.values()), repeated  # only the one in flight
