"""The tables of the minutes and the conclusion notice.

The minutes' text is kept as JSON (:mod:`meetings.minutes.content`): the secretary's content per agenda
item, the chair's conclusions, a free note on attendance. ``version`` rises by one with every save that
changes the text; a save names the version it was based on and is refused when that is no longer the
current one (see :mod:`meetings.minutes.editing`). ``minutes_version`` keeps the history, one row per author
and minute of typing.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Column, Date, Field, SQLModel, Text, UniqueConstraint

from meetings.types import UTCDateTime, utcnow


class MinutesState(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    """Approved and numbered: frozen. The PDF may still be on its way (see ``document_id``)."""


class MinutesRecord(SQLModel, table=True):
    """The minutes of one meeting."""

    __tablename__ = "minutes"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", unique=True)
    version: int = 0
    content_json: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    state: str = Field(default=MinutesState.DRAFT.value, max_length=20)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_by_id: int | None = Field(default=None, foreign_key="person.id")
    approved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    approved_by_id: int | None = Field(default=None, foreign_key="person.id")
    # The facts (attendance, speakers, votes…) as they were at approval, so the PDF never changes after.
    facts_json: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    issued_number_id: int | None = Field(default=None, foreign_key="issued_number.id")
    document_id: int | None = Field(default=None, foreign_key="document.id")
    """The signed PDF, once made: the approval is complete."""


class MinutesVersion(SQLModel, table=True):
    """A version of the minutes' text in the history. Rapid saves by one author coalesce into one row."""

    __tablename__ = "minutes_version"
    __table_args__ = (UniqueConstraint("minutes_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    minutes_id: int = Field(foreign_key="minutes.id", index=True)
    version: int
    """The minutes' version this text became (the last save coalesced into the row)."""
    author_id: int | None = Field(default=None, foreign_key="person.id")
    content_json: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    saved_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class ConclusionState(StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    """Numbered; complete once ``document_id`` is set."""


class ConclusionRecord(SQLModel, table=True):
    """The conclusion notice of one meeting: asked for, drafted, issued, with its deadline."""

    __tablename__ = "conclusion_notice"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", unique=True)
    version: int = 0
    content_json: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    state: str = Field(default=ConclusionState.DRAFT.value, max_length=20)
    due_on: date = Field(sa_column=Column(Date(), nullable=False, index=True))
    """The last day to issue it: 5 working days after the meeting (Decision 45/2018)."""
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_by_id: int | None = Field(default=None, foreign_key="person.id")
    issued_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    issued_by_id: int | None = Field(default=None, foreign_key="person.id")
    issued_number_id: int | None = Field(default=None, foreign_key="issued_number.id")
    document_id: int | None = Field(default=None, foreign_key="document.id")
