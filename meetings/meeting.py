"""Meetings and what belongs to them: invited sites and people, agenda items, documents."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlmodel import Column, Field, SQLModel, Text, UniqueConstraint

from meetings.types import UTCDateTime, utcnow


class MeetingKind(StrEnum):
    """The five kinds of Decision 45/2018/QĐ-TTg."""

    ADVISORY = "advisory"  # tham mưu, tư vấn
    RESOLUTION = "resolution"  # giải quyết công việc
    PROFESSIONAL = "professional"  # chuyên môn
    BRIEFING = "briefing"  # giao ban
    REVIEW = "review"  # sơ kết, tổng kết


class MeetingState(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    LIVE = "live"
    ENDED = "ended"
    MINUTES_APPROVED = "minutes_approved"
    FILED = "filed"
    CANCELLED = "cancelled"


def _new_uid() -> str:
    return f"{uuid.uuid4()}@giaoban"


class Meeting(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(default_factory=_new_uid, max_length=80, unique=True)
    title: str = Field(max_length=300)
    kind: MeetingKind = Field(max_length=20)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    preparation: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    place: str = Field(default="", max_length=300)
    urgent: bool = False
    urgent_reason: str = Field(default="", max_length=500)
    confidential: bool = False
    # The chair's decision to record a confidential meeting anyway (Decision 45/2018 practice).
    record_confidential: bool = False
    start_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    end_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    convening_unit_id: int = Field(foreign_key="unit.id", index=True)
    chair_id: int = Field(foreign_key="person.id", index=True)
    secretary_id: int | None = Field(default=None, foreign_key="person.id")
    contact_id: int | None = Field(default=None, foreign_key="person.id")
    state: MeetingState = Field(default=MeetingState.DRAFT, max_length=20, index=True)
    # Raised on every change after publishing: the iCalendar SEQUENCE.
    sequence: int = 0
    last_n: int = 8
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    published_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    cancelled_reason: str = Field(default="", max_length=500)


class MeetingSite(SQLModel, table=True):
    """A site invited to a meeting."""

    __tablename__ = "meeting_site"
    __table_args__ = (UniqueConstraint("meeting_id", "site_id"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    site_id: int = Field(foreign_key="site.id", index=True)


class MeetingInvitee(SQLModel, table=True):
    """A person invited by name."""

    __tablename__ = "meeting_invitee"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)


class AgendaItem(SQLModel, table=True):
    __tablename__ = "agenda_item"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    position: int = 0
    title: str = Field(max_length=300)
    presenter: str = Field(default="", max_length=200)
    planned_minutes: int = 10


class Document(SQLModel, table=True):
    """A file attached to a meeting; the bytes live in the data folder, named by their hash."""

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    uploaded_by_id: int | None = Field(default=None, foreign_key="person.id")
    uploaded_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    # When the document went out by mail to those invited: with the invitation or an update, or in a
    # documents mail of its own (meetings.document_mail). Never for a confidential meeting's documents.
    mailed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
