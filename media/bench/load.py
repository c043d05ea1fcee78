"""A load-generator process of the benchmark (``python -m media.bench.load``), driven through stdin/stdout.

Two roles, each in its own process so that neither disturbs the other's timing:

* ``probe``: one more publisher in the room that encodes live (320x240, so that its encoder is never what
  limits the run) with its send time stamped into the picture, sent both to the server and straight to a
  direct subscriber, and one more subscriber that decodes it through the server; the added latency is the
  difference, frame by frame, between the two decoded copies;
* ``bulk`` (``--part i --parts k``: every k-th site): the scenario's sites, replaying pre-encoded media and
  counting frames at the RTP level.

Commands (one JSON object per line on stdin): ``subscribe`` (set the slots: every site has joined by then),
``window_start``, ``window_end``, ``stop``. Replies on stdout: ``ready``, ``subscribed``, ``warm`` (with
``ok``), ``result``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any

from aiortc import RTCBundlePolicy, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamTrack
from av import VideoFrame

from media.bench import clip
from media.bench.counter import StreamCounter
from media.bench.peers import BenchSite
from media.bench.replay import ReplayPublisher
from media.bench.sources import CounterVideoTrack, read_stamp
from media.client import MediaClient

ROOM = "bench"
WARM_TIMEOUT = 45.0
JUDGE_LAG = 0.3  # frames first seen this close to the end of the window are not judged (they may yet complete)

MAX_BUNDLE = RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)


def say(event: str, **data: Any) -> None:
    print(json.dumps({"event": event, **data}), flush=True)


def site_name(index: int) -> str:
    return f"site-{index}"


class Load:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.client = MediaClient(args.url, args.token)
        self.sites: list[BenchSite] = []
        self.indexes: list[int] = []
        self.window: tuple[float, float] = (0.0, 0.0)
        self._wall_start = 0
        self._tasks: list[asyncio.Task[None]] = []
        # Probe only: stamp -> wall time (µs) it was decoded, directly and through the server.
        self.direct: dict[int, int] = {}
        self.relayed: dict[int, int] = {}
        self._pcs: list[RTCPeerConnection] = []

    # Who is where.
    def mine(self) -> list[int]:
        """The site indexes this bulk process plays: every ``parts``-th one.

        In a fanout the publisher has a process to itself (when there are two or more), so that the
        subscribers' load never makes it late.
        """
        part, parts = self.args.part, self.args.parts
        if self.args.scenario == "fanout":
            if parts == 1:
                return list(range(self.args.sites + 1))
            if part == 0:
                return [0]
            return [i for i in range(1, self.args.sites + 1) if i % (parts - 1) == part - 1]
        return [i for i in range(self.args.sites) if i % parts == part]

    def audio_sources(self, index: int) -> list[int]:
        """The sites whose audio site ``index`` hears: the next K, so that each is heard by K sites."""
        n = self.args.sites
        return [(index + k) % n for k in range(1, min(self.args.audio_slots, n - 1) + 1)]

    def make_site(self, index: int, video: list[clip.EncodedFrame], audio: list[bytes]) -> BenchSite:
        n, k = self.args.sites, self.args.audio_slots
        if self.args.scenario == "fanout":
            if index == 0:
                return BenchSite(site_name(0), replay=ReplayPublisher(video, audio, offset=0))
            return BenchSite(f"sub-{index}", video_slots=1, audio_slots=1, loss=self.args.loss, seed=index)
        replay = ReplayPublisher(video, audio, offset=index)
        return BenchSite(
            site_name(index),
            replay=replay,
            video_slots=n - 1,
            audio_slots=min(k, n - 1),
            loss=self.args.loss,
            seed=index,
        )

    async def set_slots(self, site: BenchSite, index: int) -> None:
        # Every site's tracks are negotiated in the same order: video "0", audio "1". The requests are
        # independent of each other, so they go at once (the server handles requests concurrently).
        pairs: list[tuple[str, int, str]] = []
        if self.args.scenario == "fanout":
            if index > 0:
                pairs = [(site.slots("video")[0], 0, "0"), (site.slots("audio")[0], 0, "1")]
        else:
            others = [i for i in range(self.args.sites) if i != index]
            pairs = [(slot, other, "0") for slot, other in zip(site.slots("video"), others, strict=True)]
            audio = zip(site.slots("audio"), self.audio_sources(index), strict=True)
            pairs += [(slot, other, "1") for slot, other in audio]
        await asyncio.gather(
            *(self.client.set_slot(ROOM, site.name, slot, site_name(other), track) for slot, other, track in pairs)
        )

    # The replaying publishers send from one loop, not one task each: cheaper, and all on the same beat.
    async def pump(self) -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        tick = 0
        while True:
            tick += 1
            delay = start + tick * 0.02 - loop.time()
            if delay < -0.1:
                # Starved for a while: skip the beats missed, as a camera would, rather than send them in a burst.
                start -= delay
                delay = 0.0
            await asyncio.sleep(max(0.0, delay))
            now = time.monotonic()
            for site in self.sites:
                if site.replay is not None:
                    site.replay.send_audio()
                    if tick % 10 in (0, 3, 7):  # 15 frames per second on a 50 Hz beat
                        site.replay.send_video_frame()
                    if tick % 50 == 0:
                        site.send_reports()
                site.tick(now)

    async def join_bulk(self) -> None:
        video, audio = clip.video_clip(), clip.audio_clip()
        self.indexes = self.mine()
        self.sites = [self.make_site(i, video, audio) for i in self.indexes]
        # The fanout's publisher first; then everyone else at once.
        if self.args.scenario == "fanout" and self.indexes and self.indexes[0] == 0:
            await self.join_site(self.sites[0])
        # In a fanout the publisher is in the room by now: a subscriber sets its slots as soon as it has joined,
        # as a real client would. (All-to-all slots name sites that may not have joined yet: they wait for
        # "subscribe".)
        early = self.args.scenario == "fanout"
        pairs = zip(self.sites, self.indexes, strict=True)
        await asyncio.gather(*(self.join_site(s, i if early else None) for s, i in pairs if not s.result))
        self._tasks.append(asyncio.create_task(self.pump()))
        say("ready")

    async def join_site(self, site: BenchSite, subscribe_as: int | None = None) -> None:
        async def join(sdp: str) -> dict[str, Any]:
            return await self.client.join(ROOM, site.name, sdp)

        await site.join(join)
        if subscribe_as is not None and subscribe_as > 0:
            await self.subscribe_site(site, subscribe_as)

    async def subscribe_bulk(self) -> None:
        pairs = zip(self.sites, self.indexes, strict=True)
        await asyncio.gather(*(self.subscribe_site(s, i) for s, i in pairs if "slots_set" not in s.steps))

    async def subscribe_site(self, site: BenchSite, index: int) -> None:
        site.steps["slots_asked"] = time.monotonic()
        await self.set_slots(site, index)
        site.steps["slots_set"] = time.monotonic()

    async def join_probe(self) -> None:
        """A live publisher beside the load, watched directly and through the server."""
        camera = CounterVideoTrack(width=320, height=240, fps=15, stamp_time=True)
        relay = MediaRelay()
        publisher, direct, latency, direct_sender = (RTCPeerConnection(MAX_BUNDLE) for _ in range(4))
        publisher.addTransceiver(relay.subscribe(camera, buffered=False), direction="sendonly")
        await publisher.setLocalDescription(await publisher.createOffer())
        answer = await self.client.join(ROOM, "probe", publisher.localDescription.sdp)
        await publisher.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))
        # The same live picture straight to a subscriber in this process: the reference for latency.
        direct_sender.addTransceiver(relay.subscribe(camera, buffered=False), direction="sendonly")
        self.watch(direct, self.direct)
        await direct_sender.setLocalDescription(await direct_sender.createOffer())
        await direct.setRemoteDescription(direct_sender.localDescription)
        await direct.setLocalDescription(await direct.createAnswer())
        await direct_sender.setRemoteDescription(direct.localDescription)
        # And through the server, to one more subscriber that decodes.
        latency.addTransceiver("video", direction="recvonly")
        self.watch(latency, self.relayed)
        await latency.setLocalDescription(await latency.createOffer())
        answer = await self.client.join(ROOM, "latency", latency.localDescription.sdp)
        await latency.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))
        await self.client.set_slot(ROOM, "latency", answer["slots"][0]["mid"], "probe", "0")
        self._pcs = [publisher, direct_sender, direct, latency]
        say("ready")

    def watch(self, pc: RTCPeerConnection, into: dict[int, int]) -> None:
        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            async def read() -> None:
                while True:
                    try:
                        frame = await track.recv()
                    except Exception:
                        return
                    if isinstance(frame, VideoFrame):
                        into[read_stamp(frame)] = int(time.time() * 1_000_000)
                    if len(into) > 5000:
                        for old in list(into)[:1000]:
                            del into[old]

            self._tasks.append(asyncio.create_task(read()))

    # Measuring.
    def counters(self) -> list[StreamCounter]:
        return [c for site in self.sites for c in site.counters.values()]

    async def warm(self) -> None:
        deadline = time.monotonic() + WARM_TIMEOUT
        while time.monotonic() < deadline:
            video = [c for c in self.counters() if c.kind == "video"]
            probe_ok = self.args.role != "probe" or (self.direct and self.relayed)
            if probe_ok and all(c.first_frame is not None for c in video):
                say("warm", ok=True)
                return
            await asyncio.sleep(0.1)
        say("warm", ok=False)

    def window_start(self) -> None:
        now = time.monotonic()
        for counter in self.counters():
            counter.in_window = True
            counter.window_packets = 0
            # Only frames first seen in the window count (``displayed`` skips the others). Frames still being
            # assembled stay: cleared, the rest of a frame begun before the window would make a frame without
            # its first packet — never complete, so every picture after it undecodable until a keyframe, up
            # to a second of freeze that no loss caused.
            counter.done.clear()
        self.window = (now, now)
        self._wall_start = int(time.time() * 1_000_000)

    def window_end(self) -> dict[str, Any]:
        end = time.monotonic()
        start = self.window[0]
        wall_end = int(time.time() * 1_000_000)
        streams = []
        for site in self.sites:
            for counter in site.counters.values():
                counter.in_window = False
                entry: dict[str, Any] = {
                    "label": counter.label,
                    "kind": counter.kind,
                    "packets": counter.window_packets,
                }
                if counter.kind == "video":
                    frames, freeze = displayed(counter, start, end)
                    judged = end - JUDGE_LAG - start
                    entry.update(frames=frames, fps=frames / judged, longest_freeze_ms=freeze * 1000)
                    if freeze > 0.3:
                        entry["freeze"] = freeze_cause(counter, start, end)
                streams.append(entry)
        first_frames = []
        for site in self.sites:
            firsts = [c.first_frame for c in site.counters.values() if c.kind == "video" and c.first_frame is not None]
            if any(c.kind == "video" for c in site.counters.values()):
                first_frames.append((min(firsts) - site.join_requested) * 1000 if firsts else None)
        result: dict[str, Any] = {
            "seconds": end - start,
            "streams": streams,
            "first_frame_ms": first_frames,
            "first_frame_steps": [self.first_frame_steps(site) for site in self.sites if site.counters],
            "injected_losses": sum(site.injected_losses for site in self.sites),
        }
        if self.args.role == "probe":
            result["added_latency_ms"] = [
                (decoded - self.direct[stamp]) / 1000
                for stamp, decoded in self.relayed.items()
                if stamp in self.direct and self._wall_start <= decoded <= wall_end
            ]
        return result

    def first_frame_steps(self, site: BenchSite) -> dict[str, float]:
        """ms from the site's join request to each step toward its first picture (its earliest slot)."""
        video = [c for c in site.counters.values() if c.kind == "video"]
        steps = dict(site.steps)
        packets = [c.first_packet for c in video if c.first_packet is not None]
        frames = [c.first_frame for c in video if c.first_frame is not None]
        if packets:
            steps["first_packet"] = min(packets)
        if frames:
            steps["first_frame"] = min(frames)
        return {name: round((at - site.join_requested) * 1000) for name, at in steps.items()}

    async def main(self) -> None:
        await self.client.connect()
        if self.args.role == "probe":
            await self.join_probe()
        else:
            await self.join_bulk()
        reader = asyncio.StreamReader()
        await asyncio.get_running_loop().connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        warm_task: asyncio.Task[None] | None = None
        while True:
            line = await reader.readline()
            if not line:
                break
            command = json.loads(line)["cmd"]
            if command == "subscribe":
                if self.args.role == "bulk":
                    await self.subscribe_bulk()
                say("subscribed")
                warm_task = asyncio.create_task(self.warm())
            elif command == "window_start":
                self.window_start()
            elif command == "window_end":
                say("result", **self.window_end())
            elif command == "stop":
                break
        if warm_task is not None:
            warm_task.cancel()
        for task in self._tasks:
            task.cancel()
        for site in self.sites:
            await site.close()
        for pc in self._pcs:
            await pc.close()
        await self.client.close()


def displayed(counter: StreamCounter, start: float, end: float) -> tuple[int, float]:
    """Frames a decoder would have shown in [start, end], and the longest time without a new one.

    A frame is shown once it is complete and every frame before it since the last keyframe was; a frame
    that never completes stops the picture until the next keyframe. Frames first seen in the last
    300 ms are not judged yet.
    """
    horizon = end - JUDGE_LAG
    decodable = True
    last = start
    longest = 0.0
    shown = 0
    for frame in sorted(counter.window_frames(), key=lambda f: f.seen):
        if frame.seen < start:
            continue
        if frame.seen > horizon:
            break
        if frame.complete and (decodable or frame.keyframe):
            decodable = True
            shown_at = max(frame.complete, last)
            if shown_at >= start:
                longest = max(longest, shown_at - last)
                last = shown_at
                shown += 1
        elif not frame.complete:
            decodable = False
    longest = max(longest, horizon - last)
    return shown, longest


def freeze_cause(counter: StreamCounter, start: float, end: float) -> dict[str, Any]:
    """Where the longest freeze of a stream was, and why: frames late, or a frame never completed."""
    horizon = end - JUDGE_LAG
    decodable = True
    last = start
    worst: dict[str, Any] = {"ms": 0.0}
    broken_at: float | None = None
    for frame in sorted(counter.window_frames(), key=lambda f: f.seen):
        if frame.seen < start or frame.seen > horizon:
            continue
        if frame.complete and (decodable or frame.keyframe):
            shown_at = max(frame.complete, last)
            if shown_at - last > worst["ms"] / 1000:
                worst = {
                    "ms": round((shown_at - last) * 1000),
                    "at_s": round(last - start, 2),
                    "cause": "incomplete_frame" if not decodable else "late",
                    "broken_for_ms": None if broken_at is None else round((shown_at - broken_at) * 1000),
                    "ended_by_keyframe": frame.keyframe,
                }
            decodable = True
            broken_at = None
            last = shown_at
        elif not frame.complete:
            if decodable:
                broken_at = frame.seen
            decodable = False
    worst["gave_up_nacks"] = counter.gave_up
    return worst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m media.bench.load")
    parser.add_argument("--role", choices=("probe", "bulk"), required=True)
    parser.add_argument("--scenario", choices=("fanout", "all-to-all"), required=True)
    parser.add_argument("--sites", type=int, required=True)
    parser.add_argument("--audio-slots", type=int, default=3)
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", default="")
    parser.add_argument("--part", type=int, default=0, help="which share of the sites this process plays")
    parser.add_argument("--parts", type=int, default=1)
    parser.add_argument("--loss", type=float, default=0.0, help="share of RTP dropped toward each subscriber")
    args = parser.parse_args(argv)
    asyncio.run(Load(args).main())
    return 0


if __name__ == "__main__":
    sys.exit(main())
