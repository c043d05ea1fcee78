"""The baseline: aiortc's stock way to relay, behind the media server's control API.

Each published track is decoded once (aiortc's receiver) and handed by ``MediaRelay`` to every subscriber,
whose ``RTCRtpSender`` encodes it again: 1 decode + N encodes. Run as ``python -m media.bench.baseline``;
it speaks the same protocol as ``media.service`` (join, set_slot, leave, stats, inspect, ping).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from typing import Any

from aiortc import RTCBundlePolicy, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamTrack

from media.config import MediaConfig
from media.errors import NegotiationError, UnknownParticipant, UnknownTrack
from media.service import MediaService

MAX_BUNDLE = RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)


class StockParticipant:
    def __init__(self) -> None:
        self.pc = RTCPeerConnection(MAX_BUNDLE)
        self.tracks: dict[str, MediaStreamTrack] = {}
        self.drains: list[asyncio.Task[None]] = []


class StockRelayServer:
    """Enough of ``MediaServer`` for the benchmark, done the stock aiortc way."""

    def __init__(self) -> None:
        self.relay = MediaRelay()
        self.rooms: dict[str, dict[str, StockParticipant]] = {}

    async def join(self, room_id: str, participant_id: str, offer_sdp: str) -> dict[str, Any]:
        room = self.rooms.setdefault(room_id, {})
        participant = StockParticipant()
        room[participant_id] = participant
        pc = participant.pc

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            mid = next(t.mid for t in pc.getTransceivers() if t.receiver.track is track)
            participant.tracks[mid or ""] = track

        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
        except Exception as exc:
            raise NegotiationError(str(exc)) from exc
        tracks, slots = [], []
        for transceiver in pc.getTransceivers():
            if transceiver._offerDirection == "sendonly":
                transceiver.direction = "sendonly"
                slots.append({"mid": transceiver.mid, "kind": transceiver.kind})
            else:
                tracks.append({"mid": transceiver.mid, "kind": transceiver.kind})
        await pc.setLocalDescription(await pc.createAnswer())
        return {"sdp": pc.localDescription.sdp, "tracks": tracks, "slots": slots}

    async def leave(self, room_id: str, participant_id: str) -> None:
        participant = self.rooms.get(room_id, {}).pop(participant_id, None)
        if participant is None:
            raise UnknownParticipant(participant_id)
        await participant.pc.close()

    def set_slot(self, room_id: str, subscriber: str, slot: str, publisher: str | None, track: str | None) -> None:
        room = self.rooms.get(room_id, {})
        if subscriber not in room or publisher not in room:
            raise UnknownParticipant(f"{subscriber} or {publisher}")
        source = room[publisher].tracks.get(track or "")
        transceiver = next((t for t in room[subscriber].pc.getTransceivers() if t.mid == slot), None)
        if source is None or transceiver is None:
            raise UnknownTrack(f"{publisher}/{track} -> {subscriber}/{slot}")
        transceiver.sender.replaceTrack(self.relay.subscribe(source))

    def set_paused(self, room_id: str, participant_id: str, kind: str, paused: bool) -> None:
        raise UnknownTrack("the stock relay cannot pause")

    def stats(self, room_id: str | None = None) -> dict[str, Any]:
        return {
            room: {pid: {"state": p.pc.connectionState} for pid, p in members.items()}
            for room, members in self.rooms.items()
        }

    async def close(self) -> None:
        for members in self.rooms.values():
            for participant in members.values():
                await participant.pc.close()
        self.rooms.clear()


async def run(host: str, port: int, token: str) -> None:
    service = MediaService(MediaConfig(), token, server=StockRelayServer())  # type: ignore[arg-type]
    server = await service.serve(host, port)
    print(json.dumps({"port": next(iter(server.sockets)).getsockname()[1]}), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()
    await service.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m media.bench.baseline")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--config", default="{}")
    args = parser.parse_args(argv)
    asyncio.run(run(args.host, args.port, os.environ.get("GIAOBAN_MEDIA_TOKEN", "")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
