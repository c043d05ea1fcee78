"""The floor (quyền phát biểu): requests to speak, the floor given and taken back, chaired or open mode, and
muting. What is heard is decided on the server: in chaired mode the layout gives the audio slots only to the
controllers and the floor, and a muted participant's microphone is paused in the media server, so no client
can unmute itself around the chair.
"""

from __future__ import annotations

import contextlib
import logging
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from media import errors as media_errors
from meetings.log import write
from web.room.console import console_changed, hidden
from web.room.meeting_log import who
from web.room.protocol import ProtocolError

if TYPE_CHECKING:
    from web.room.participant import Participant
    from web.room.room_view import RoomView

log = logging.getLogger("giaoban.room")


def _now() -> datetime:
    return datetime.now(UTC)


def _target(room: RoomView, participant_id: str) -> Participant:
    target = room.participants.get(participant_id)
    if target is None or hidden(target):
        raise ProtocolError("unknown_participant")
    return target


def raise_hand(room: RoomView, participant: Participant, raised: bool) -> None:
    """Xin phát biểu: the request joins the queue the console shows, in order. Only a site whose picture and
    sound reach the room may ask (else the floor would go to someone nobody hears)."""
    if raised and participant.id not in room.hands:
        if participant.media != "connected":
            raise ProtocolError("not_connected")
        participant.hand = time.monotonic()
        room.hands.append(participant.id)
    elif not raised and participant.id in room.hands:
        participant.hand = None
        room.hands.remove(participant.id)
    else:
        return
    room.send_roster()


def set_floor(room: RoomView, participant_id: str | None, *, chaired: bool | None = None) -> None:
    """Who holds the floor (the main view everywhere) and whether only the controllers and the floor are heard."""
    room.floor = participant_id
    if chaired is not None:
        room.chaired = chaired
    room.schedule_reconcile()
    room.send_roster()


async def give_floor(room: RoomView, actor: Participant, participant_id: str | None) -> None:
    """The chair gives the floor (``None`` takes it back). Each turn is logged with the current agenda item.
    Whoever is given the floor is meant to be heard: a muted holder is unmuted."""
    if participant_id is not None:
        target = _target(room, participant_id)
        if target.media != "connected":
            raise ProtocolError("not_connected")
    if participant_id == room.floor:
        return
    if participant_id is not None:
        if participant_id in room.hands:
            room.hands.remove(participant_id)
            room.participants[participant_id].hand = None
        if room.journal is not None:
            room.journal.add(
                write.floor_given,
                who(room.participants[participant_id].seat),
                room.chairing.agenda_item,
                actor.seat.person_id,
                _now(),
            )
    elif room.journal is not None:
        room.journal.add(write.floor_taken, _now())
    set_floor(room, participant_id)
    room.broadcast(floor_message(room))
    if participant_id is not None and participant_id in room.chairing.muted:
        await mute(room, actor, participant_id, False)


def floor_gone(room: RoomView, participant_id: str) -> None:
    """The floor's holder left the room: the turn ends."""
    if room.floor != participant_id:
        return
    if room.journal is not None:
        room.journal.add(write.floor_taken, _now())
    room.floor = None
    room.broadcast(floor_message(room))


def floor_message(room: RoomView) -> dict[str, object]:
    return {"type": "floor", "participant": room.floor, "mode": "chaired" if room.chaired else "open"}


def set_mode(room: RoomView, actor: Participant, mode: str) -> None:
    chaired = mode == "chaired"
    if chaired == room.chaired:
        return
    if room.journal is not None:
        room.journal.event("mode", actor.seat, value=mode)
    set_floor(room, room.floor, chaired=chaired)
    room.broadcast(floor_message(room))


async def pause(room: RoomView, participant_id: str, muted: bool) -> None:
    """Stop (or resume) forwarding the participant's microphone, in the media server."""
    with contextlib.suppress(media_errors.MediaError, ConnectionError, TimeoutError):
        await room.media("set_paused", room=room.key, participant=participant_id, kind="audio", paused=muted)


async def mute(room: RoomView, actor: Participant, participant_id: str, value: bool) -> None:
    _target(room, participant_id)
    if (participant_id in room.chairing.muted) == value:
        return
    if value:
        room.chairing.muted.add(participant_id)
    else:
        room.chairing.muted.discard(participant_id)
    if room.journal is not None:
        room.journal.event("mute" if value else "unmute", actor.seat, participant_id)
    await pause(room, participant_id, value)
    room.broadcast({"type": "muted", "participant": participant_id, "value": value})
    room.send_roster()


async def mute_all(room: RoomView, actor: Participant) -> None:
    """Mute everyone in the room but the controllers."""
    state = room.chairing
    targets = [
        p.id
        for p in room.participants.values()
        if not hidden(p) and not state.is_controller(p.seat) and p.id not in state.muted
    ]
    state.muted.update(targets)
    if room.journal is not None:
        room.journal.event("mute_all", actor.seat, participants=targets)
    for participant_id in targets:
        await pause(room, participant_id, True)
        room.broadcast({"type": "muted", "participant": participant_id, "value": True})
    room.send_roster()


def co_chair(room: RoomView, actor: Participant, participant_id: str, value: bool) -> None:
    """The presiding chair names (or un-names) a co-chair, who may then use the console too."""
    if not room.chairing.is_chair(actor.seat):
        raise ProtocolError("not_chair")
    _target(room, participant_id)
    if (participant_id in room.chairing.co_chairs) == value:
        return
    if value:
        room.chairing.co_chairs.add(participant_id)
    else:
        room.chairing.co_chairs.discard(participant_id)
    if room.journal is not None:
        room.journal.event("co_chair", actor.seat, participant_id, value=value)
    room.schedule_reconcile()  # co-chairs are heard in chaired mode
    room.send_roster()
    console_changed(room)
