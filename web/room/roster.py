"""What participants are told about the room: the roster (everyone listed but the hidden recorder, with what
the chair set for each) and the welcome a newcomer gets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from web.room import protocol
from web.room.console import console_changed, roster_extras
from web.room.floor import floor_message
from web.room.protocol import ProtocolError
from web.room.sharing import may_share
from web.room.votes import voter

if TYPE_CHECKING:
    from web.room.participant import Participant
    from web.room.room_view import RoomView


def roster(room: RoomView, speaker: str | None) -> list[dict[str, Any]]:
    """Everyone listed; ``speaker``: the active speaker as heard (``room.heard_speaker()``), marked speaking."""
    chair = room.chair_id()
    return [
        {
            "id": p.id,
            "name": p.seat.label,
            "caption": p.seat.caption,
            "site": p.seat.site_id,
            "chair": p.id == chair,
            "may_chair": p.seat.chair,
            "media": p.media,
            "audio": p.audio,
            "video": p.video,
            "hand": room.hands.index(p.id) + 1 if p.id in room.hands else None,
            "sharing": p.id == room.sharer,
            "may_share": may_share(room, p),
            "quality": p.quality,
            "speaking": p.id == speaker,
            **roster_extras(room, p),
        }
        for p in sorted(room.participants.values(), key=lambda p: p.joined_at)
        if not p.seat.hidden
    ]


def _open_vote(room: RoomView, participant: Participant) -> dict[str, Any] | None:
    """The open vote, with this newcomer's answer if it already gave one (before leaving, or from another
    machine): the page shows it answered instead of offering the choices again."""
    vote = room.chairing.vote
    if vote is None:
        return None
    try:
        mine = vote.answers.get(voter(participant, vote.per))
    except ProtocolError:
        mine = None
    return {**vote.public(), "choice": mine}


def welcome(room: RoomView, participant: Participant, layout: dict[str, int]) -> dict[str, Any]:
    """The newcomer's first message. A controller's console follows it (sent afresh, after the welcome)."""
    state = room.chairing
    state.sent.pop(participant.id, None)
    console_changed(room)
    return {
        "type": "welcome",
        "you": {
            "id": participant.id,
            "name": participant.seat.label,
            "caption": participant.seat.caption,
            "chair": participant.seat.chair,
            "controller": state.is_controller(participant.seat),
        },
        "room": room.describe(),
        "floor": floor_message(room),
        "agenda": state.agenda(),
        "roll_call": {"open": state.roll_open},
        "vote": _open_vote(room, participant),
        "recording": room.recording,
        "layout": layout,
        "roster": roster(room, room.heard_speaker()),
        "chat": list(room.chat),
        "limits": {"message_bytes": protocol.MAX_MESSAGE_BYTES, "chat_chars": protocol.MAX_CHAT_CHARS},
    }
