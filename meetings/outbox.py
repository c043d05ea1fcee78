"""The durable outbox: every message giaoban must get out (mail now, edXML filing packages later) is a
row here, written in the same transaction as the change that causes it, so a saved change can never
lose its message.

An item names its ``kind`` (which deliverer takes it), its ``destination`` (a mail address, an agency
code), an ``idempotency_key`` (unique: enqueueing the same message twice leaves one item) and a stable
``message_id`` (the same on every attempt, so a receiver can recognise a retry after a crash). Items for
one destination are delivered in the order they were enqueued (see ``meetings.outbox_claim``).

Life of an item::

    pending ──delivered──▶ delivered
       │  ╲──permanent failure (5xx)──▶ failed      (the server's reply is kept)
       │   ╲──temporary failure──▶ pending again after a backoff, or dead after the last attempt
       ▲
       └── a person's "retry" (failed, dead) — audited

While a worker delivers an item it holds a lease (``claimed_by``, ``lease_until``); a worker that dies
leaves the lease to run out, and the item is claimed again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Column, Field, Session, SQLModel, Text, col, select

from meetings.access import can_manage_meeting, is_administrator
from meetings.audit import record
from meetings.errors import N_, Forbidden, NotFound, RuleViolation
from meetings.meeting import Meeting
from meetings.people import Person
from meetings.types import UTCDateTime, utcnow


class OutboxStatus(StrEnum):
    PENDING = "pending"
    """Waiting for its due time, or being delivered (then it holds a lease)."""
    DELIVERED = "delivered"
    FAILED = "failed"
    """Refused for good (a 5xx reply); ``last_reply`` says why."""
    DEAD = "dead"
    """Temporary failures until the last attempt; shown to an administrator."""


FINAL_STATUSES = frozenset({OutboxStatus.DELIVERED, OutboxStatus.FAILED, OutboxStatus.DEAD})


class OutboxItem(SQLModel, table=True):
    __tablename__ = "outbox_item"
    __table_args__ = (
        Index("ix_outbox_item_status_due_at", "status", "due_at"),
        Index("ix_outbox_item_kind_destination_id", "kind", "destination", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=30)
    destination: str = Field(max_length=254)
    idempotency_key: str = Field(max_length=200, unique=True)
    message_id: str = Field(max_length=250)
    purpose: str = Field(default="", max_length=30)
    """What the message is, for people reading the log (``invitation``, ``minutes``, ...)."""
    recipient_name: str = Field(default="", max_length=200)
    recipient_ref: str = Field(default="", max_length=50)
    """Who on our side it is for (``site:3``, ``person:7``), to find them again after a change."""
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id", index=True)
    payload: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    # A plain string column (not a database enum): the claim and outcome statements compare it in SQL,
    # and the edXML packages of the records issue may add states without a type migration.
    status: str = Field(default=OutboxStatus.PENDING.value, max_length=20)
    attempts: int = 0
    max_attempts: int = 8
    due_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    claimed_by: str | None = Field(default=None, max_length=100)
    lease_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    last_attempt_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    last_code: int | None = None
    last_reply: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    delivered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))

    def data(self) -> dict[str, Any]:
        """The payload, decoded."""
        value = json.loads(self.payload)
        assert isinstance(value, dict)
        return value

    @property
    def in_flight(self) -> bool:
        return self.status == OutboxStatus.PENDING and self.claimed_by is not None


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how soon a temporary failure is tried again: ``base``, doubling, at most ``cap``."""

    max_attempts: int = 8
    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=1)

    def delay(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt (1 → ``base``)."""
        factor: int = 2 ** max(0, min(attempts - 1, 30))
        wait: timedelta = self.base * factor
        return min(self.cap, wait)


def default_message_id(key: str, domain: str) -> str:
    """``<digest@domain>`` from the idempotency key: the same key always gives the same Message-ID."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]
    return f"<{digest}@{domain}>"


# Enqueueing --------------------------------------------------------------------------------------------


def enqueue(
    session: Session,
    *,
    kind: str,
    destination: str,
    key: str,
    payload: Mapping[str, Any],
    message_id: str,
    purpose: str = "",
    recipient_name: str = "",
    recipient_ref: str = "",
    meeting_id: int | None = None,
    due_at: datetime | None = None,
    max_attempts: int = RetryPolicy.max_attempts,
    status: OutboxStatus = OutboxStatus.PENDING,
    last_reply: str = "",
) -> OutboxItem:
    """Add an item to the caller's transaction (the caller commits, together with its change).

    Idempotent: when an item with ``key`` exists already (also one another transaction is inserting
    at this moment), nothing is added and that item is returned.
    """
    values: dict[str, Any] = {
        "kind": kind,
        "destination": destination,
        "idempotency_key": key,
        "message_id": message_id,
        "purpose": purpose,
        "recipient_name": recipient_name[:200],
        "recipient_ref": recipient_ref,
        "meeting_id": meeting_id,
        "payload": json.dumps(payload, ensure_ascii=False, default=str, sort_keys=True),
        "status": str(status),
        "attempts": 0,
        "max_attempts": max_attempts,
        "due_at": due_at or utcnow(),
        "last_reply": last_reply,
        "created_at": utcnow(),
    }
    table = OutboxItem.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # ON CONFLICT DO NOTHING instead of "look, then insert": two transactions enqueueing the same key
    # (two reminder sweeps, say) cannot both insert, and neither fails.
    statement = insert(table).values(**values).on_conflict_do_nothing(index_elements=["idempotency_key"])
    session.execute(statement)
    # Tell the worker of this process, once the transaction commits (see meetings.outbox_worker).
    session.connection().info["giaoban.outbox.enqueued"] = True
    item = session.exec(select(OutboxItem).where(OutboxItem.idempotency_key == key)).one()
    return item


# Reading -----------------------------------------------------------------------------------------------


def get_item(session: Session, item_id: int) -> OutboxItem:
    item = session.get(OutboxItem, item_id)
    if item is None:
        raise NotFound(N_("Không tìm thấy thư/gói tin (mã %(id)s)."), id=item_id)
    return item


def items_for_meeting(session: Session, meeting_id: int) -> list[OutboxItem]:
    """Every item a meeting caused, oldest first: the meeting's mail log."""
    query = select(OutboxItem).where(OutboxItem.meeting_id == meeting_id).order_by(col(OutboxItem.id))
    return list(session.exec(query).all())


def problem_items(session: Session, *, limit: int = 200) -> list[OutboxItem]:
    """Dead and failed items, newest first: what an administrator must look at."""
    query = (
        select(OutboxItem)
        .where(col(OutboxItem.status).in_([OutboxStatus.DEAD.value, OutboxStatus.FAILED.value]))
        .order_by(col(OutboxItem.id).desc())
        .limit(limit)
    )
    return list(session.exec(query).all())


def waiting_items(session: Session, *, now: datetime, limit: int = 200) -> list[OutboxItem]:
    """Pending items that have failed at least once (waiting for their next attempt), or are overdue."""
    query = (
        select(OutboxItem)
        .where(OutboxItem.status == OutboxStatus.PENDING.value)
        .where((col(OutboxItem.attempts) > 0) | (col(OutboxItem.due_at) < now - timedelta(minutes=5)))
        .order_by(col(OutboxItem.due_at))
        .limit(limit)
    )
    return list(session.exec(query).all())


def status_counts(session: Session) -> dict[OutboxStatus, int]:
    rows = session.exec(select(OutboxItem.status, func.count()).group_by(col(OutboxItem.status))).all()
    counts = dict.fromkeys(OutboxStatus, 0)
    for status, count in rows:
        counts[OutboxStatus(status)] = count
    return counts


# A person's actions --------------------------------------------------------------------------------------


def require_outbox_access(session: Session, actor: Person, item: OutboxItem) -> None:
    """Administrators may act on every item; the chair and secretary on their meeting's items."""
    if is_administrator(actor):
        return
    meeting = session.get(Meeting, item.meeting_id) if item.meeting_id is not None else None
    if meeting is None or not can_manage_meeting(actor, meeting):
        raise Forbidden(N_("Bạn không có quyền gửi lại thư này."))


def retry_item(session: Session, actor: Person, item_id: int, *, now: datetime | None = None) -> OutboxItem:
    """Send a failed or dead item again, from its first attempt; the same Message-ID is kept, since the
    receiver never took it."""
    item = get_item(session, item_id)
    require_outbox_access(session, actor, item)
    if item.status not in (OutboxStatus.FAILED, OutboxStatus.DEAD):
        raise RuleViolation(N_("Chỉ gửi lại được thư đã thất bại hoặc đã ngừng thử."), field="status")
    if not item.destination:
        raise RuleViolation(N_("Thư này chưa có địa chỉ người nhận; hãy cập nhật danh bạ rồi gửi lại."))
    previous = item.status
    item.status = OutboxStatus.PENDING.value
    item.attempts = 0
    item.due_at = now or utcnow()
    item.claimed_by = None
    item.lease_until = None
    session.add(item)
    record(session, actor.id, "retry", "outbox_item", item.id, previous=previous, destination=item.destination)
    session.connection().info["giaoban.outbox.enqueued"] = True
    session.commit()
    return item
