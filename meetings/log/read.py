"""Reading the meeting log, in the order things happened (for the records: attendance, minutes; and for a
meeting's room made again, what the chair had set)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from meetings.log.tables import (
    AgendaTurn,
    ChatLine,
    FloorTurn,
    MeetingEvent,
    Presence,
    Recording,
    RollCall,
    Vote,
    VoteAnswer,
)


def presence(session: Session, meeting_id: int) -> list[Presence]:
    """Every media connection interval, in the order they began."""
    rows = session.exec(
        select(Presence).where(Presence.meeting_id == meeting_id).order_by(col(Presence.joined_at), col(Presence.id))
    )
    return list(rows.all())


def roll_calls(session: Session, meeting_id: int) -> list[RollCall]:
    """Each site's roll-call answer (the latest), by site."""
    rows = session.exec(select(RollCall).where(RollCall.meeting_id == meeting_id).order_by(col(RollCall.site_id)))
    return list(rows.all())


def floor_turns(session: Session, meeting_id: int) -> list[FloorTurn]:
    rows = session.exec(
        select(FloorTurn)
        .where(FloorTurn.meeting_id == meeting_id)
        .order_by(col(FloorTurn.started_at), col(FloorTurn.id))
    )
    return list(rows.all())


def agenda_turns(session: Session, meeting_id: int) -> list[AgendaTurn]:
    rows = session.exec(
        select(AgendaTurn)
        .where(AgendaTurn.meeting_id == meeting_id)
        .order_by(col(AgendaTurn.started_at), col(AgendaTurn.id))
    )
    return list(rows.all())


def options(vote: Vote) -> list[str]:
    value = json.loads(vote.options_json)
    return [str(v) for v in value] if isinstance(value, list) else []


def votes(session: Session, meeting_id: int) -> list[tuple[Vote, list[VoteAnswer], list[int]]]:
    """Each vote with its answers (in the order given) and the count per option."""
    result = []
    rows = session.exec(select(Vote).where(Vote.meeting_id == meeting_id).order_by(col(Vote.opened_at), col(Vote.id)))
    for vote in rows.all():
        answers = list(
            session.exec(
                select(VoteAnswer)
                .where(VoteAnswer.vote_id == vote.id)
                .order_by(col(VoteAnswer.answered_at), col(VoteAnswer.id))
            ).all()
        )
        counts = [0] * len(options(vote))
        for answer in answers:
            if 0 <= answer.choice < len(counts):
                counts[answer.choice] += 1
        result.append((vote, answers, counts))
    return result


def recordings(session: Session, meeting_id: int) -> list[Recording]:
    rows = session.exec(
        select(Recording)
        .where(Recording.meeting_id == meeting_id)
        .order_by(col(Recording.started_at), col(Recording.id))
    )
    return list(rows.all())


def chat(session: Session, meeting_id: int) -> list[ChatLine]:
    rows = session.exec(
        select(ChatLine).where(ChatLine.meeting_id == meeting_id).order_by(col(ChatLine.at), col(ChatLine.id))
    )
    return list(rows.all())


def events(session: Session, meeting_id: int) -> list[MeetingEvent]:
    rows = session.exec(
        select(MeetingEvent)
        .where(MeetingEvent.meeting_id == meeting_id)
        .order_by(col(MeetingEvent.at), col(MeetingEvent.id))
    )
    return list(rows.all())


@dataclass(frozen=True)
class OpenVote:
    vote: Vote
    answers: dict[str, int]  # voter -> choice, in the order given


@dataclass(frozen=True)
class RoomState:
    """What the chair had set in a meeting's room, as the log tells it: what a room made again for the meeting
    (everyone had left, or the server restarted) takes up."""

    chaired: bool = False
    agenda_item: int | None = None
    # When the current item's open turn began; None with an item: its turn ended when the room emptied and
    # begins again with the new room.
    agenda_started: datetime | None = None
    agenda_used: dict[int, float] = field(default_factory=dict)  # seconds of each item's ended turns
    vote: OpenVote | None = None
    roll_open: bool = False
    roll: tuple[RollCall, ...] = ()
    co_chairs: frozenset[str] = frozenset()
    muted: frozenset[str] = frozenset()  # participants the chair muted (a site cannot undo it by coming back)


def room_state(session: Session, meeting_id: int) -> RoomState:
    chaired, roll_open = False, False
    co_chairs: set[str] = set()
    muted: set[str] = set()
    emptied: tuple[datetime, int | None] | None = None  # the last time the room emptied, and its agenda item
    for row in events(session, meeting_id):
        detail = json.loads(row.detail_json or "{}")
        if row.kind == "mode":
            chaired = detail.get("value") == "chaired"
        elif row.kind in ("roll_call_open", "roll_call_close"):
            roll_open = row.kind == "roll_call_open"
        elif row.kind == "co_chair":
            (co_chairs.add if detail.get("value") else co_chairs.discard)(row.participant)
        elif row.kind in ("mute", "unmute"):
            (muted.add if row.kind == "mute" else muted.discard)(row.participant)
        elif row.kind == "mute_all":
            muted.update(p for p in detail.get("participants", []) if isinstance(p, str))
        elif row.kind == "room_emptied":
            item = detail.get("agenda_item")
            emptied = (row.at, item if isinstance(item, int) else None)
    turns = agenda_turns(session, meeting_id)
    used: dict[int, float] = {}
    for turn in turns:
        if turn.ended_at is not None:
            seconds = (turn.ended_at - turn.started_at).total_seconds()
            used[turn.agenda_item_id] = used.get(turn.agenda_item_id, 0.0) + seconds
    current = next((t for t in reversed(turns) if t.ended_at is None), None)
    item, started = (current.agenda_item_id, current.started_at) if current is not None else (None, None)
    if current is None and emptied is not None and not any(t.started_at > emptied[0] for t in turns):
        item = emptied[1]
    vote = None
    open_votes = [
        v
        for v in session.exec(
            select(Vote)
            .where(Vote.meeting_id == meeting_id, col(Vote.closed_at).is_(None))
            .order_by(col(Vote.opened_at), col(Vote.id))
        ).all()
    ]
    if open_votes:
        last = open_votes[-1]
        answers = session.exec(
            select(VoteAnswer)
            .where(VoteAnswer.vote_id == last.id)
            .order_by(col(VoteAnswer.answered_at), col(VoteAnswer.id))
        ).all()
        vote = OpenVote(last, {a.voter: a.choice for a in answers})
    return RoomState(
        chaired=chaired,
        agenda_item=item,
        agenda_started=started,
        agenda_used=used,
        vote=vote,
        roll_open=roll_open,
        roll=tuple(roll_calls(session, meeting_id)),
        co_chairs=frozenset(co_chairs),
        muted=frozenset(muted),
    )
