"""Screen sharing: who may share (the chair's seat, or whom the chair allowed), and one screen at a time."""

from __future__ import annotations

from typing import TYPE_CHECKING

from web.room.protocol import ProtocolError

if TYPE_CHECKING:
    from web.room.participant import Participant
    from web.room.room_view import RoomView


def may_share(room: RoomView, participant: Participant) -> bool:
    return participant.seat.chair or participant.id in room.share_allowed


def share_screen(room: RoomView, participant: Participant, on: bool) -> None:
    if on:
        if not may_share(room, participant):
            raise ProtocolError("share_not_allowed")
        if "screen" not in participant.tracks:
            raise ProtocolError("malformed")
        previous = room.participants.get(room.sharer) if room.sharer else None
        if previous is not None and previous is not participant:
            previous.conn.send({"type": "screen_stopped"})
        room.sharer = participant.id
    elif room.sharer == participant.id:
        room.sharer = None
    else:
        return
    room.schedule_reconcile()
    room.send_roster()


def allow_share(room: RoomView, participant_id: str, allowed: bool) -> None:
    target = room.participants.get(participant_id)
    if target is None or target.seat.hidden:
        raise ProtocolError("unknown_participant")
    if allowed:
        room.share_allowed.add(participant_id)
    else:
        room.share_allowed.discard(participant_id)
        if room.sharer == participant_id and not target.seat.chair:
            room.sharer = None
            target.conn.send({"type": "screen_stopped"})
            room.schedule_reconcile()
    room.send_roster()
