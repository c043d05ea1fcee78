"""The signalling WebSocket (``/ws/room``): JSON messages between a participant and their room.

The first message must be ``join`` with a token; then offers, chat, hands and the chair's commands, each
validated by ``web.room.protocol`` before the room sees it. Anything malformed or oversized is answered with an
``error`` message and a clean close; it never reaches the room or the media server. Outgoing messages go
through a bounded queue with one writer, so a slow participant cannot hold up the room (it is disconnected
when its queue is full). A message broadcast to the room is one object handed to every participant's queue; it
is encoded to JSON once (``Encoder``), not once per participant.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import Counter, OrderedDict, deque
from typing import Any

from starlette.routing import BaseRoute, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketState

from meetings.errors import DomainError
from web.i18n import translate
from web.room import floor, protocol, roll_call, roster, sharing, votes
from web.room.meeting_room import MeetingRoom
from web.room.participant import Participant
from web.room.protocol import ProtocolError
from web.room.rooms import Rooms

log = logging.getLogger("giaoban.room")

OUTGOING_LIMIT = 512


class Disconnected(Exception):
    pass


class Encoder:
    """The JSON text of outgoing messages, kept for the last ``size`` message objects. The room sends a roster,
    a speaker change or a notice to everyone as one dict: with a hundred sites the same roster of a hundred
    entries was encoded a hundred times, the web process's largest cost in a province meeting (docs/scale.md).
    Messages are not changed once sent (a queued one is encoded whenever its writer gets to it anyway)."""

    def __init__(self, size: int = 128) -> None:
        self.size = size
        self._texts: OrderedDict[int, tuple[dict[str, Any], str]] = OrderedDict()
        self.encoded: Counter[str] = Counter()  # encodings made, by message type (for tests and measurements)

    def text(self, message: dict[str, Any]) -> str:
        kept = self._texts.get(id(message))
        if kept is not None and kept[0] is message:  # the object itself, not another one at a reused address
            self._texts.move_to_end(id(message))  # a broadcast still being written stays
            return kept[1]
        text = json.dumps(message, ensure_ascii=False)
        self.encoded[str(message.get("type"))] += 1
        self._texts[id(message)] = (message, text)  # holding the object keeps its address from being reused
        if len(self._texts) > self.size:
            self._texts.popitem(last=False)
        return text


# One per process: the rooms of the app broadcast through it.
ENCODER = Encoder()


class SocketConnection:
    """A participant's WebSocket seen as a ``Connection``."""

    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket
        self.queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue(maxsize=OUTGOING_LIMIT)
        self.closing = False
        self.writer: asyncio.Future[None] = asyncio.ensure_future(self._write())

    def tr(self, text: str, **variables: Any) -> str:
        return translate(self.websocket, text, **variables)

    def send(self, message: dict[str, Any]) -> None:
        if self.closing:
            return
        try:
            self.queue.put_nowait(("message", message))
        except asyncio.QueueFull:
            log.warning("signalling: a participant reads too slowly; disconnecting it")
            self.closing = True
            self.writer.cancel()
            self.writer = asyncio.ensure_future(self._close_now(protocol.CLOSE_FLOOD))

    def close(self, code: int, message: dict[str, Any] | None = None) -> None:
        if self.closing:
            return
        if message is not None:
            self.send(message)
        self.closing = True
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(("close", code))

    async def _close_now(self, code: int) -> None:
        with contextlib.suppress(Exception):
            if self.websocket.application_state == WebSocketState.CONNECTED:
                await self.websocket.close(code)

    async def _write(self) -> None:
        try:
            while True:
                kind, value = await self.queue.get()
                if kind == "close":
                    await self._close_now(value)
                    return
                await self.websocket.send_text(ENCODER.text(value))
        except Exception:  # the connection is gone; the reader finds out on its own
            return

    async def finish(self) -> None:
        self.close(protocol.CLOSE_NORMAL)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.writer, 5.0)


async def _receive(websocket: WebSocket) -> str | bytes | None:
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        raise Disconnected()
    text = message.get("text")
    return text if text is not None else message.get("bytes")


def _refuse(conn: SocketConnection, exc: ProtocolError) -> None:
    conn.send(protocol.error(exc.code, conn.tr(protocol.TEXTS.get(exc.code, protocol.TEXTS["malformed"]))))
    if exc.close is not None:
        conn.close(exc.close)


class Flood:
    def __init__(self) -> None:
        self.times: deque[float] = deque(maxlen=protocol.FLOOD_MESSAGES)

    def check(self) -> None:
        now = time.monotonic()
        if len(self.times) == self.times.maxlen and now - self.times[0] < protocol.FLOOD_WINDOW:
            raise ProtocolError("flood", protocol.CLOSE_FLOOD)
        self.times.append(now)


async def handle(rooms: Rooms, room: MeetingRoom, participant: Participant, message: dict[str, Any]) -> bool:
    """Act on one validated message; False when the participant leaves."""
    kind = message["type"]
    conn = participant.conn
    if kind == "offer":
        tracks = {role: mid for mid, role in message["tracks"].items()}
        conn.send(await room.negotiate(participant, message["sdp"], tracks, message["slots"]))
    elif kind == "chat":
        room.say(participant, message["text"])
    elif kind == "media_state":
        room.set_media_state(participant, message["audio"], message["video"])
    elif kind == "hand":
        floor.raise_hand(room, participant, message["raised"])
    elif kind == "screen":
        sharing.share_screen(room, participant, message["on"])
    elif kind == "roll_call":
        roll_call.answer(room, participant, message["status"], message.get("headcount"), message["reason"])
    elif kind == "vote":
        votes.answer(room, participant, message["vote"], message["choice"])
    elif kind == "stats":
        names = ("rtt_ms", "loss", "fps", "bitrate_in")
        participant.client_stats = {n: float(message[n]) for n in names if message.get(n) is not None}
    elif kind == "chair":
        await rooms.chair_command(room, participant, message)
    elif kind == "ping":
        conn.send({"type": "pong"})
    elif kind == "leave":
        return False
    elif kind == "join":
        raise ProtocolError("malformed", protocol.CLOSE_BAD_MESSAGE)  # once per connection
    return True


async def room_socket(websocket: WebSocket) -> None:
    await websocket.accept()
    rooms: Rooms = websocket.app.state.rooms
    conn = SocketConnection(websocket)
    room: MeetingRoom | None = None
    participant: Participant | None = None
    try:
        try:
            raw = await asyncio.wait_for(_receive(websocket), protocol.JOIN_TIMEOUT)
        except TimeoutError:
            raise ProtocolError("join_timeout", protocol.CLOSE_TIMEOUT) from None
        message = protocol.decode(raw)
        if message["type"] != "join":
            raise ProtocolError("join_first", protocol.CLOSE_BAD_MESSAGE)
        try:
            room, participant = await rooms.admit(message["token"], conn)
        except DomainError as exc:
            conn.close(protocol.CLOSE_REFUSED, {"type": "refused", "message": conn.tr(exc.message)})
            return
        conn.send(roster.welcome(room, participant, rooms.layout_for(room)))
        flood = Flood()
        while not conn.closing:
            raw = await _receive(websocket)
            try:
                flood.check()
                if not await handle(rooms, room, participant, protocol.decode(raw)):
                    break
            except ProtocolError as exc:
                _refuse(conn, exc)
            except DomainError as exc:
                conn.send(protocol.error("refused", conn.tr(exc.message)))
    except ProtocolError as exc:
        _refuse(conn, exc)
    except Disconnected:
        pass
    finally:
        if room is not None and participant is not None:
            try:
                await rooms.depart(room, participant)
            except Exception:
                log.exception("signalling: cleaning up after %s failed", participant.id)
        await conn.finish()


def routes() -> list[BaseRoute]:
    return [WebSocketRoute("/ws/room", room_socket, name="room_socket")]
