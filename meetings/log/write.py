"""Writing the meeting log. Plain functions on a session, each committing its own row(s).

The room calls these in order from one writer (``web.room.meeting_log``), off the event loop. Intervals are
closed by what they are (the participant's open presence, the meeting's open floor turn…), so the caller
needs no row ids, only the order of its calls.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from meetings.errors import N_, Conflict, NotFound, ValidationError
from meetings.log.tables import (
    PRESENCE_REASONS,
    ROLL_CALL_STATUSES,
    VOTE_PER,
    AgendaTurn,
    ChatLine,
    FloorTurn,
    MeetingEvent,
    Presence,
    RollCall,
    Vote,
    VoteAnswer,
)


@dataclass(frozen=True)
class Who:
    """A participant as the log names them."""

    participant: str
    label: str
    site_id: int | None = None
    person_id: int | None = None


def joined(session: Session, meeting_id: int, who: Who, at: datetime) -> Presence:
    """A media connection came up. A presence still open for the same participant is closed first (lost)."""
    _close_presence(session, meeting_id, who.participant, "lost", at)
    row = Presence(
        meeting_id=meeting_id,
        participant=who.participant,
        site_id=who.site_id,
        person_id=who.person_id,
        label=who.label[:300],
        joined_at=at,
    )
    session.add(row)
    session.commit()
    return row


def left(session: Session, meeting_id: int, participant: str, reason: str, at: datetime) -> int:
    """The participant's media connection ended; returns how many intervals were closed (0 or 1)."""
    if reason not in PRESENCE_REASONS:
        raise ValidationError(N_("Lý do rời phòng «%(reason)s» không hợp lệ."), reason=reason[:20])
    closed = _close_presence(session, meeting_id, participant, reason, at)
    session.commit()
    return closed


def _close_presence(session: Session, meeting_id: int, participant: str, reason: str, at: datetime) -> int:
    rows = session.exec(
        select(Presence).where(
            Presence.meeting_id == meeting_id, Presence.participant == participant, col(Presence.left_at).is_(None)
        )
    ).all()
    for row in rows:
        row.left_at = max(at, row.joined_at)
        row.left_reason = reason
        session.add(row)
    return len(rows)


def floor_given(
    session: Session, meeting_id: int, who: Who, agenda_item_id: int | None, given_by_id: int | None, at: datetime
) -> FloorTurn:
    """The chair gave the floor: the previous turn (if any) ends now."""
    _end_floor(session, meeting_id, at)
    row = FloorTurn(
        meeting_id=meeting_id,
        participant=who.participant,
        site_id=who.site_id,
        person_id=who.person_id,
        label=who.label[:300],
        agenda_item_id=agenda_item_id,
        started_at=at,
        given_by_id=given_by_id,
    )
    session.add(row)
    session.commit()
    return row


def floor_taken(session: Session, meeting_id: int, at: datetime) -> int:
    """The chair took the floor back (or its holder left)."""
    closed = _end_floor(session, meeting_id, at)
    session.commit()
    return closed


Turn = TypeVar("Turn", FloorTurn, AgendaTurn)


def _end_open(session: Session, model: type[Turn], meeting_id: int, at: datetime) -> int:
    """End the meeting's open turns of ``model`` at ``at`` (never before they began)."""
    rows = session.exec(select(model).where(model.meeting_id == meeting_id, col(model.ended_at).is_(None))).all()
    for row in rows:
        row.ended_at = max(at, row.started_at)
        session.add(row)
    return len(rows)


def _end_floor(session: Session, meeting_id: int, at: datetime) -> int:
    return _end_open(session, FloorTurn, meeting_id, at)


def agenda_moved(session: Session, meeting_id: int, agenda_item_id: int | None, at: datetime) -> AgendaTurn | None:
    """The chair made ``agenda_item_id`` the current item (None: no item)."""
    _end_agenda(session, meeting_id, at)
    row = None
    if agenda_item_id is not None:
        row = AgendaTurn(meeting_id=meeting_id, agenda_item_id=agenda_item_id, started_at=at)
        session.add(row)
    session.commit()
    return row


def _end_agenda(session: Session, meeting_id: int, at: datetime) -> int:
    return _end_open(session, AgendaTurn, meeting_id, at)


def roll_call(
    session: Session,
    meeting_id: int,
    site_id: int,
    *,
    status: str,
    headcount: int | None,
    reason: str,
    answered_by_id: int | None,
    corrected: bool,
    at: datetime,
) -> RollCall:
    """A site's roll-call answer, or the chair's correction of it: the latest one is kept."""
    if status not in ROLL_CALL_STATUSES:
        raise ValidationError(N_("Trạng thái điểm danh «%(status)s» không hợp lệ."), status=status[:20])
    row = session.exec(select(RollCall).where(RollCall.meeting_id == meeting_id, RollCall.site_id == site_id)).first()
    if row is None:
        row = RollCall(meeting_id=meeting_id, site_id=site_id, status=status)
    row.status = status
    row.headcount = headcount
    row.reason = reason[:500]
    row.answered_by_id = answered_by_id
    row.corrected = corrected
    row.answered_at = at
    session.add(row)
    session.commit()
    return row


def vote_opened(
    session: Session,
    meeting_id: int,
    *,
    question: str,
    options: list[str],
    per: str,
    agenda_item_id: int | None,
    opened_by_id: int | None,
    at: datetime,
) -> Vote:
    if per not in VOTE_PER or not 2 <= len(options) <= 10:
        raise ValidationError(N_("Biểu quyết cần từ 2 đến 10 phương án, theo điểm cầu hoặc theo người."))
    row = Vote(
        meeting_id=meeting_id,
        agenda_item_id=agenda_item_id,
        question=question[:500],
        options_json=json.dumps(options, ensure_ascii=False),
        per=per,
        opened_at=at,
        opened_by_id=opened_by_id,
    )
    session.add(row)
    session.commit()
    return row


def _vote(session: Session, meeting_id: int, vote_id: int) -> Vote:
    vote = session.get(Vote, vote_id)
    if vote is None or vote.meeting_id != meeting_id:
        raise NotFound(N_("Không có cuộc biểu quyết này (mã %(id)s)."), id=vote_id)
    return vote


def vote_answered(session: Session, meeting_id: int, vote_id: int, who: Who, choice: int, at: datetime) -> VoteAnswer:
    """One voter's answer; Conflict when they already answered (the first answer stands)."""
    vote = _vote(session, meeting_id, vote_id)
    if vote.closed_at is not None or not 0 <= choice < len(json.loads(vote.options_json)):
        raise ValidationError(N_("Cuộc biểu quyết đã kết thúc hoặc phương án không hợp lệ."))
    row = VoteAnswer(
        vote_id=vote_id,
        voter=who.participant,
        site_id=who.site_id,
        person_id=who.person_id,
        label=who.label[:300],
        choice=choice,
        answered_at=at,
    )
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(N_("Điểm cầu này đã biểu quyết.")) from None
    return row


def vote_closed(session: Session, meeting_id: int, vote_id: int, at: datetime) -> None:
    row = _vote(session, meeting_id, vote_id)
    if row.closed_at is None:
        row.closed_at = max(at, row.opened_at)
        session.add(row)
        session.commit()


def chat(session: Session, meeting_id: int, who: Who, text: str, at: datetime) -> ChatLine:
    row = ChatLine(meeting_id=meeting_id, participant=who.participant, label=who.label[:300], text=text, at=at)
    session.add(row)
    session.commit()
    return row


def event(
    session: Session,
    meeting_id: int,
    kind: str,
    at: datetime,
    *,
    actor_id: int | None = None,
    participant: str = "",
    **detail: Any,
) -> MeetingEvent:
    """Anything else worth keeping: mute, unmute, mute_all, mode, co_chair, roll_call_open, ended…"""
    row = MeetingEvent(
        meeting_id=meeting_id,
        at=at,
        kind=kind[:40],
        actor_id=actor_id,
        participant=participant[:64],
        detail_json=json.dumps(detail, ensure_ascii=False, default=str),
    )
    session.add(row)
    session.commit()
    return row


def _close_connections(session: Session, meeting_id: int, at: datetime, reason: str) -> None:
    rows = session.exec(
        select(Presence).where(Presence.meeting_id == meeting_id, col(Presence.left_at).is_(None))
    ).all()
    for row in rows:
        row.left_at = max(at, row.joined_at)
        row.left_reason = reason
        session.add(row)
    _end_floor(session, meeting_id, at)


def close_lost(session: Session, meeting_id: int, at: datetime) -> None:
    """A room made again for a meeting (the server restarted under it): the connections and the floor turn its
    predecessor left open end here ("lost"); nobody is connected to the new room yet. The agenda item, an
    open vote and the chair's settings go on (``meetings.log.read.room_state``)."""
    _close_connections(session, meeting_id, at, "lost")
    session.commit()


def room_emptied(session: Session, meeting_id: int, agenda_item_id: int | None, at: datetime) -> MeetingEvent:
    """The last participant left the room of a meeting that goes on, under an agenda item. The item's turn ends
    (nobody is discussing it) and the event names it, so the room made again takes it up with the time it had."""
    _end_agenda(session, meeting_id, at)
    return event(session, meeting_id, "room_emptied", at, agenda_item=agenda_item_id)


def close_open(session: Session, meeting_id: int, at: datetime, *, reason: str = "ended") -> None:
    """Close every interval still open: the meeting ended (``reason`` "ended")."""
    _close_connections(session, meeting_id, at, reason)
    _end_agenda(session, meeting_id, at)
    for vote in session.exec(select(Vote).where(Vote.meeting_id == meeting_id, col(Vote.closed_at).is_(None))).all():
        vote.closed_at = max(at, vote.opened_at)
        session.add(vote)
    session.commit()
