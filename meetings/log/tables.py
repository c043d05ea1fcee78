"""The meeting log (issue 6): what happened in a meeting's room, kept for the records (attendance, minutes).

One row per fact, written while the meeting runs by ``meetings.log.write``: who was connected from when to
when, the roll call, who held the floor under which agenda item, the agenda items' turns, votes and their
answers, chat, recordings, and the chair's other actions. Intervals still open have ``ended_at`` (``left_at``)
None; they are closed when the meeting ends.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Column, Field, SQLModel, Text, UniqueConstraint

from meetings.types import UTCDateTime, utcnow

PRESENCE_REASONS = frozenset({"left", "lost", "replaced", "ended"})
ROLL_CALL_STATUSES = frozenset({"online", "in_person", "absent"})
VOTE_PER = frozenset({"site", "person"})
RECORDING_STATUSES = frozenset({"recording", "done", "failed"})


class Presence(SQLModel, table=True):
    """One media connection interval of a participant (a site, or a person sitting as themselves)."""

    __tablename__ = "meeting_presence"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    participant: str = Field(max_length=64)
    site_id: int | None = Field(default=None, foreign_key="site.id")
    person_id: int | None = Field(default=None, foreign_key="person.id")
    label: str = Field(max_length=300)
    joined_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    left_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    # left | lost | replaced | ended; "" while present.
    left_reason: str = Field(default="", max_length=20)


class RollCall(SQLModel, table=True):
    """A site's answer to the roll call (điểm danh); the latest answer, or the chair's correction, wins."""

    __tablename__ = "roll_call"
    __table_args__ = (UniqueConstraint("meeting_id", "site_id"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    site_id: int = Field(foreign_key="site.id")
    status: str = Field(max_length=20)  # online | in_person | absent
    headcount: int | None = None
    reason: str = Field(default="", max_length=500)
    answered_by_id: int | None = Field(default=None, foreign_key="person.id")
    corrected: bool = False  # set by the chair
    answered_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class AgendaTurn(SQLModel, table=True):
    """An agenda item being the current one, from when to when."""

    __tablename__ = "agenda_turn"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    agenda_item_id: int = Field(foreign_key="agenda_item.id")
    started_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class FloorTurn(SQLModel, table=True):
    """A participant holding the floor (given by the chair), from when to when, under which agenda item."""

    __tablename__ = "floor_turn"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    participant: str = Field(max_length=64)
    site_id: int | None = Field(default=None, foreign_key="site.id")
    person_id: int | None = Field(default=None, foreign_key="person.id")
    label: str = Field(max_length=300)
    agenda_item_id: int | None = Field(default=None, foreign_key="agenda_item.id")
    started_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    given_by_id: int | None = Field(default=None, foreign_key="person.id")


class Vote(SQLModel, table=True):
    """A vote (biểu quyết) the chair put: a question with options, answered per site or per named person."""

    __tablename__ = "vote"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    agenda_item_id: int | None = Field(default=None, foreign_key="agenda_item.id")
    question: str = Field(max_length=500)
    options_json: str = Field(sa_column=Column(Text, nullable=False))  # JSON list of the options' labels
    per: str = Field(max_length=10)  # site | person
    opened_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    opened_by_id: int | None = Field(default=None, foreign_key="person.id")


class VoteAnswer(SQLModel, table=True):
    """One voter's answer: each voter answers once."""

    __tablename__ = "vote_answer"
    __table_args__ = (UniqueConstraint("vote_id", "voter"),)

    id: int | None = Field(default=None, primary_key=True)
    vote_id: int = Field(foreign_key="vote.id", index=True)
    voter: str = Field(max_length=64)  # the participant id
    site_id: int | None = Field(default=None, foreign_key="site.id")
    person_id: int | None = Field(default=None, foreign_key="person.id")
    label: str = Field(max_length=300)
    choice: int  # index into the vote's options
    answered_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class ChatLine(SQLModel, table=True):
    __tablename__ = "chat_line"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    participant: str = Field(max_length=64)
    label: str = Field(max_length=300)
    text: str = Field(sa_column=Column(Text, nullable=False))
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class Recording(SQLModel, table=True):
    """A recording of the meeting: a file in the data folder (written by the recorder process)."""

    __tablename__ = "recording"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    filename: str = Field(max_length=255)  # relative to the data folder
    started_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    size_bytes: int | None = None
    duration_s: float | None = None
    status: str = Field(default="recording", max_length=20)  # recording | done | failed
    started_by_id: int | None = Field(default=None, foreign_key="person.id")
    confidential_override: bool = False


class MeetingEvent(SQLModel, table=True):
    """Any other thing the chair did, or that happened to the room (mute, mode, co_chair, ended…)."""

    __tablename__ = "meeting_event"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    kind: str = Field(max_length=40)
    actor_id: int | None = Field(default=None, foreign_key="person.id")
    participant: str = Field(default="", max_length=64)
    detail_json: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
