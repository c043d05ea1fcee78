"""A participant in a room: its seat, its signalling channel (``Connection``) and what the room knows of its
media, requests and figures. Used by the room (``web.room.meeting_room``) and the modules acting on it."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Protocol

from meetings.rooms import Seat
from web.room import protocol


class Connection(Protocol):
    """A participant's signalling channel. ``send`` never blocks; ``close`` sends ``message`` first."""

    def send(self, message: dict[str, Any]) -> None: ...

    def close(self, code: int, message: dict[str, Any] | None = None) -> None: ...

    def tr(self, text: str, **variables: Any) -> str: ...


@dataclass(eq=False)
class Participant:
    seat: Seat
    conn: Connection
    joined_at: float = field(default_factory=time.monotonic)
    media: str = "none"  # none | negotiating | joined | connected
    tracks: dict[str, str] = field(default_factory=dict)  # role -> mid
    slots: dict[str, str] = field(default_factory=dict)  # mid -> role
    audio: bool = True
    video: bool = True
    hand: float | None = None
    quality: str = "unknown"
    client_stats: dict[str, float] = field(default_factory=dict)
    chats: deque[float] = field(default_factory=lambda: deque(maxlen=protocol.CHAT_BURST))
    timeout: asyncio.TimerHandle | None = None
    person_name: str | None = None  # the person logged in; None: a site's own computer
    person_unit_id: int | None = None

    @property
    def id(self) -> str:
        return self.seat.participant
