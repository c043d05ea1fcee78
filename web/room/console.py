"""The chair's console (issue 6): the ``console`` message that shows controllers every invited site, sent
when what it shows changed.

Controllers are the presiding chair (the meeting's ``chair_id``, sitting as themselves) and the co-chairs the
chair names. What they set lives in ``ChairState`` on the room (``web.room.chair_state``); the actions
themselves are in ``web.room.floor``, ``web.room.votes``, ``web.room.roll_call`` and ``web.room.chairing``.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from meetings.rooms import site_participant
from web.room.chair_state import MeetingFacts

if TYPE_CHECKING:
    from web.room.participant import Participant
    from web.room.room_view import RoomView


def hidden(participant: Participant) -> bool:
    """The recorder's seat: in the room, but never listed nor shown."""
    return participant.seat.hidden


def roster_extras(room: RoomView, participant: Participant) -> dict[str, Any]:
    state = room.chairing
    site_id = participant.seat.site_id
    return {
        "muted": participant.id in state.muted,
        "floor": participant.id == room.floor,
        "controller": state.is_controller(participant.seat),
        "roll_call": state.roll.get(site_id) if site_id is not None else None,
    }


def site_state(participant: Participant | None) -> str:
    if participant is None:
        return "absent"
    if participant.media != "connected":
        return "lobby"
    return "weak" if participant.quality == "poor" else "connected"


def home_site(facts: MeetingFacts, participant: Participant) -> int | None:
    """The invited site a participant is from: its seat's, or for a person sitting as themselves (the chair,
    say) the first invited site of their unit, as attendance counts them."""
    if participant.seat.site_id is not None:
        return participant.seat.site_id
    if participant.person_unit_id is None:
        return None
    return next((s.id for s in facts.sites if s.unit_id == participant.person_unit_id), None)


def present_from(room: RoomView, facts: MeetingFacts, site_id: int) -> list[dict[str, Any]]:
    """Who is in the room from a site, in the order they came: the person logged in at its seat, or the site's
    own computer (name None), and the people of its unit sitting as themselves."""
    return [
        {"participant": p.id, "name": p.person_name, "connected": p.media == "connected"}
        for p in sorted(room.participants.values(), key=lambda p: p.joined_at)
        if not hidden(p) and home_site(facts, p) == site_id
    ]


def console_message(room: RoomView) -> dict[str, Any]:
    state = room.chairing
    assert state.facts is not None
    sites = []
    for site in state.facts.sites:
        present = room.participants.get(site_participant(site.id))
        present = None if present is None or hidden(present) else present
        stats: dict[str, Any] = {}
        if present is not None:
            stats = {"quality": present.quality, **present.client_stats, **room.media_stats.get(present.id, {})}
        sites.append(
            {
                "site": site.id,
                "name": site.name,
                "state": site_state(present),
                "participant": present.id if present is not None else None,
                "people": list(site.people),
                "present": present_from(room, state.facts, site.id),
                "stats": stats,
                "roll_call": state.roll.get(site.id),
            }
        )
    vote = None
    if state.vote is not None:
        vote = {**state.vote.public(), "counts": state.vote.counts(), "answered": list(state.vote.answers)}
    return {
        "type": "console",
        "sites": sites,
        "hands": list(room.hands),
        "vote": vote,
        "agenda": state.agenda(),
        "roll_call_open": state.roll_open,
        "mode": "chaired" if room.chaired else "open",
        "floor": room.floor,
        "recording": room.recording,
    }


def send_console(room: RoomView) -> None:
    """Send the console to every controller whose view changed."""
    state = room.chairing
    state.pending = None
    if state.facts is None:
        return
    message = console_message(room)
    for participant in list(room.participants.values()):
        if not state.is_controller(participant.seat):
            state.sent.pop(participant.id, None)
            continue
        if state.sent.get(participant.id) != message:
            state.sent[participant.id] = message
            participant.conn.send(message)


def console_changed(room: RoomView) -> None:
    """Something the console shows changed: send it once, after the current step (many changes, one message)."""
    state = room.chairing
    if state.facts is None or state.pending is not None:
        return
    state.pending = asyncio.get_running_loop().call_soon(send_console, room)
