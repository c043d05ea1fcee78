"""What the console, the floor, the roster, votes and screen sharing need of a meeting's room, as a protocol:
they act on a room without importing ``web.room.meeting_room``, which uses them (so the imports point one
way). ``web.room.meeting_room.MeetingRoom`` is the one implementation."""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from web.room.chair_state import ChairState
from web.room.meeting_log import MeetingLog
from web.room.participant import Participant


class RoomView(Protocol):
    # Set by the chair's console, read by the layout.
    floor: str | None
    chaired: bool
    hands: list[str]  # requests to speak, in order
    sharer: str | None
    share_allowed: set[str]

    @property
    def key(self) -> str:
        """The media server's room id."""

    @property
    def media(self) -> Callable[..., Awaitable[Any]]:
        """A call to the media server's control API."""

    @property
    def participants(self) -> dict[str, Participant]: ...

    @property
    def chairing(self) -> ChairState: ...

    @property
    def journal(self) -> MeetingLog | None:
        """The meeting log (meetings only)."""

    @property
    def media_stats(self) -> dict[str, dict[str, Any]]: ...

    @property
    def chat(self) -> deque[dict[str, Any]]: ...

    @property
    def recording(self) -> bool: ...

    def describe(self) -> dict[str, Any]: ...

    def chair_id(self) -> str | None: ...

    def heard_speaker(self) -> str | None: ...

    def broadcast(self, message: dict[str, Any], *, skip: Participant | None = None) -> None: ...

    def send_roster(self, *, skip: Participant | None = None) -> None: ...

    def schedule_reconcile(self) -> None: ...
