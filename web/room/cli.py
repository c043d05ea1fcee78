"""``giaoban bots``: synthetic sites joining a meeting through the real signalling.

    giaoban bots --meeting 12 --sites 3            # the first three invited sites, until Ctrl-C
    giaoban bots --meeting 12 --site 7 --seconds 60 --tone none

Each bot uses its site's signed join link (made with the app's secret, so run it where the app's settings
are), waits in the lobby like a real site, sends a moving test picture with its name and a frame counter and
a tone, and prints one status line per bot every few seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from typing import Any

from meetings import rooms as domain
from meetings.errors import DomainError
from web.cli_settings import UsageError, load_settings
from web.room.bots import Bot
from web.room.tokens import site_token
from web.settings import Settings

MAX_BOTS = 50


def add_commands(sub: Any) -> None:
    bots = sub.add_parser("bots", help="join synthetic sites to a meeting (demos, rehearsals, load tests)")
    bots.add_argument("--meeting", type=int, required=True, help="the meeting's number")
    bots.add_argument("--sites", type=int, default=1, help="how many invited sites join (default 1)")
    bots.add_argument("--site", type=int, action="append", default=[], help="join this invited site (repeatable)")
    bots.add_argument("--url", default="", help="the app's address (default: GIAOBAN_BASE_URL)")
    bots.add_argument("--seconds", type=float, default=0.0, help="leave after this long (default: until Ctrl-C)")
    bots.add_argument("--tone", choices=("first", "all", "none"), default="first", help="which bots send a tone")
    bots.add_argument("--size", default="320x240", help="picture size, WIDTHxHEIGHT")
    bots.add_argument("--fps", type=int, default=15)
    bots.add_argument("--status-every", type=float, default=5.0, help="seconds between status lines")
    bots.set_defaults(func=cmd_bots)


def _size(value: str) -> tuple[int, int]:
    width, _, height = value.lower().partition("x")
    if not (width.isdigit() and height.isdigit()) or not (64 <= int(width) <= 1920 and 48 <= int(height) <= 1080):
        raise UsageError(f"--size must look like 320x240 (64x48 to 1920x1080), not {value!r}")
    return int(width), int(height)


def _sites(settings: Settings, secret_key: str, args: argparse.Namespace) -> list[tuple[str, str]]:
    """(label, join token) of each site to join; UsageError when the meeting or the sites do not fit."""
    from meetings import db

    engine = db.make_engine(settings.resolved_database_url)
    try:
        from sqlmodel import Session

        with Session(engine) as session:
            try:
                meeting = domain.load_meeting(session, args.meeting)
                domain.check_joinable(meeting)
            except DomainError as exc:
                raise UsageError(exc.message) from None
            invited = {s.id: s for s in domain.invited_sites(session, args.meeting) if s.active}
            if args.site:
                missing = [i for i in args.site if i not in invited]
                if missing:
                    raise UsageError(f"site {missing[0]} is not invited to meeting {args.meeting}")
                chosen = [invited[i] for i in dict.fromkeys(args.site)]
            else:
                if len(invited) < args.sites:
                    raise UsageError(f"meeting {args.meeting} invites {len(invited)} sites, fewer than {args.sites}")
                chosen = list(invited.values())[: args.sites]
            return [(s.name, site_token(settings, secret_key, meeting, s.id or 0)) for s in chosen]
    finally:
        engine.dispose()


def cmd_bots(args: argparse.Namespace) -> int:
    if not 1 <= args.sites <= MAX_BOTS or len(args.site) > MAX_BOTS:
        raise UsageError(f"--sites must be between 1 and {MAX_BOTS}")
    if args.seconds < 0 or args.status_every <= 0 or not 1 <= args.fps <= 30:
        raise UsageError("--seconds must be positive, --status-every above 0, --fps between 1 and 30")
    size = _size(args.size)
    settings = load_settings()
    sites = _sites(settings, settings.resolved_secret_key(), args)
    base = (args.url or settings.base_url).rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise UsageError(f"--url must start with http:// or https://, not {base!r}")
    ws_url = "ws" + base.removeprefix("http") + "/ws/room"
    return asyncio.run(_run(ws_url, sites, args, size))


async def _run(ws_url: str, sites: list[tuple[str, str]], args: argparse.Namespace, size: tuple[int, int]) -> int:
    bots = [
        Bot(
            ws_url,
            token,
            label=label,
            tone=args.tone == "all" or (args.tone == "first" and i == 0),
            frequency=330 + 110 * (i % 5),
            fps=args.fps,
            size=size,
        )
        for i, (label, token) in enumerate(sites)
    ]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    for bot in bots:
        bot.start()
    deadline = loop.time() + args.seconds if args.seconds else None
    try:
        while not stop.is_set():
            timeout = args.status_every
            if deadline is not None:
                timeout = min(timeout, max(0.0, deadline - loop.time()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout)
            for bot in bots:
                print(bot.status(), flush=True)
            if deadline is not None and loop.time() >= deadline:
                break
            if all(b.state in ("refused", "ended", "replaced") for b in bots):
                break
    finally:
        await asyncio.gather(*(b.stop() for b in bots))
    refused = [b for b in bots if b.state == "refused"]
    for bot in refused:
        print(f"giaoban: {bot.label}: {bot.refusal}", file=sys.stderr)
    return 1 if refused else 0
