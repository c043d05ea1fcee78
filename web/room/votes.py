"""Votes (biểu quyết): the chair asks a question with options; each site (or each named person) answers once.
Results are live for the controllers (in the console) and shown to everyone when the vote is closed.

One vote is open at a time. The answer is checked here, in memory, before it is logged, so a second answer is
refused at once and the log never sees it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from meetings.log import write
from meetings.log.write import Who
from meetings.rooms import person_participant, site_participant
from web.room.chair_state import OpenVote
from web.room.console import console_changed, hidden
from web.room.protocol import ProtocolError

if TYPE_CHECKING:
    from web.room.participant import Participant
    from web.room.room_view import RoomView


def _now() -> datetime:
    return datetime.now(UTC)


async def open_vote(room: RoomView, actor: Participant, question: str, options: list[str], per: str) -> None:
    state = room.chairing
    if state.vote is not None:
        raise ProtocolError("vote_open")
    if room.journal is None:
        raise ProtocolError("not_chair")
    question, options = " ".join(question.split()), [" ".join(o.split()) for o in options]
    if not question or not all(options) or len(set(options)) != len(options):
        raise ProtocolError("bad_vote")
    row = await room.journal.call(
        write.vote_opened,
        question=question,
        options=options,
        per=per,
        agenda_item_id=state.agenda_item,
        opened_by_id=actor.seat.person_id,
        at=_now(),
    )
    assert row.id is not None
    if state.vote is not None:  # another controller opened one while this was written
        room.journal.add(write.vote_closed, row.id, _now())
        raise ProtocolError("vote_open")
    state.vote = OpenVote(row.id, question, options, per)
    room.broadcast({"type": "vote_opened", "vote": state.vote.public()})
    console_changed(room)


def voter(participant: Participant, per: str) -> str:
    """Who answers: the site (per site) or the named person (per person); ProtocolError when neither."""
    seat = participant.seat
    if hidden(participant):
        raise ProtocolError("not_voter")
    if per == "site" and seat.site_id is not None:
        return site_participant(seat.site_id)
    if per == "person" and seat.person_id is not None:
        return person_participant(seat.person_id)
    raise ProtocolError("not_voter")


def answer(room: RoomView, participant: Participant, vote_id: int, choice: int) -> None:
    vote = room.chairing.vote
    if vote is None or vote.id != vote_id:
        raise ProtocolError("vote_closed")
    key = voter(participant, vote.per)
    if key in vote.answers:
        raise ProtocolError("already_voted")
    if not 0 <= choice < len(vote.options):
        raise ProtocolError("bad_choice")
    vote.answers[key] = choice
    if room.journal is not None:
        seat = participant.seat
        answerer = Who(key, seat.label, site_id=seat.site_id, person_id=seat.person_id)
        room.journal.add(write.vote_answered, vote.id, answerer, choice, _now())
    participant.conn.send({"type": "vote_answered", "vote": vote.id, "choice": choice})
    console_changed(room)


def close_vote(room: RoomView, vote_id: int) -> None:
    vote = room.chairing.vote
    if vote is None or vote.id != vote_id:
        raise ProtocolError("vote_closed")
    room.chairing.vote = None
    if room.journal is not None:
        room.journal.add(write.vote_closed, vote.id, _now())
    counts = vote.counts()
    room.broadcast(
        {
            "type": "vote_closed",
            "vote": vote.id,
            "question": vote.question,
            "options": vote.options,
            "counts": counts,
            "total": sum(counts),
        }
    )
    console_changed(room)
