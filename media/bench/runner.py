"""``giaoban bench media``: run the scenario against giaoban's server and aiortc's stock relay, report medians.

One *cell* is one server (ours or the baseline) under one load: the server in its own process, the probe
and the bulk load generators in theirs; warm-up until every subscriber has its first frame, then a steady
window of S seconds over which the server's CPU, memory and what the subscribers received are measured.
The whole run (ours, then the baseline) is repeated three times and the medians reported.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from media.bench import clip, pathcost, procstat, profile
from media.bench.floor import floor_us_per_packet
from media.client import MediaClient, MediaProcess

KEYS = (
    "forwarded_streams",
    "relay_cores",
    "us_per_packet",
    "floor_us_per_packet",
    "min_fps",
    "mean_fps",
    "added_latency_p50_ms",
    "added_latency_p95_ms",
    "first_frame_ms",
    "longest_freeze_ms",
    "rss_mb_start",
    "rss_mb_end",
)


class LoadProcess:
    def __init__(self, args: list[str]) -> None:
        self.args = args
        self.process: asyncio.subprocess.Process | None = None
        self.seen: set[str] = set()  # events read so far

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "media.bench.load",
            *self.args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def send(self, command: str) -> None:
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(json.dumps({"cmd": command}).encode() + b"\n")
        await self.process.stdin.drain()

    @property
    def ready(self) -> bool:
        return "ready" in self.seen

    async def expect(self, event: str, timeout: float = 120.0) -> dict[str, Any]:
        assert self.process is not None and self.process.stdout is not None
        deadline = time.monotonic() + timeout
        while True:
            line = await asyncio.wait_for(self.process.stdout.readline(), max(0.1, deadline - time.monotonic()))
            if not line:
                raise RuntimeError(f"a load generator exited before '{event}'")
            try:
                data: dict[str, Any] = json.loads(line)
            except ValueError:
                continue
            self.seen.add(str(data.get("event")))
            if data.get("event") == event:
                return data

    async def stop(self) -> None:
        if self.process is None:
            return
        if self.process.returncode is None and self.process.stdin is not None:
            try:
                await self.send("stop")
                await asyncio.wait_for(self.process.wait(), 20)
            except (TimeoutError, ConnectionError, BrokenPipeError):
                self.process.kill()
                await self.process.wait()


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def run_cell(
    kind: str,
    scenario: str,
    sites: int,
    seconds: float,
    audio_slots: int,
    parts: int = 3,
    profile_path: Path | None = None,
    loss: float = 0.0,
) -> dict[str, Any]:
    """One server under one load; the figures of one run."""
    module = "media.service" if kind == "giaoban" else "media.bench.baseline"
    server = MediaProcess(module=module)
    url = await server.start()
    assert server.pid is not None
    common = ["--scenario", scenario, "--sites", str(sites), "--audio-slots", str(audio_slots), "--url", url]
    common += [f"--token={server.token}"]  # a token may start with "-"
    loads = [LoadProcess(["--role", "probe", *common])]
    # Loss is injected toward the bulk load's subscribers only: the probe measures latency, not recovery.
    bulk = [*common, "--loss", str(loss)]
    loads += [LoadProcess(["--role", "bulk", "--part", str(i), "--parts", str(parts), *bulk]) for i in range(parts)]
    diagnostics: dict[str, Any] = {}
    try:
        await loads[0].start()
        await loads[0].expect("ready")
        if scenario == "fanout" and parts > 1:
            # The publisher's process first: subscribers then set their slots as soon as each has joined.
            await loads[1].start()
            await loads[1].expect("ready", timeout=180)
        for load in loads[1:]:
            if load.process is None:
                await load.start()
        for load in loads[1:]:
            if not load.ready:
                await load.expect("ready", timeout=180)
        for load in loads:
            await load.send("subscribe")
        for load in loads:
            await load.expect("subscribed", timeout=180)
        warm = [await load.expect("warm", 120) for load in loads]
        floor = floor_us_per_packet()
        load_pids = [load.pid for load in loads]
        load_cpu_start = sum(procstat.cpu_seconds(pid) for pid in load_pids)
        waited_start = procstat.runqueue_wait(server.pid)
        forwarded_start = await forwarded_packets(server) if kind == "giaoban" else None
        drops_start = [procstat.udp_drops(pid) for pid in [server.pid, *load_pids]]
        cpu_start, rss_start, t_start = procstat.cpu_seconds(server.pid), procstat.rss_mb(server.pid), time.monotonic()
        for load in loads:
            await load.send("window_start")
        sampler = await profile.record(server.pid, seconds, profile_path) if profile_path is not None else None
        await asyncio.sleep(seconds)
        if sampler is not None:
            await sampler.wait()
        cpu_end, rss_end, t_end = procstat.cpu_seconds(server.pid), procstat.rss_mb(server.pid), time.monotonic()
        drops_end = [procstat.udp_drops(pid) for pid in [server.pid, *load_pids]]
        load_cpu = sum(procstat.cpu_seconds(pid) for pid in load_pids) - load_cpu_start
        diagnostics["load_generator_cores"] = round(load_cpu / (t_end - t_start), 3)
        # Time the server was runnable but got no CPU, per second: the machine is shared with other work.
        diagnostics["server_runqueue_wait"] = round(
            (procstat.runqueue_wait(server.pid) - waited_start) / (t_end - t_start), 3
        )
        diagnostics["kernel_drops_server"] = procstat.drops_between(drops_start[0], drops_end[0])
        diagnostics["kernel_drops_load"] = sum(map(procstat.drops_between, drops_start[1:], drops_end[1:]))
        forwarded_end = await forwarded_packets(server) if kind == "giaoban" else None
        for load in loads:
            await load.send("window_end")
        results = [await load.expect("result") for load in loads]
        diagnostics["server_responsive"] = await responsive(server)
        if kind == "giaoban":
            diagnostics.update(await server_diagnostics(server))
    finally:
        for load in loads:
            await load.stop()
        await server.stop()
    if profile_path is not None and profile_path.exists():
        diagnostics["profile"] = {"path": str(profile_path), **profile.summary(profile_path)}
    diagnostics["load_average"] = os.getloadavg()[0]  # the machine is shared: how busy it was meanwhile
    window = t_end - t_start
    video = [s for r in results for s in r["streams"] if s["kind"] == "video"]
    packets = sum(s["packets"] for r in results for s in r["streams"])
    cores = (cpu_end - cpu_start) / window
    # Per forwarded packet: counted by the server itself when it can (its packets that a starved load
    # generator failed to read were still forwarded), else at the subscribers (the baseline).
    if forwarded_start is not None and forwarded_end is not None:
        diagnostics["server_forwarded_packets"] = forwarded_end - forwarded_start
        forwarded = forwarded_end - forwarded_start
    else:
        forwarded = packets
    added = results[0].get("added_latency_ms", [])
    firsts = [f for r in results for f in r["first_frame_ms"]]
    worst = max(video, key=lambda s: s["longest_freeze_ms"], default=None)
    if worst is not None and "freeze" in worst:
        diagnostics["longest_freeze"] = {"stream": worst["label"], **worst["freeze"]}
    diagnostics["injected_losses"] = sum(r.get("injected_losses", 0) for r in results)
    # The slowest site's way to its first picture, step by step (ms from its join request).
    steps = [s for r in results for s in r.get("first_frame_steps", []) if "first_frame" in s]
    if steps:
        diagnostics["first_frame_steps_slowest"] = max(steps, key=lambda s: s["first_frame"])
        diagnostics["first_frame_steps_median"] = {
            name: statistics.median(s[name] for s in steps if name in s) for name in steps[0]
        }
    return {
        "forwarded_streams": sum(1 for s in video if s["frames"] > 0),
        "relay_cores": round(cores, 3),
        "us_per_packet": round((cpu_end - cpu_start) / forwarded * 1e6, 2) if forwarded else None,
        "floor_us_per_packet": round(floor, 2),
        "min_fps": round(min((s["fps"] for s in video), default=0.0), 2),
        "mean_fps": round(statistics.fmean(s["fps"] for s in video), 2) if video else 0.0,
        "added_latency_p50_ms": _round(percentile(added, 0.5)),
        "added_latency_p95_ms": _round(percentile(added, 0.95)),
        "first_frame_ms": None if not firsts or None in firsts else round(max(firsts)),
        "longest_freeze_ms": round(max((s["longest_freeze_ms"] for s in video), default=0.0)),
        "rss_mb_start": round(rss_start, 1),
        "rss_mb_end": round(rss_end, 1),
        "expected_streams": len(video),
        "packets": packets,
        "warm": all(w["ok"] for w in warm),
        "first_frames_ms": sorted(round(f) for f in firsts if f is not None),
        **diagnostics,
    }


async def responsive(server: MediaProcess) -> bool:
    """Whether the server still answers its control API within 5 s (a stalled event loop does not)."""
    client = MediaClient(server.url, server.token)
    try:
        await asyncio.wait_for(client.connect(), 5)
        return bool(await client.call("ping", timeout=5) == "pong")
    except (TimeoutError, OSError, ConnectionError):
        return False
    finally:
        await client.close()


async def forwarded_packets(server: MediaProcess) -> int:
    """RTP packets the server has forwarded since it started, counted by itself (ours only)."""
    client = MediaClient(server.url, server.token)
    await client.connect()
    try:
        return int((await client.call("inspect"))["forwarded_packets"])
    finally:
        await client.close()


async def server_diagnostics(server: MediaProcess) -> dict[str, Any]:
    """What the server saw: keyframes asked for and made, retransmissions, drops (ours only)."""
    client = MediaClient(server.url, server.token)
    await client.connect()
    try:
        stats = (await client.stats("bench")).get("bench", {})
        inspected = await client.call("inspect")
    finally:
        await client.close()
    tracks = [t for p in stats.values() for t in p["tracks"].values() if t["kind"] == "video"]
    connected = sorted(p["connected_ms"] for p in stats.values() if p.get("connected_ms") is not None)
    slots = [s for p in stats.values() for s in p["slots"].values() if s["kind"] == "video"]
    return {
        "keyframe_requests": sum(t["keyframe_requests"] for t in tracks),
        "keyframes": sum(t["keyframes"] for t in tracks),
        "upstream_lost": sum(t["lost"] for t in tracks),
        "retransmits": sum(s["retransmits"] for s in slots),
        "dropped": sum(sum(p["dropped"].values()) for p in stats.values()),
        # The server's side of the first-frame steps: from each join request to the transport up.
        "server_connected_ms": {"median": connected[len(connected) // 2], "max": connected[-1]} if connected else None,
        # Packets that took aiortc's own receive path instead of the direct read (since the start).
        "stock_path_packets": inspected.get("stock_path_packets"),
        # Garbage collections by generation since the start, their total and longest time.
        "gc": inspected.get("gc"),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in runs[0]:
        values = [r[key] for r in runs if isinstance(r.get(key), int | float) and not isinstance(r.get(key), bool)]
        if values:
            out[key] = statistics.median(values)
        elif key in KEYS:
            out[key] = None
    return out


def show(label: str, figures: dict[str, Any]) -> None:
    print(f"  {label}:")
    for key in KEYS:
        print(f"    {key:24} {figures.get(key)}")


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    clip.video_clip()
    clip.audio_clip()  # encoded (and cached) once, before anything is measured
    parts = args.load_processes
    ours: list[dict[str, Any]] = []
    stock: list[dict[str, Any]] = []
    for run in range(args.runs):
        print(f"run {run + 1}/{args.runs}: giaoban", flush=True)
        path = args.profile / f"giaoban-{args.scenario}-{run + 1}.raw" if args.profile else None
        ours.append(
            await run_cell("giaoban", args.scenario, args.sites, args.seconds, args.audio_slots, parts, path, args.loss)
        )
        show("giaoban", ours[-1])
        if not args.no_baseline:
            print(f"run {run + 1}/{args.runs}: baseline (aiortc MediaRelay)", flush=True)
            stock.append(
                await run_cell(
                    "baseline", args.scenario, args.sites, args.seconds, args.audio_slots, parts, loss=args.loss
                )
            )
            show("baseline", stock[-1])
    report: dict[str, Any] = {k: v for k, v in median_of(ours).items()}
    report["baseline"] = median_of(stock) if stock else None
    report["scenario"] = args.scenario
    report["sites"] = args.sites
    report["seconds"] = args.seconds
    report["loss"] = args.loss
    report["runs"] = {"giaoban": ours, "baseline": stock}
    # Where one forwarded packet's time goes, on the real receiver and downtracks, in this process.
    report["packet_path"] = await pathcost.measure(args.sites if args.scenario == "fanout" else args.sites - 1, 1000)
    return report


def run(args: argparse.Namespace) -> int:
    if args.sites < 1 or (args.scenario == "all-to-all" and args.sites < 2) or args.seconds <= 0 or args.runs < 1:
        print("giaoban: --sites must be at least 1 (2 for all-to-all), --seconds and --runs positive", file=sys.stderr)
        return 2
    if not 0.0 <= args.loss < 0.5:
        print("giaoban: --loss must be a share between 0 and 0.5 (0.02 for 2 %)", file=sys.stderr)
        return 2
    if not 1 <= args.load_processes <= 8:
        print("giaoban: --load-processes must be between 1 and 8", file=sys.stderr)
        return 2
    report = asyncio.run(bench(args))
    print(f"medians over {args.runs} run(s), {args.scenario}, {args.sites} sites, {args.seconds} s:")
    show("giaoban", report)
    if report["baseline"]:
        show("baseline (aiortc MediaRelay)", report["baseline"])
        if report["relay_cores"] and report["baseline"].get("relay_cores"):
            print(f"  baseline / giaoban relay_cores: {report['baseline']['relay_cores'] / report['relay_cores']:.1f}x")
    print(f"  packet path: {report['packet_path']}")
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {args.json}")
    return 0
