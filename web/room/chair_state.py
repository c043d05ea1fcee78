"""What the chair's console works with, kept on each meeting's room: the meeting's facts read from the
database when the room is made (the chair, the invited sites, the agenda), and what the controllers have set
(co-chairs, mutes, the agenda item, the roll call, the open vote). Plain data: the actions are in
``web.room.floor``, ``web.room.votes``, ``web.room.roll_call``; the console message in ``web.room.console``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from meetings.drafts import agenda_of
from meetings.log import read
from meetings.meeting import Meeting, MeetingInvitee
from meetings.people import Person
from meetings.rooms import Seat, invited_sites


@dataclass(frozen=True)
class AgendaEntry:
    id: int
    title: str
    presenter: str
    planned_minutes: int


@dataclass(frozen=True)
class InvitedSite:
    id: int
    name: str
    people: tuple[str, ...]  # the people invited by name from the site's unit
    unit_id: int | None = None


@dataclass(frozen=True)
class MeetingFacts:
    """What the console needs from the database, read once when the room is made."""

    chair_person_id: int
    sites: tuple[InvitedSite, ...]
    agenda: tuple[AgendaEntry, ...]
    confidential: bool

    def site(self, site_id: int) -> InvitedSite | None:
        return next((s for s in self.sites if s.id == site_id), None)

    def item(self, item_id: int) -> AgendaEntry | None:
        return next((a for a in self.agenda if a.id == item_id), None)


def load_facts(session: Session, meeting_id: int) -> MeetingFacts | None:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        return None
    invitees = session.exec(
        select(Person)
        .join(MeetingInvitee, col(MeetingInvitee.person_id) == col(Person.id))
        .where(MeetingInvitee.meeting_id == meeting_id)
        .order_by(col(MeetingInvitee.id))
    ).all()
    sites = tuple(
        InvitedSite(s.id or 0, s.name, tuple(p.full_name for p in invitees if p.unit_id == s.unit_id), s.unit_id)
        for s in invited_sites(session, meeting_id)
    )
    agenda = tuple(
        AgendaEntry(a.id or 0, a.title, a.presenter, a.planned_minutes) for a in agenda_of(session, meeting_id)
    )
    return MeetingFacts(meeting.chair_id, sites, agenda, meeting.confidential)


@dataclass
class OpenVote:
    id: int
    question: str
    options: list[str]
    per: str  # site | person
    answers: dict[str, int] = field(default_factory=dict)  # voter -> choice, in the order given

    def counts(self) -> list[int]:
        counts = [0] * len(self.options)
        for choice in self.answers.values():
            counts[choice] += 1
        return counts

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "question": self.question, "options": self.options, "per": self.per}


@dataclass
class ChairState:
    """What the controllers have set in a meeting's room. Rehearsal rooms have no facts and no controllers."""

    facts: MeetingFacts | None = None
    co_chairs: set[str] = field(default_factory=set)
    muted: set[str] = field(default_factory=set)
    agenda_item: int | None = None
    agenda_started: datetime | None = None
    agenda_used: dict[int, float] = field(default_factory=dict)  # seconds of earlier turns, per item
    roll_open: bool = False
    roll: dict[int, dict[str, Any]] = field(default_factory=dict)  # site id -> the answer shown
    vote: OpenVote | None = None
    sent: dict[str, dict[str, Any]] = field(default_factory=dict)  # the last console message per controller
    pending: asyncio.Handle | None = None

    def take_up(self, saved: read.RoomState, now: datetime) -> bool:
        """Set what the chair had set before this room was made (the log's ``room_state``): the current agenda
        item with the time it has had, an open vote with the answers given, the roll call, the co-chairs, the
        mutes. True when the agenda item's turn begins again now (the caller logs it)."""
        self.co_chairs = set(saved.co_chairs)
        self.muted = set(saved.muted)
        self.agenda_used = dict(saved.agenda_used)
        self.agenda_item = saved.agenda_item
        if saved.agenda_item is not None and (self.facts is None or self.facts.item(saved.agenda_item) is None):
            self.agenda_item = None  # taken off the agenda meanwhile
        self.agenda_started = (saved.agenda_started or now) if self.agenda_item is not None else None
        self.roll_open = saved.roll_open
        self.roll = {
            r.site_id: {"status": r.status, "headcount": r.headcount, "reason": r.reason, "corrected": r.corrected}
            for r in saved.roll
        }
        if saved.vote is not None and saved.vote.vote.id is not None:
            row = saved.vote.vote
            self.vote = OpenVote(row.id or 0, row.question, read.options(row), row.per, dict(saved.vote.answers))
        return self.agenda_item is not None and saved.agenda_started is None

    def is_chair(self, seat: Seat) -> bool:
        """The presiding chair (names co-chairs)."""
        return self.facts is not None and seat.person_id is not None and seat.person_id == self.facts.chair_person_id

    def is_controller(self, seat: Seat) -> bool:
        return self.facts is not None and (self.is_chair(seat) or seat.participant in self.co_chairs)

    def agenda(self) -> dict[str, Any] | None:
        item = self.facts.item(self.agenda_item) if self.facts is not None and self.agenda_item else None
        if item is None or self.agenda_started is None:
            return None
        return {
            "id": item.id,
            "title": item.title,
            "presenter": item.presenter,
            "planned_minutes": item.planned_minutes,
            "started_at": self.agenda_started.isoformat(timespec="seconds"),
            # Time used by earlier turns of this item; the client adds the time since started_at.
            "used_seconds": round(self.agenda_used.get(item.id, 0.0)),
        }
