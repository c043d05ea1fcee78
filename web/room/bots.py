"""Synthetic sites: aiortc peers that join a room through the real signalling, like a meeting-room PC would.

A bot sends a moving test picture with its name and a frame counter, and a tone (or silence); it negotiates
the same fixed receive slots as the room page, reads everything it receives (counting decoded frames per
site, from the room's ``layout`` messages), and comes back by itself after a network drop or a media server
restart. Used by ``giaoban bots`` for demos, rehearsals and load tests, and by the tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
from collections import Counter
from typing import Any

from aiortc import RTCBundlePolicy, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack
from av import VideoFrame
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from media import rtcp
from web.room import protocol
from web.room.bot_media import PatternTrack, ToneTrack, read_tag, tag_of

log = logging.getLogger("giaoban.bots")


class Bot:
    def __init__(
        self,
        ws_url: str,
        token: str,
        *,
        label: str = "bot",
        tone: bool = True,
        audio: bool = True,
        frequency: int = 440,
        fps: int = 15,
        size: tuple[int, int] = (320, 240),
        reconnect: bool = True,
        thumbnail: bool = False,
        claimed_downlink: int | None = None,
    ) -> None:
        self.ws_url = ws_url
        self.token = token
        self.label = label
        self.tone = tone
        self.audio = audio  # without: no microphone and no audio slots (lighter load tests)
        self.frequency = frequency
        self.fps = fps
        self.size = size
        self.reconnect = reconnect
        # Also send a quarter-size copy of the camera for the others' thumbnails, as the room page does.
        self.thumbnail = thumbnail
        # Pretend the line can receive only this many bit/s: send that estimate (REMB) about everything
        # received, as a browser on a weak line does (its real receive estimates, from aiortc, keep coming too).
        self.claimed_downlink = claimed_downlink
        self.sizes: dict[str, tuple[int, int]] = {}  # receive slot mid -> the last picture's width, height
        self.state = "new"  # connecting | lobby | negotiating | joined | closed | refused | replaced | ended
        self.id: str | None = None
        self.refusal: str | None = None
        self.welcome: dict[str, Any] = {}
        self.roster: list[dict[str, Any]] = []
        self.layout: dict[str, str | None] = {}  # slot mid -> participant shown
        self.speaker: str | None = None
        self.roles: dict[str, str] = {}  # my receive slot mid -> role
        self.frames: Counter[str] = Counter()  # decoded video frames, per participant the layout says is shown
        self.pictures: Counter[str] = Counter()  # decoded video frames, per participant whose tag they carry
        self.audio_frames: Counter[str] = Counter()
        self.errors: list[dict[str, Any]] = []
        self.messages: list[dict[str, Any]] = []
        self.sessions = 0  # how many times the media was negotiated
        self.pc: RTCPeerConnection | None = None
        self._ws: ClientConnection | None = None
        self._readers: list[asyncio.Task[None]] = []
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()

    # ---------- running ----------

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name=f"bot-{self.label}")

    async def run(self) -> None:
        delay = 0.5
        while not self._stopping:
            self.state = "connecting"
            try:
                async with connect(self.ws_url, max_size=2**20, open_timeout=10) as ws:
                    self._ws = ws
                    delay = 0.5
                    await self._session(ws)
            except (OSError, ConnectionClosed, InvalidHandshake, TimeoutError) as exc:
                log.info("bot %s: signalling lost (%s)", self.label, exc)
            finally:
                self._ws = None
                await self._close_pc()
            if self.state in ("refused", "replaced", "ended") or not self.reconnect:
                break
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
        if self.state not in ("refused", "replaced", "ended"):
            self.state = "closed"

    async def _session(self, ws: ClientConnection) -> None:
        await self.send({"type": "join", "token": self.token, "client": f"giaoban-bot {self.label}"})
        async for raw in ws:
            message = json.loads(raw)
            if len(self.messages) < 2000:
                self.messages.append(message)
            await self._on_message(message)
        code = ws.close_code
        if code in protocol.FINAL_CLOSE_CODES and self.state not in ("refused", "replaced", "ended"):
            self.state = {protocol.CLOSE_REFUSED: "refused", protocol.CLOSE_REPLACED: "replaced"}.get(
                code or 0, "ended"
            )

    async def send(self, message: dict[str, Any]) -> None:
        if self._ws is not None:
            with contextlib.suppress(ConnectionClosed):
                await self._ws.send(json.dumps(message))

    async def _on_message(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "welcome":
            self.welcome = message
            self.id = message["you"]["id"]
            self.roster = message["roster"]
            if message["room"]["stage"] == "open" or message["you"]["chair"]:
                await self._negotiate()
            else:
                self.state = "lobby"
        elif kind == "opened":
            if self.pc is None:
                await self._negotiate()
        elif kind == "answer" and self.pc is not None:
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=message["sdp"], type="answer"))
            self.state = "joined"
        elif kind == "layout":
            self.layout = message["slots"]
            self.speaker = message.get("speaker")
        elif kind == "roster":
            self.roster = message["participants"]
            self.speaker = message.get("speaker")
        elif kind == "speaker":
            self.speaker = message["participant"]
        elif kind in ("media_restarted", "media_lost"):
            await self._negotiate()
        elif kind == "refused":
            self.state, self.refusal = "refused", message.get("message")
        elif kind == "replaced":
            self.state = "replaced"
        elif kind == "closed":
            self.state = "ended"
        elif kind == "error":
            self.errors.append(message)
            if message.get("code") in ("media_timeout", "media_unavailable"):
                await asyncio.sleep(1.0)
                await self._negotiate()

    # ---------- media ----------

    async def _negotiate(self) -> None:
        await self._close_pc()
        self.state = "negotiating"
        self.layout = {}
        layout = self.welcome.get("layout", {})
        pc = RTCPeerConnection(RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
        self.pc = pc
        sent: list[tuple[str, Any]] = [
            ("camera", pc.addTransceiver(self._camera(), direction="sendonly")),
        ]
        if self.thumbnail:
            sent.append(("thumbnail", pc.addTransceiver(self._camera(scale=4), direction="sendonly")))
        if self.audio:
            tone = ToneTrack(self.frequency, silent=not self.tone)
            sent.append(("microphone", pc.addTransceiver(tone, direction="sendonly")))
        received: list[tuple[str, Any]] = []
        for role, count, kind in (
            ("main", layout.get("main", 1), "video"),
            ("speaker", layout.get("speaker", 0), "video"),
            ("thumb", layout.get("thumbs", 0), "video"),
            ("screen", layout.get("screen", 0), "video"),
            ("audio", layout.get("audio", 0) if self.audio else 0, "audio"),
        ):
            received += [(role, pc.addTransceiver(kind, direction="recvonly")) for _ in range(count)]

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            mid = next((t.mid for t in pc.getTransceivers() if t.receiver.track is track), None)
            if mid is not None:
                self._readers.append(asyncio.ensure_future(self._read(mid, track)))

        @pc.on("connectionstatechange")
        async def on_state() -> None:
            if pc.connectionState == "connected":
                self.connected.set()
                self._readers.append(asyncio.ensure_future(self._claim_downlink(pc)))

        await pc.setLocalDescription(await pc.createOffer())
        self.roles = {t.mid: role for role, t in received}
        self.sessions += 1
        await self.send(
            {
                "type": "offer",
                "sdp": pc.localDescription.sdp,
                "tracks": {t.mid: role for role, t in sent},
                "slots": self.roles,
            }
        )

    def _camera(self, scale: int = 1) -> PatternTrack:
        width, height = self.size[0] // scale, self.size[1] // scale
        hue = tag_of(self.id or self.label) & 0xFF
        return PatternTrack(self.label, width, height, self.fps, hue=hue, tag=tag_of(self.id or self.label))

    async def _claim_downlink(self, pc: RTCPeerConnection) -> None:
        """Send REMB ``claimed_downlink`` about every stream the server sends, five times a second, whenever it
        is set (a test may set or change it on the way)."""
        remote = pc.remoteDescription.sdp if pc.remoteDescription is not None else ""
        ssrcs = sorted({int(n) for n in re.findall(r"^a=ssrc:(\d+) ", remote, re.MULTILINE)})
        dtls = pc.getTransceivers()[0].receiver.transport
        while pc.connectionState == "connected" and ssrcs:
            if self.claimed_downlink is not None:
                with contextlib.suppress(Exception):
                    await dtls._send_rtp(rtcp.remb(0xB07, self.claimed_downlink, ssrcs))
            await asyncio.sleep(0.2)

    async def _read(self, mid: str, track: MediaStreamTrack) -> None:
        counter = self.audio_frames if track.kind == "audio" else self.frames
        while True:
            try:
                frame = await track.recv()
            except Exception:
                return
            source = self.layout.get(mid)
            if source is not None:
                counter[source] += 1
            if isinstance(frame, VideoFrame):
                self.sizes[mid] = (frame.width, frame.height)
                tag = read_tag(frame)
                who = next((p["id"] for p in self.roster if tag_of(p["id"]) == tag), None)
                if who is not None:
                    self.pictures[who] += 1

    async def _close_pc(self) -> None:
        pc, self.pc = self.pc, None
        self.connected.clear()
        readers, self._readers = self._readers, []
        if pc is not None:
            await pc.close()
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)

    # ---------- for people and tests ----------

    def seen(self, minimum: int = 1) -> set[str]:
        """The sites whose pictures this bot has decoded at least ``minimum`` frames of (read from the
        pictures themselves, not from what the server says it sends)."""
        return {pid for pid, n in self.pictures.items() if n >= minimum}

    def shown(self) -> set[str]:
        """The sites its video slots carry now."""
        return {pid for mid, pid in self.layout.items() if pid is not None and self.roles.get(mid) != "audio"}

    def status(self) -> str:
        seen = ", ".join(f"{pid}:{n}" for pid, n in sorted(self.frames.items()))
        return f"{self.label} [{self.id or '-'}] {self.state}; frames received {seen or '-'}"

    async def stop(self) -> None:
        self._stopping = True
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._task, 10)
        await self._close_pc()


async def wait_until(predicate: Any, timeout: float, what: str = "a condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(0.1)
