"""The outbox table on a real database (SQLite and PostgreSQL): idempotent enqueueing, claims with a lease,
order per destination, outcomes, backoff and dead letters."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from meetings.outbox import OutboxItem, OutboxStatus, RetryPolicy, enqueue
from meetings.outbox_claim import Outcome, Result, claim_due, record_outcome, release

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)
POLICY = RetryPolicy(max_attempts=3, base=timedelta(seconds=30), cap=timedelta(minutes=10))


def put(session: Session, key: str, destination: str, *, kind: str = "mail", due: datetime = T0) -> OutboxItem:
    item = enqueue(
        session,
        kind=kind,
        destination=destination,
        key=key,
        payload={"n": key},
        message_id=f"<{key}@x.vn>",
        due_at=due,
        max_attempts=POLICY.max_attempts,
    )
    session.commit()
    return item


def claim(engine: Engine, worker: str = "w1", now: datetime = T0, limit: int = 50) -> list[str]:
    return [i.idempotency_key for i in claim_due(engine, worker, now=now, lease=LEASE, limit=limit, kinds=["mail"])]


def item(session: Session, key: str) -> OutboxItem:
    session.expire_all()
    return session.exec(select(OutboxItem).where(OutboxItem.idempotency_key == key)).one()


def test_the_same_key_twice_is_one_item(session: Session) -> None:
    first = put(session, "k1", "a@x.vn")
    again = enqueue(
        session, kind="mail", destination="other@x.vn", key="k1", payload={"n": 2}, message_id="<other@x.vn>"
    )
    session.commit()
    assert again.id == first.id
    assert again.destination == "a@x.vn"
    assert len(session.exec(select(OutboxItem)).all()) == 1


def test_a_rolled_back_change_leaves_no_item(session: Session) -> None:
    enqueue(session, kind="mail", destination="a@x.vn", key="k1", payload={}, message_id="<k1@x.vn>")
    session.rollback()
    assert session.exec(select(OutboxItem)).all() == []


def test_only_the_oldest_item_of_a_destination_is_claimed(engine: Engine, session: Session) -> None:
    put(session, "a1", "a@x.vn")
    put(session, "b1", "b@x.vn")
    put(session, "a2", "a@x.vn")
    put(session, "c1", "c@x.vn", due=T0 + timedelta(hours=1))  # not due yet
    put(session, "a3", "a@x.vn")

    assert claim(engine) == ["a1", "b1"]
    assert claim(engine, "w2") == []  # a2 waits for a1, which w1 holds

    record_outcome(engine, item(session, "a1"), "w1", Outcome(Result.DELIVERED, 250, "ok"), now=T0, policy=POLICY)
    assert claim(engine, "w2") == ["a2"]


def test_a_destination_waiting_for_a_retry_holds_its_later_items(engine: Engine, session: Session) -> None:
    put(session, "a1", "a@x.vn")
    put(session, "a2", "a@x.vn")
    claim(engine)
    status = record_outcome(
        engine, item(session, "a1"), "w1", Outcome(Result.TEMPORARY, 451, "try later"), now=T0, policy=POLICY
    )
    assert status is OutboxStatus.PENDING
    assert claim(engine, now=T0 + timedelta(seconds=10)) == []
    # After the backoff the first item goes again, before the second.
    assert claim(engine, now=T0 + timedelta(seconds=31)) == ["a1"]


def test_permanent_failure_keeps_the_reply_and_frees_the_destination(engine: Engine, session: Session) -> None:
    put(session, "a1", "a@x.vn")
    put(session, "a2", "a@x.vn")
    claim(engine)
    outcome = Outcome(Result.PERMANENT, 550, "5.1.1 <a@x.vn>: Recipient address rejected")
    assert record_outcome(engine, item(session, "a1"), "w1", outcome, now=T0, policy=POLICY) is OutboxStatus.FAILED
    failed = item(session, "a1")
    assert (failed.status, failed.last_code, failed.last_reply) == (
        "failed",
        550,
        "5.1.1 <a@x.vn>: Recipient address rejected",
    )
    assert failed.claimed_by is None and failed.lease_until is None
    assert claim(engine) == ["a2"]


def test_backoff_doubles_and_the_last_attempt_makes_it_dead(engine: Engine, session: Session) -> None:
    put(session, "a1", "a@x.vn")
    temporary = Outcome(Result.TEMPORARY, None, "ConnectionRefusedError: [Errno 111] Connection refused")
    now = T0
    dues = []
    for _ in range(2):
        assert claim(engine, now=now) == ["a1"]
        assert record_outcome(engine, item(session, "a1"), "w1", temporary, now=now, policy=POLICY) == "pending"
        due = item(session, "a1").due_at
        dues.append(due - now)
        now = due
    assert dues == [timedelta(seconds=30), timedelta(seconds=60)]
    assert claim(engine, now=now) == ["a1"]
    assert record_outcome(engine, item(session, "a1"), "w1", temporary, now=now, policy=POLICY) == "dead"
    dead = item(session, "a1")
    assert (dead.status, dead.attempts, dead.last_reply) == ("dead", 3, temporary.reply)
    assert claim(engine, now=now + timedelta(days=1)) == []


def test_backoff_is_capped() -> None:
    assert POLICY.delay(1) == timedelta(seconds=30)
    assert POLICY.delay(4) == timedelta(minutes=4)
    assert POLICY.delay(5) == timedelta(minutes=8)
    assert POLICY.delay(6) == timedelta(minutes=10)
    assert POLICY.delay(60) == timedelta(minutes=10)


def test_an_expired_lease_is_claimed_again(engine: Engine, session: Session) -> None:
    put(session, "a1", "a@x.vn")
    assert claim(engine, "crashed") == ["a1"]
    assert claim(engine, "w2", now=T0 + LEASE - timedelta(seconds=1)) == []
    assert claim(engine, "w2", now=T0 + LEASE) == ["a1"]
    taken = item(session, "a1")
    assert (taken.claimed_by, taken.attempts) == ("w2", 2)
    # The crashed worker's late failure report does not count any more ...
    late = Outcome(Result.TEMPORARY, None, "late")
    assert record_outcome(engine, taken, "crashed", late, now=T0 + LEASE, policy=POLICY) is None
    assert item(session, "a1").claimed_by == "w2"
    # ... but a delivery is never forgotten, whoever reports it.
    delivered = Outcome(Result.DELIVERED, 250, "queued")
    assert record_outcome(engine, taken, "crashed", delivered, now=T0 + LEASE, policy=POLICY) == "delivered"


def test_release_gives_leases_back(engine: Engine, session: Session) -> None:
    put(session, "a1", "a@x.vn")
    put(session, "b1", "b@x.vn")
    claim(engine)
    assert release(engine, "w1") == 2
    assert claim(engine, "w2") == ["a1", "b1"]


def test_kinds_are_separate_queues(engine: Engine, session: Session) -> None:
    put(session, "m1", "000.00.12.H49", kind="edxml")
    put(session, "a1", "a@x.vn")
    assert claim(engine) == ["a1"]
    edxml = claim_due(engine, "w1", now=T0, lease=LEASE, limit=10, kinds=["edxml"])
    assert [i.idempotency_key for i in edxml] == ["m1"]


def test_concurrent_workers_never_claim_the_same_item(engine: Engine, session: Session) -> None:
    for n in range(60):
        put(session, f"k{n:02d}", f"r{n % 20}@x.vn")
    claimed: dict[str, list[str]] = {}
    start = threading.Barrier(4)

    def work(name: str) -> None:
        start.wait()
        mine: list[str] = []
        for _ in range(10):
            got = claim_due(engine, name, now=T0, lease=LEASE, limit=7, kinds=["mail"])
            for it in got:
                mine.append(it.idempotency_key)
                record_outcome(engine, it, name, Outcome(Result.DELIVERED), now=T0, policy=POLICY)
        claimed[name] = mine

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    everything = [key for keys in claimed.values() for key in keys]
    assert sorted(everything) == [f"k{n:02d}" for n in range(60)]  # each exactly once
    statuses = {i.status for i in session.exec(select(OutboxItem)).all()}
    assert statuses == {"delivered"}
