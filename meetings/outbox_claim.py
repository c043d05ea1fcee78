"""Claiming due outbox items with a lease, and recording what became of each.

A worker claims a batch in one statement: pending items that are due, whose lease (if any) has run out,
and that are the oldest pending item of their destination — so a destination's items go out one after
the other in the order they were enqueued, and a destination waiting for a retry holds its later items
back. Claiming sets ``claimed_by``, ``lease_until`` and counts the attempt.

- PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED`` then ``UPDATE``, in one transaction: concurrent
  workers skip each other's rows instead of waiting for them.
- SQLite: one ``UPDATE … WHERE id IN (SELECT …) RETURNING id``. A writing statement takes the database's
  write lock before it reads, so two workers (threads or processes) run it one after the other and the
  second sees the first one's leases.

Every function here opens its own short transaction on the engine: the worker calls them from a thread,
and holding no transaction between them keeps SQLite's single writer free for the web requests.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Table, exists, literal, or_, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col
from sqlmodel import select as sm_select

from meetings.outbox import OutboxItem, OutboxStatus, RetryPolicy

_TABLE: Table = OutboxItem.__table__  # type: ignore[attr-defined]
_MAX_REPLY = 4000


class Result(StrEnum):
    DELIVERED = "delivered"
    TEMPORARY = "temporary"
    """Worth another try later: 4xx, refused connection, timeout."""
    PERMANENT = "permanent"
    """Will not get better by retrying: 5xx."""


@dataclass(frozen=True)
class Outcome:
    """What a deliverer reports for one item."""

    result: Result
    code: int | None = None
    reply: str = ""


def _candidates(now: datetime, limit: int, kinds: Collection[str]) -> Any:
    item = _TABLE.alias("item")
    earlier = _TABLE.alias("earlier")
    pending = OutboxStatus.PENDING.value
    blocked = exists(
        select(literal(1))
        .select_from(earlier)
        .where(
            earlier.c.kind == item.c.kind,
            earlier.c.destination == item.c.destination,
            earlier.c.status == pending,
            earlier.c.id < item.c.id,
        )
    )
    query = (
        select(item.c.id)
        .where(
            item.c.status == pending,
            item.c.due_at <= now,
            or_(item.c.lease_until.is_(None), item.c.lease_until <= now),
            item.c.kind.in_(sorted(kinds)),
            ~blocked,
        )
        .order_by(item.c.id)
        .limit(limit)
    )
    return query, item


def claim_due(
    engine: Engine, worker: str, *, now: datetime, lease: timedelta, limit: int, kinds: Collection[str]
) -> list[OutboxItem]:
    """Claim up to ``limit`` due items of ``kinds`` for ``worker`` until ``now + lease``; oldest first."""
    if not kinds or limit <= 0:
        return []
    query, item = _candidates(now, limit, kinds)
    values = {
        "claimed_by": worker,
        "lease_until": now + lease,
        "attempts": _TABLE.c.attempts + 1,
        "last_attempt_at": now,
    }
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            ids = list(conn.execute(query.with_for_update(skip_locked=True, of=item)).scalars())
            if ids:
                conn.execute(update(_TABLE).where(_TABLE.c.id.in_(ids)).values(**values))
        else:
            statement = (
                update(_TABLE).where(_TABLE.c.id.in_(query.scalar_subquery())).values(**values).returning(_TABLE.c.id)
            )
            ids = list(conn.execute(statement).scalars())
    if not ids:
        return []
    with Session(engine, expire_on_commit=False) as session:
        return list(session.exec(sm_select(OutboxItem).where(col(OutboxItem.id).in_(ids)).order_by(col(OutboxItem.id))))


def record_outcome(
    engine: Engine,
    item: OutboxItem,
    worker: str,
    outcome: Outcome,
    *,
    now: datetime,
    policy: RetryPolicy,
) -> OutboxStatus | None:
    """Write the outcome of ``worker``'s attempt at ``item`` (as claimed, with its attempt counted).

    A temporary failure at the last attempt (the smaller of the item's and the policy's limit) makes the
    item dead; before that it waits ``policy.delay(attempts)``.

    A delivery is always recorded, even when the lease ran out meanwhile (the mail is out, whoever holds
    the item now). A failure only counts while ``worker`` still holds the lease; otherwise nothing is
    written and None is returned.
    """
    values: dict[str, Any] = {
        "claimed_by": None,
        "lease_until": None,
        "last_code": outcome.code,
        "last_reply": outcome.reply[:_MAX_REPLY],
    }
    if outcome.result is Result.DELIVERED:
        status = OutboxStatus.DELIVERED
        values["delivered_at"] = now
    elif outcome.result is Result.PERMANENT:
        status = OutboxStatus.FAILED
    elif item.attempts >= min(item.max_attempts, policy.max_attempts):
        status = OutboxStatus.DEAD
    else:
        status = OutboxStatus.PENDING
        values["due_at"] = now + policy.delay(item.attempts)
    values["status"] = status.value
    condition = [_TABLE.c.id == item.id, _TABLE.c.status == OutboxStatus.PENDING.value]
    if status is not OutboxStatus.DELIVERED:
        condition.append(_TABLE.c.claimed_by == worker)
    with engine.begin() as conn:
        changed = conn.execute(update(_TABLE).where(*condition).values(**values)).rowcount
    return status if changed else None


def release(engine: Engine, worker: str) -> int:
    """Give back ``worker``'s leases (an orderly stop), so another worker need not wait for them to run
    out. Returns how many items were released."""
    statement = (
        update(_TABLE)
        .where(_TABLE.c.claimed_by == worker, _TABLE.c.status == OutboxStatus.PENDING.value)
        .values(claimed_by=None, lease_until=None)
    )
    with engine.begin() as conn:
        return conn.execute(statement).rowcount
