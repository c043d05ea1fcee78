"""The chair's actions of issue 6, dispatched after ``web.room.protocol`` checked their fields: each is refused
("not_chair", nothing changes) unless the sender is a controller of the meeting (the presiding chair or a
co-chair). Opening and closing stay in ``web.room.rooms`` (a manager of the meeting may do those too)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from web.room import floor, roll_call, votes
from web.room.console import console_changed
from web.room.protocol import ProtocolError

if TYPE_CHECKING:
    from web.room.meeting_room import MeetingRoom
    from web.room.participant import Participant
    from web.room.recording import Recordings

log = logging.getLogger("giaoban.room")

CONSOLE_ACTIONS = frozenset(
    {
        "floor",
        "mode",
        "mute",
        "mute_all",
        "agenda",
        "roll_call",
        "roll_call_set",
        "vote_open",
        "vote_close",
        "record",
        "co_chair",
    }
)


async def act(recordings: Recordings, room: MeetingRoom, participant: Participant, message: dict[str, Any]) -> None:
    """Do a controller's console action in ``room``; ``recordings`` are the app's, for ``record``."""
    if not room.chairing.is_controller(participant.seat):
        raise ProtocolError("not_chair")
    action = message["action"]
    if action == "floor":
        await floor.give_floor(room, participant, message.get("participant"))
    elif action == "mode":
        floor.set_mode(room, participant, message["value"])
    elif action == "mute":
        await floor.mute(room, participant, message["participant"], message["value"])
    elif action == "mute_all":
        await floor.mute_all(room, participant)
    elif action == "co_chair":
        floor.co_chair(room, participant, message["participant"], message["value"])
    elif action == "agenda":
        roll_call.move_agenda(room, message.get("item"))
    elif action == "roll_call":
        roll_call.set_open(room, participant, message["value"])
    elif action == "roll_call_set":
        roll_call.correct(
            room, participant, message["site"], message["status"], message.get("headcount"), message["reason"]
        )
    elif action == "vote_open":
        await votes.open_vote(room, participant, message["question"], message["options"], message["per"])
    elif action == "vote_close":
        votes.close_vote(room, message["vote"])
    elif action == "record":
        await record(recordings, room, participant, message["value"], message["override"])


async def record(
    recordings: Recordings, room: MeetingRoom, participant: Participant, value: bool, override: bool
) -> None:
    """Start or stop recording, through the recorder (``web.room.recording``); it tells every site."""
    if value:
        await recordings.start(room, participant, override=override)
    else:
        await recordings.stop(room)
    console_changed(room)
