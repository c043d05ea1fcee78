"""The audit log: who created, changed, published or cancelled what, and when."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlmodel import Column, Field, Session, SQLModel, Text

from meetings.types import UTCDateTime, utcnow


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True))
    actor_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    action: str = Field(max_length=50)
    object_type: str = Field(max_length=50)
    object_id: int | None = None
    detail: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))


def record(
    session: Session,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: int | None,
    **detail: Any,
) -> AuditEntry:
    """Add an audit entry to the session; it commits with the change it describes."""
    entry = AuditEntry(
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=json.dumps(detail, ensure_ascii=False, default=str),
    )
    session.add(entry)
    return entry
