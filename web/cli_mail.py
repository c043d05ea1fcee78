"""``giaoban outbox run|status`` and ``giaoban bench mail``."""

from __future__ import annotations

import argparse
import asyncio
import signal
from pathlib import Path
from typing import Any

from web.cli_settings import UsageError, load_settings


def add_commands(sub: Any) -> None:
    outbox = sub.add_parser("outbox", help="the durable outbox of mail (and, later, filing packages)")
    commands = outbox.add_subparsers(dest="outbox_command", required=True)
    run = commands.add_parser("run", help="run the outbox worker on its own, until SIGTERM or Ctrl-C")
    run.set_defaults(func=cmd_outbox_run)
    status = commands.add_parser("status", help="items by status, and the dead and failed ones")
    status.set_defaults(func=cmd_outbox_status)


def add_bench_command(kinds: Any) -> None:
    """Add ``mail`` to the ``giaoban bench`` subcommands."""
    mail = kinds.add_parser("mail", help="invitations of one meeting through the outbox to a slow SMTP server")
    mail.add_argument("--recipients", type=int, default=11, help="invited sites (default 11)")
    mail.add_argument("--json", type=Path, required=True, help="where to write the figures")
    mail.add_argument("--delay-ms", type=float, default=50.0, help="the server's delay before every answer")
    mail.add_argument("--connections", type=int, default=None, help="parallel connections (default: settings)")
    mail.add_argument("--runs", type=int, default=3, help="runs per mode; the median is reported")
    mail.set_defaults(func=cmd_bench_mail)


def cmd_outbox_run(args: argparse.Namespace) -> int:
    from meetings import db
    from web.mail_delivery import outbox_worker

    settings = load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_database_url
    db.upgrade(url)
    engine = db.make_engine(url)
    try:
        worker = outbox_worker(settings, engine, settings.resolved_secret_key())
    except ValueError as exc:  # an unusable GIAOBAN_SMTP_URL
        raise UsageError(str(exc)) from exc

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        worker.start()
        print(f"outbox worker {worker.worker_id} running", flush=True)
        await stop.wait()
        await worker.stop()

    try:
        asyncio.run(main())
    finally:
        engine.dispose()
    return 0


def cmd_outbox_status(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from meetings import db
    from meetings.outbox import problem_items, status_counts

    settings = load_settings()
    engine = db.make_engine(settings.resolved_database_url)
    try:
        with Session(engine) as session:
            counts = status_counts(session)
            problems = problem_items(session, limit=50)
    finally:
        engine.dispose()
    print("  ".join(f"{status.value}: {count}" for status, count in counts.items()))
    for item in problems:
        reply = " ".join(item.last_reply.split())[:100]
        print(f"#{item.id} {item.status} {item.purpose} → {item.destination or '(no address)'}: {reply}")
    return 0


def cmd_bench_mail(args: argparse.Namespace) -> int:
    try:
        from web.bench_mail import run
    except ImportError as exc:  # aiosmtpd, the local SMTP server, is a development dependency
        raise UsageError(f"bench mail needs the dev extra (pip install -e '.[dev]'): {exc}") from exc
    if not 1 <= args.recipients <= 500:
        raise UsageError("--recipients must be between 1 and 500")
    if args.delay_ms < 0 or args.runs < 1:
        raise UsageError("--delay-ms must not be negative and --runs at least 1")
    if args.connections is not None and not 1 <= args.connections <= 16:
        raise UsageError("--connections must be between 1 and 16")
    result = run(
        recipients=args.recipients,
        delay=args.delay_ms / 1000,
        connections=args.connections,
        runs=args.runs,
        json_path=args.json,
    )
    return 0 if result else 1
