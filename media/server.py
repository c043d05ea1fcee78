"""The media server as a library: rooms of participants, and the figures about them.

This is what runs inside the media process (see ``media.service``); tests and the benchmark may also
drive it in-process.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry

from media.config import MediaConfig
from media.errors import UnknownParticipant
from media.metrics import MediaCollector
from media.room import Room, participant_stats

logger = logging.getLogger(__name__)

EventSink = Callable[[str, dict[str, Any]], None]


class MediaServer:
    def __init__(
        self,
        config: MediaConfig | None = None,
        registry: CollectorRegistry | None = None,
        on_event: EventSink | None = None,
    ) -> None:
        self.config = config or MediaConfig()
        self.rooms: dict[str, Room] = {}  # never rebound: the metrics collector reads this very dict
        self._on_event = on_event
        self._collector: MediaCollector | None = None
        self._registry = registry
        self._reaping: set[asyncio.Future[None]] = set()
        self._forwarded_in_closed_rooms = 0
        if registry is not None:
            self._collector = MediaCollector(self.rooms)
            registry.register(self._collector)

    def _emit(self, event: str, data: dict[str, Any]) -> None:
        if event == "participant_left" and data.get("reason") in ("closed", "failed"):
            # The last participant vanished without leaving: nobody will call leave() for this room.
            task = asyncio.ensure_future(self._reap(str(data.get("room"))))
            self._reaping.add(task)
            task.add_done_callback(self._reaping.discard)
        if self._on_event is not None:
            try:
                self._on_event(event, data)
            except Exception:
                logger.exception("media event handler failed on %s", event)

    async def _reap(self, room_id: str) -> None:
        room = self.rooms.get(room_id)
        if room is not None and not room.participants:
            del self.rooms[room_id]
            await self._close_room(room)

    def room(self, room_id: str) -> Room:
        room = self.rooms.get(room_id)
        if room is None:
            raise UnknownParticipant(f"there is no room {room_id!r}")
        return room

    async def join(self, room_id: str, participant_id: str, offer_sdp: str) -> dict[str, Any]:
        room = self.rooms.get(room_id)
        if room is None:
            room = self.rooms[room_id] = Room(room_id, self.config, self._emit)
        try:
            return await room.join(participant_id, offer_sdp)
        finally:
            if not room.participants and self.rooms.get(room_id) is room:
                del self.rooms[room_id]
                await self._close_room(room)

    async def leave(self, room_id: str, participant_id: str) -> None:
        room = self.room(room_id)
        await room.leave(participant_id)
        if not room.participants:
            self.rooms.pop(room_id, None)
            await self._close_room(room)

    async def _close_room(self, room: Room) -> None:
        await room.close()
        self._forwarded_in_closed_rooms += room.forwarded_total()

    def forwarded_total(self) -> int:
        """RTP packets forwarded since the server started (never falls, whoever leaves)."""
        return self._forwarded_in_closed_rooms + sum(r.forwarded_total() for r in self.rooms.values())

    def stock_path_packets(self) -> int:
        """RTP/RTCP packets of the participants present that took aiortc's own receive path (a diagnostic)."""
        participants = [p for room in self.rooms.values() for p in room.participants.values()]
        return sum(p.wire.stock_path_packets for p in participants if p.wire is not None)

    def set_slot(self, room_id: str, subscriber: str, slot: str, publisher: str | None, track: str | None) -> None:
        self.room(room_id).set_slot(subscriber, slot, publisher, track)

    def set_paused(self, room_id: str, participant_id: str, kind: str, paused: bool) -> None:
        self.room(room_id).set_paused(participant_id, kind, paused)

    def stats(self, room_id: str | None = None) -> dict[str, Any]:
        rooms = [self.room(room_id)] if room_id is not None else list(self.rooms.values())
        return {room.id: {pid: participant_stats(p) for pid, p in room.participants.items()} for room in rooms}

    async def close(self) -> None:
        for room in list(self.rooms.values()):
            await room.close()
        self.rooms.clear()
        while self._reaping:
            await asyncio.gather(*self._reaping, return_exceptions=True)
        if self._registry is not None and self._collector is not None:
            self._registry.unregister(self._collector)
            self._collector = None
