"""The roll call (điểm danh) and the agenda: the chair opens the roll call, each site answers from its room
page (present on line, present in person, absent with a reason, and a headcount), the chair corrects; the chair
moves through the agenda items, and every site sees the current one with the time used against the time
planned.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from meetings.log import write
from web.room.console import console_changed
from web.room.meeting_log import who
from web.room.protocol import ProtocolError

if TYPE_CHECKING:
    from web.room.meeting_room import MeetingRoom
    from web.room.participant import Participant


def _now() -> datetime:
    return datetime.now(UTC)


def set_open(room: MeetingRoom, actor: Participant, value: bool) -> None:
    state = room.chairing
    if state.roll_open == value:
        return
    state.roll_open = value
    if room.journal is not None:
        room.journal.event("roll_call_open" if value else "roll_call_close", actor.seat)
    room.broadcast({"type": "roll_call", "open": value})
    console_changed(room)


def _record(
    room: MeetingRoom,
    site_id: int,
    status: str,
    headcount: int | None,
    reason: str,
    *,
    by: Participant,
    corrected: bool,
) -> None:
    reason = " ".join(reason.split())[:500] if status == "absent" else ""
    room.chairing.roll[site_id] = {"status": status, "headcount": headcount, "reason": reason, "corrected": corrected}
    if room.journal is not None:
        room.journal.add(
            write.roll_call,
            site_id,
            status=status,
            headcount=headcount,
            reason=reason,
            answered_by_id=by.seat.person_id,
            corrected=corrected,
            at=_now(),
        )
    room.send_roster()


def answer(room: MeetingRoom, participant: Participant, status: str, headcount: int | None, reason: str) -> None:
    """A site answers the roll call for itself, while it is open; a site whose media is connected cannot
    report itself absent."""
    state = room.chairing
    site_id = participant.seat.site_id
    if state.facts is None or site_id is None or state.facts.site(site_id) is None:
        raise ProtocolError("not_site")
    if not state.roll_open:
        raise ProtocolError("roll_call_closed")
    if status == "absent" and participant.media == "connected":
        # Its picture and sound are in the meeting: it is there. The chair may still mark it absent.
        raise ProtocolError("connected_absent")
    _record(room, site_id, status, headcount, reason, by=participant, corrected=False)


def correct(
    room: MeetingRoom, actor: Participant, site_id: int, status: str, headcount: int | None, reason: str
) -> None:
    """The chair's correction, open or closed: the chair has the last word on attendance."""
    state = room.chairing
    if state.facts is None or state.facts.site(site_id) is None:
        raise ProtocolError("unknown_participant")
    _record(room, site_id, status, headcount, reason, by=actor, corrected=True)


def agenda_message(room: MeetingRoom) -> dict[str, Any]:
    return {"type": "agenda", "item": room.chairing.agenda()}


def move_agenda(room: MeetingRoom, item_id: int | None) -> None:
    """Make ``item_id`` the current agenda item (None: none); the time of the item left is kept."""
    state = room.chairing
    if item_id is not None and (state.facts is None or state.facts.item(item_id) is None):
        raise ProtocolError("unknown_item")
    if item_id == state.agenda_item:
        return
    now = _now()
    if state.agenda_item is not None and state.agenda_started is not None:
        used = (now - state.agenda_started).total_seconds()
        state.agenda_used[state.agenda_item] = state.agenda_used.get(state.agenda_item, 0.0) + used
    state.agenda_item = item_id
    state.agenda_started = now if item_id is not None else None
    if room.journal is not None:
        room.journal.add(write.agenda_moved, item_id, now)
        holder = room.participants.get(room.floor) if room.floor is not None else None
        if holder is not None:
            # The floor's turn is split at the agenda item's change: each part under its own item.
            room.journal.add(write.floor_given, who(holder.seat), item_id, None, now)
    room.broadcast(agenda_message(room))
    console_changed(room)
