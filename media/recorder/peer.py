"""The recorder in the room: the signalling client (the same WebSocket and messages as a site's page, see
docs/signalling.md) and a peer connection that only receives: the ``main`` slot and the audio slots.

The room's layout decides what those carry, as for any site: the main view (the floor, else the chair, else
the speaker), the speaker view (the active speaker when not in the main view) and the audio of those being
heard. What is recorded (``view``) is whoever holds the floor, else whoever speaks, else the chair: the main
view while it shows the floor, else the speaker view while it shows someone, else the main view. Decoded
frames go to the ``Picture`` and the ``Mixer``. After
a network cut or a media server restart it joins and negotiates again, as the sites do; when the meeting ends
(or the seat is refused or taken) it stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

from aiortc import RTCBundlePolicy, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack
from av import AudioFrame, VideoFrame
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from media.recorder.mixing import Mixer, Picture

log = logging.getLogger("giaoban.recorder")

# The signalling's final close codes (refused, replaced, ended): do not come back.
FINAL_CLOSE_CODES = frozenset({4403, 4409, 4410})


class RecorderPeer:
    def __init__(
        self, ws_url: str, token: str, picture: Picture, mixer: Mixer, *, on_welcome: Callable[[], None]
    ) -> None:
        self.ws_url = ws_url
        self.token = token
        self.picture = picture
        self.mixer = mixer
        self.on_welcome = on_welcome
        self.state = "new"  # connecting | lobby | negotiating | joined | ended
        self.ended = asyncio.Event()  # the meeting ended, or the recorder may not be in the room
        self.layout: dict[str, Any] = {}  # how many slots of each role to negotiate (the welcome's)
        self.roles: dict[str, str] = {}  # my receive slot mid -> role
        self.shows: dict[str, str | None] = {}  # slot mid -> participant it carries now (the room's layout)
        self.floor: str | None = None
        self.pc: RTCPeerConnection | None = None
        self._ws: ClientConnection | None = None
        self._readers: list[asyncio.Task[None]] = []
        self._stopping = False

    async def run(self) -> None:
        delay = 0.5
        while not self._stopping and not self.ended.is_set():
            self.state = "connecting"
            try:
                async with connect(self.ws_url, max_size=2**20, open_timeout=10) as ws:
                    self._ws = ws
                    delay = 0.5
                    await self._session(ws)
            except (OSError, ConnectionClosed, InvalidHandshake, TimeoutError) as exc:
                log.info("recorder: signalling lost (%s)", exc)
            finally:
                self._ws = None
                await self._close_pc()
            if self._stopping or self.ended.is_set():
                break
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    async def _session(self, ws: ClientConnection) -> None:
        await self._send({"type": "join", "token": self.token, "client": "giaoban-recorder"})
        async for raw in ws:
            message = json.loads(raw)
            if isinstance(message, dict):
                await self._on_message(message)
        if ws.close_code in FINAL_CLOSE_CODES:
            log.info("recorder: the room closed the connection (%s)", ws.close_code)
            self.ended.set()

    async def _send(self, message: dict[str, Any]) -> None:
        if self._ws is not None:
            with contextlib.suppress(ConnectionClosed):
                await self._ws.send(json.dumps(message))

    async def _on_message(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "welcome":
            self.layout = message.get("layout", {})
            self._set_floor(message.get("floor"))
            self.on_welcome()
            if message.get("room", {}).get("stage") == "open":
                await self._negotiate()
            else:
                self.state = "lobby"
        elif kind == "opened" and self.pc is None:
            await self._negotiate()
        elif kind == "answer" and self.pc is not None:
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=message["sdp"], type="answer"))
            self.state = "joined"
        elif kind == "layout" and isinstance(message.get("slots"), dict):
            self.shows = message["slots"]
        elif kind == "floor":
            self._set_floor(message)
        elif kind in ("media_restarted", "media_lost"):
            await self._negotiate()
        elif kind in ("refused", "replaced", "closed"):
            log.info("recorder: %s (%s)", kind, message.get("message"))
            self.ended.set()
        elif kind == "error":
            log.info("recorder: error %s", message.get("code"))
            if message.get("code") in ("media_timeout", "media_unavailable"):
                await asyncio.sleep(1.0)
                await self._negotiate()

    def _set_floor(self, message: object) -> None:
        if isinstance(message, dict):
            participant = message.get("participant")
            self.floor = participant if isinstance(participant, str) else None

    def view(self) -> str | None:
        """The mid of the video slot to record now."""
        main = next((mid for mid, role in self.roles.items() if role == "main"), None)
        speaker = next((mid for mid, role in self.roles.items() if role == "speaker"), None)
        if self.floor is not None and main is not None and self.shows.get(main) == self.floor:
            return main
        if speaker is not None and self.shows.get(speaker) is not None:
            return speaker
        return main

    async def _negotiate(self) -> None:
        await self._close_pc()
        self.state = "negotiating"
        self.shows = {}
        pc = RTCPeerConnection(RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
        self.pc = pc
        slots = [("main", pc.addTransceiver("video", direction="recvonly"))]
        if int(self.layout.get("speaker", 1)) > 0:
            slots.append(("speaker", pc.addTransceiver("video", direction="recvonly")))
        audio = int(self.layout.get("audio", 4))
        slots += [("audio", pc.addTransceiver("audio", direction="recvonly")) for _ in range(audio)]

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            mid = next((t.mid for t in pc.getTransceivers() if t.receiver.track is track), None)
            if mid is not None:
                self._readers.append(asyncio.ensure_future(self._read(mid, track)))

        await pc.setLocalDescription(await pc.createOffer())
        self.roles = {t.mid: role for role, t in slots if t.mid is not None}
        await self._send({"type": "offer", "sdp": pc.localDescription.sdp, "tracks": {}, "slots": self.roles})

    async def _read(self, mid: str, track: MediaStreamTrack) -> None:
        while True:
            try:
                frame = await track.recv()
            except Exception:
                self.mixer.forget(mid)
                self.picture.forget(mid)
                return
            if isinstance(frame, VideoFrame):
                self.picture.push(mid, frame)
            elif isinstance(frame, AudioFrame):
                self.mixer.push(mid, frame)

    async def _close_pc(self) -> None:
        pc, self.pc = self.pc, None
        readers, self._readers = self._readers, []
        if pc is not None:
            await pc.close()
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        self.mixer.clear()
        self.picture.clear()

    async def stop(self) -> None:
        self._stopping = True
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._send({"type": "leave"})
                await self._ws.close()
        await self._close_pc()
