"""Reading the meeting log, in the order things happened (for the records: attendance, minutes)."""

from __future__ import annotations

import json

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
