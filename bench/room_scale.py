"""A province meeting on one server: N commune sites (and the chair) in one room, through the real app.

    .venv/bin/python bench/room_scale.py run --sites 60 --port 8200 --dir /tmp/scale --processes 3 --json out.json

``run`` makes a fresh data folder (``--dir``, wiped first), a province People's Committee with N communes
(one site each), its chair and secretary, and an urgent meeting inviting every commune, published and opened;
starts ``giaoban serve`` there; joins the chair (as themselves, so the console is sent) and N synthetic sites
(``web.room.bots.Bot``: aiortc peers through the real signalling) spread over ``--processes`` processes; and
measures:

- the time from the first join until every site has media connected and a picture in every video slot the
  room's ``layout`` says it carries (``ready_s``);
- over a steady window (``--seconds``), from /proc: CPU of the web process and of the media process (cores),
  their resident memory, and of the bots' processes; the frames each site decoded per second;
- every WebSocket message the web app sent, counted by type (messages and bytes), over the join phase and
  over the window; the chair's ``console`` messages apart;
- during the window one site after another speaks (its tone on, the others silent) every ``--turn``
  seconds, so the active speaker moves as in a meeting where communes report in turn;
- the server log's warnings and errors.

Not a test: a measurement, on this machine, with whatever else runs on it (``load_average`` is kept beside).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GIAOBAN = str(ROOT / ".venv" / "bin" / "giaoban")
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
TICKS = os.sysconf("SC_CLK_TCK")
BASE_FREQUENCY = 300


# ---------- the world ----------


def environment(folder: Path, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "GIAOBAN_DATA_DIR": str(folder / "var"),
        "GIAOBAN_BASE_URL": f"http://127.0.0.1:{port}",
        "GIAOBAN_SECRET_KEY": "scale-bench-" + "s" * 40,
        "GIAOBAN_ENVIRONMENT": "development",
        "GIAOBAN_PASSWORD_HASH_PROFILE": "standard",
    }


def make_world(sites: int) -> dict[str, Any]:
    """In this process's environment's database: the province, its communes, the meeting, opened. Returns the
    meeting's id and the join tokens (the chair's first)."""
    from meetings import directory, rooms, scheduling
    from meetings.directory import PersonDraft, SiteDraft, UnitDraft
    from meetings.meeting import MeetingKind
    from meetings.people import Role
    from meetings.scheduling import MeetingDraft
    from meetings.units import UnitLevel
    from web.app import create_app
    from web.cli_settings import load_settings
    from web.room.tokens import person_token, site_token

    settings = load_settings()
    app = create_app(settings)
    ctx = app.state.ctx
    with ctx.session() as session:
        province = directory.create_unit(
            session, None, UnitDraft(name="UBND tỉnh Thử Nghiệm", code="000.00.00.H99", level=UnitLevel.PROVINCE)
        )
        assert province.id is not None
        province_id = province.id
        chair = directory.create_person(
            session,
            None,
            PersonDraft(username="scale.chutich", full_name="Lò Văn Chủ", unit_id=province_id, roles=(Role.CHAIR,)),
        )
        secretary = directory.create_person(
            session,
            None,
            PersonDraft(username="scale.thuky", full_name="Pờ Thị Thư", unit_id=province_id, roles=(Role.SECRETARY,)),
        )
        site_ids = []
        for i in range(sites):
            unit = directory.create_unit(
                session,
                None,
                UnitDraft(
                    name=f"UBND xã Thử Nghiệm {i + 1}",
                    code=f"000.{1 + i // 100:02d}.{i % 100:02d}.H99",
                    level=UnitLevel.COMMUNE,
                    parent_id=province_id,
                ),
            )
            assert unit.id is not None
            site = directory.create_site(session, None, SiteDraft(unit_id=unit.id, name=f"Hội trường xã {i + 1}"))
            site_ids.append(site.id or 0)
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)
        draft = MeetingDraft(
            title="Họp trực tuyến UBND tỉnh với các xã",
            kind=MeetingKind.RESOLUTION,
            start_at=start,
            end_at=start + timedelta(hours=3),
            convening_unit_id=province_id,
            chair_id=chair.id or 0,
            secretary_id=secretary.id,
            urgent=True,
            urgent_reason="Ứng phó mưa lũ",
            site_ids=site_ids,
        )
        meeting = scheduling.create_meeting(session, secretary, draft, tz=HANOI)
        assert meeting.id is not None
        meeting = scheduling.publish_meeting(session, secretary, meeting.id, now=datetime.now(UTC), tz=HANOI)
        meeting_id = meeting.id or 0
        rooms.open_meeting(session, chair, meeting_id, now=datetime.now(UTC))
        tokens = [person_token(settings, ctx.secret_key, meeting_id, None, chair.id or 0, now=datetime.now(UTC))]
        tokens += [site_token(settings, ctx.secret_key, meeting, s) for s in site_ids]
    ctx.engine.dispose()
    return {"meeting": meeting_id, "tokens": tokens}


# ---------- the sites (one process runs a share of them) ----------


def _bot_class() -> Any:
    from websockets.asyncio.client import ClientConnection

    from web.room import protocol
    from web.room.bot_media import ToneTrack
    from web.room.bots import Bot

    class CountingBot(Bot):
        """A bot that counts every message the app sends it, by type, in number and bytes."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.message_counts: Counter[str] = Counter()
            self.message_bytes: Counter[str] = Counter()
            self.ready_at: float | None = None
            # Fewer audio slots than a room page negotiates: each is an Opus decoder at 50 frames a second in
            # the bots' processes, which would limit the run long before the server does.
            self.audio_slots: int | None = None

        async def _session(self, ws: ClientConnection) -> None:
            await self.send({"type": "join", "token": self.token, "client": f"giaoban-bot {self.label}"})
            async for raw in ws:
                message = json.loads(raw)
                kind = str(message.get("type"))
                self.message_counts[kind] += 1
                self.message_bytes[kind] += len(raw.encode() if isinstance(raw, str) else raw)
                await self._on_message(message)
            if ws.close_code in protocol.FINAL_CLOSE_CODES:
                self.state = "ended"

        async def _on_message(self, message: dict[str, Any]) -> None:
            if message.get("type") == "welcome" and self.audio_slots is not None:
                message["layout"]["audio"] = min(message["layout"]["audio"], self.audio_slots)
            await super()._on_message(message)

        def receiving(self) -> bool:
            shown = self.shown()
            return self.connected.is_set() and bool(shown) and all(self.frames[p] > 0 for p in shown)

    class TurnTone(ToneTrack):
        """A tone while it is this site's turn to speak (turns go round every ``turn`` seconds from ``t0``,
        the same clock in every process), silence otherwise."""

        index = 0
        total = 1
        turn = 0.0
        t0 = 0.0

        @property  # type: ignore[override]
        def silent(self) -> bool:
            if self.turn <= 0 or time.time() < self.t0:
                return True
            return int((time.time() - self.t0) / self.turn) % self.total != self.index

        @silent.setter
        def silent(self, value: bool) -> None:
            pass

    return CountingBot, TurnTone


async def _sites(args: argparse.Namespace) -> None:
    import web.room.bots as bots_module

    CountingBot, TurnTone = _bot_class()
    plan = json.loads(Path(args.plan).read_text())
    tokens: list[str] = plan["tokens"]
    mine = [(i, t) for i, t in enumerate(tokens) if i % args.processes == args.part]
    size = tuple(int(v) for v in args.size.split("x"))
    bots = []
    TurnTone.total, TurnTone.turn = len(tokens), args.turn

    def tone(frequency: int, silent: bool = False) -> Any:
        track = TurnTone(frequency)
        track.index = frequency - BASE_FREQUENCY  # the bot's number, passed through its tone's frequency
        return track

    # A bot makes its microphone's track in negotiate, by this name.
    bots_module.ToneTrack = tone  # type: ignore[attr-defined]
    for index, token in mine:
        bot = CountingBot(
            plan["ws_url"], token, label=f"site{index}", fps=args.fps, size=size, frequency=BASE_FREQUENCY + index
        )
        bot.audio_slots = args.audio_slots
        bots.append((index, bot))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)

    def begin_turns() -> None:  # the window begins: speaking turns start at the plan's t0
        TurnTone.t0 = json.loads(Path(args.plan).read_text())["t0"]

    TurnTone.t0 = plan["t0"]
    loop.add_signal_handler(signal.SIGUSR1, begin_turns)
    started = time.time()
    for _, bot in bots:
        bot.start()
        await asyncio.sleep(args.stagger)  # sites arrive over a few seconds, not in one instant
    out = Path(args.out)
    while not stop.is_set():
        for _, bot in bots:
            if bot.ready_at is None and bot.receiving():
                bot.ready_at = time.time()
        snapshot = {
            "pid": os.getpid(),
            "started": started,
            "sites": {
                str(index): {
                    "state": bot.state,
                    "ready_at": bot.ready_at,
                    "sessions": bot.sessions,
                    "frames": sum(bot.frames.values()),
                    "frames_by": dict(bot.frames),
                    "layout": bot.layout,
                    "shown": len(bot.shown()),
                    "counts": dict(bot.message_counts),
                    "sizes": dict(bot.message_bytes),
                    "errors": [e.get("code") for e in bot.errors],
                }
                for index, bot in bots
            },
        }
        tmp = out.with_suffix(".tmp")
        tmp.write_text(json.dumps(snapshot))
        tmp.replace(out)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.5)
    await asyncio.gather(*(bot.stop() for _, bot in bots))


# ---------- measuring ----------


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of a process; NaN once it is gone (a media process the app replaced)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / TICKS


def waiting_seconds(pid: int) -> float:
    """Seconds the process was runnable but had no CPU (its threads' run-queue wait, /proc/PID/schedstat)."""
    total = 0.0
    if not Path(f"/proc/{pid}").exists():
        return math.nan
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            total += int((task / "schedstat").read_text().split()[1]) / 1e9
    return total


def rss_mb(pid: int) -> float:
    if not Path(f"/proc/{pid}").exists():
        return math.nan
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def read_sites(outs: list[Path]) -> dict[str, Any]:
    sites: dict[str, Any] = {}
    for out in outs:
        with contextlib.suppress(FileNotFoundError, json.JSONDecodeError):
            sites.update(json.loads(out.read_text())["sites"])
    return sites


def message_totals(sites: dict[str, Any], chair: bool | None = None) -> dict[str, dict[str, int]]:
    counts: Counter[str] = Counter()
    sizes: Counter[str] = Counter()
    for index, site in sites.items():
        if chair is not None and (index == "0") != chair:
            continue
        counts.update(site["counts"])
        sizes.update(site["sizes"])
    return {kind: {"messages": counts[kind], "bytes": sizes[kind]} for kind in sorted(counts)}


def difference(after: dict[str, dict[str, int]], before: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    zero = {"messages": 0, "bytes": 0}
    return {
        k: {f: v[f] - before.get(k, zero)[f] for f in ("messages", "bytes")}
        for k, v in after.items()
        if v != before.get(k, zero)
    }


def run(args: argparse.Namespace) -> int:
    folder = Path(args.dir)
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "var").mkdir(parents=True)
    env = environment(folder, args.port)
    for command in ([GIAOBAN, "db", "upgrade"], [PYTHON, __file__, "world", "--sites", str(args.sites)]):
        world = subprocess.run(command, env=env, capture_output=True, text=True)
        if world.returncode != 0:
            print(world.stdout, world.stderr, file=sys.stderr)
            return 1
    plan = json.loads(world.stdout.strip().splitlines()[-1])
    serve_log = (folder / "serve.log").open("w")
    serve = subprocess.Popen(
        [GIAOBAN, "serve", "--port", str(args.port)], env=env, stdout=serve_log, stderr=subprocess.STDOUT
    )
    try:
        return _measure(args, folder, env, plan, serve)
    finally:
        serve.send_signal(signal.SIGINT)
        try:
            serve.wait(20)
        except subprocess.TimeoutExpired:
            serve.kill()


def _measure(
    args: argparse.Namespace, folder: Path, env: dict[str, str], plan: dict[str, Any], serve: subprocess.Popen[bytes]
) -> int:
    import urllib.error
    import urllib.request

    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{args.port}/healthz", timeout=1)
            break
        except urllib.error.HTTPError:
            break  # it answers
        except OSError:
            pass
        time.sleep(0.2)
    # The media process starts with the app; wait for it to be there.
    media_pid = None
    for _ in range(100):
        kids = children(serve.pid)
        if kids:
            media_pid = kids[0]
            break
        time.sleep(0.2)
    t0 = time.time() + 3600  # speaking turns begin with the window
    plan_file = folder / "plan.json"
    plan = {**plan, "ws_url": f"ws://127.0.0.1:{args.port}/ws/room", "t0": t0}
    plan_file.write_text(json.dumps(plan))
    outs = [folder / f"sites-{i}.json" for i in range(args.processes)]
    workers = [
        subprocess.Popen(
            [PYTHON, __file__, "sites", "--plan", str(plan_file), "--part", str(i), "--processes", str(args.processes),
             "--out", str(outs[i]), "--size", args.size, "--fps", str(args.fps), "--turn", str(args.turn),
             "--stagger", str(args.stagger), "--audio-slots", str(args.audio_slots)],
            env=env,
            stdout=(folder / f"sites-{i}.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        for i in range(args.processes)
    ]
    try:
        begun = time.time()
        total = len(plan["tokens"])
        result: dict[str, Any] = {"sites": args.sites, "participants": total, "processes": args.processes,
                                  "size": args.size, "fps": args.fps, "audio_slots": args.audio_slots}
        web_cpu0, media_cpu0 = cpu_seconds(serve.pid), cpu_seconds(media_pid) if media_pid else 0.0
        join_waits = [waiting_seconds(p) for p in (serve.pid, media_pid or serve.pid)]
        ready_s = None
        while time.time() - begun < args.join_timeout:
            sites = read_sites(outs)
            ready = [s for s in sites.values() if s["ready_at"] is not None]
            if len(ready) == total:
                ready_s = max(s["ready_at"] for s in ready) - begun
                break
            time.sleep(1.0)
        sites = read_sites(outs)
        result["ready_s"] = round(ready_s, 1) if ready_s is not None else None
        result["ready_sites"] = sum(1 for s in sites.values() if s["ready_at"] is not None)
        join_elapsed = time.time() - begun
        result["join"] = {
            "seconds": round(join_elapsed, 1),
            "web_cpu_s": round(cpu_seconds(serve.pid) - web_cpu0, 2),
            "media_cpu_s": round(cpu_seconds(media_pid) - media_cpu0, 2) if media_pid else None,
            "runqueue_wait": {
                name: round((waiting_seconds(pid) - w0) / join_elapsed, 3)
                for name, pid, w0 in zip(("web", "media"), (serve.pid, media_pid or serve.pid), join_waits, strict=True)
            },
            "web_cores": round((cpu_seconds(serve.pid) - web_cpu0) / join_elapsed, 3),
            "media_cores": round((cpu_seconds(media_pid) - media_cpu0) / join_elapsed, 3) if media_pid else None,
            "messages": message_totals(sites),
        }
        # The steady window: speaking turns go round.
        window_t0 = time.time() + 2.0
        plan["t0"] = window_t0
        plan_file.write_text(json.dumps(plan))
        for w in workers:
            w.send_signal(signal.SIGUSR1)
        time.sleep(2.0)
        before = read_sites(outs)
        start = time.time()
        web0, media0 = cpu_seconds(serve.pid), cpu_seconds(media_pid) if media_pid else 0.0
        bots0 = sum(cpu_seconds(w.pid) for w in workers)
        waits0 = [waiting_seconds(p) for p in (serve.pid, media_pid or serve.pid)]
        time.sleep(args.seconds)
        after = read_sites(outs)
        elapsed = time.time() - start
        frames = sorted(
            (after[k]["frames"] - before.get(k, {"frames": 0})["frames"]) / elapsed for k in after
        )
        result["window"] = {
            "seconds": round(elapsed, 1),
            "web_cores": round((cpu_seconds(serve.pid) - web0) / elapsed, 3),
            "media_cores": round((cpu_seconds(media_pid) - media0) / elapsed, 3) if media_pid else None,
            "bots_cores": round((sum(cpu_seconds(w.pid) for w in workers) - bots0) / elapsed, 3),
            "runqueue_wait": {  # seconds per second runnable without a CPU: the machine's other work
                name: round((waiting_seconds(pid) - w0) / elapsed, 3)
                for name, pid, w0 in (("web", serve.pid, waits0[0]), ("media", media_pid or serve.pid, waits0[1]))
            },
            "web_rss_mb": round(rss_mb(serve.pid), 1),
            "media_rss_mb": round(rss_mb(media_pid), 1) if media_pid else None,
            "frames_per_s_per_site": {
                "min": round(frames[0], 1), "median": round(frames[len(frames) // 2], 1), "max": round(frames[-1], 1)
            },
            "messages": difference(message_totals(after), message_totals(before)),
            "chair_messages": difference(message_totals(after, chair=True), message_totals(before, chair=True)),
            "site_reconnects": sum(s["sessions"] - 1 for s in after.values()),
            "errors": Counter(e for s in after.values() for e in s["errors"]),
            "states": Counter(s["state"] for s in after.values()),
        }
        result["load_average"] = os.getloadavg()
        text = (folder / "serve.log").read_text(errors="replace")
        # The app's own log lines (uvicorn's begin with INFO:), counted by their first words.
        result["log"] = Counter(line.strip()[:60] for line in text.splitlines() if not line.startswith("INFO:"))
        result["media_replaced"] = media_pid is not None and media_pid not in children(serve.pid)
    finally:
        for w in workers:
            w.send_signal(signal.SIGTERM)
        for w in workers:
            try:
                w.wait(30)
            except subprocess.TimeoutExpired:
                w.kill()
    print(json.dumps(result, indent=1, ensure_ascii=False))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1, ensure_ascii=False))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="the whole measurement")
    r.add_argument("--sites", type=int, required=True)
    r.add_argument("--port", type=int, default=8200)
    r.add_argument("--dir", default="/tmp/scale")
    r.add_argument("--processes", type=int, default=3, help="processes playing the sites")
    r.add_argument("--size", default="160x120")
    r.add_argument("--fps", type=int, default=10)
    r.add_argument("--seconds", type=float, default=30.0, help="the steady window")
    r.add_argument("--turn", type=float, default=3.0, help="seconds each site speaks in the window")
    r.add_argument("--stagger", type=float, default=0.1, help="seconds between two sites' joins, per process")
    r.add_argument("--audio-slots", type=int, default=1, help="audio slots each site negotiates (a page: 4)")
    r.add_argument("--join-timeout", type=float, default=180.0)
    r.add_argument("--json", default="")
    r.set_defaults(func=run)
    w = sub.add_parser("world")
    w.add_argument("--sites", type=int, required=True)
    w.set_defaults(func=lambda a: print(json.dumps(make_world(a.sites))) or 0)
    s = sub.add_parser("sites")
    for name in ("--plan", "--out", "--size"):
        s.add_argument(name, required=True)
    for name in ("--part", "--processes", "--fps"):
        s.add_argument(name, type=int, required=True)
    s.add_argument("--turn", type=float, default=0.0)
    s.add_argument("--audio-slots", type=int, default=1)
    s.add_argument("--stagger", type=float, default=0.1)
    s.set_defaults(func=lambda a: asyncio.run(_sites(a)) or 0)
    args = parser.parse_args()
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
