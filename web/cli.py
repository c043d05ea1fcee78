"""The ``giaoban`` command. Settings are read from the environment by its commands (``web.cli_settings``) only."""

from __future__ import annotations

import argparse
import os
import select
import sys
from collections.abc import Callable, Sequence
from typing import TextIO
from urllib.parse import urlsplit

from web.cli_settings import UsageError, load_settings

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def base_url_warning(base_url: str, port: int) -> str | None:
    """Why the links giaoban writes (mails, join links) would not reach this server, if they would not.

    Only a loopback base URL on another port is surely wrong: behind a reverse proxy the public address
    rightly has a port of its own.
    """
    url = urlsplit(base_url)
    if url.hostname not in LOOPBACK_HOSTS:
        return None
    url_port = url.port or (443 if url.scheme == "https" else 80)
    if url_port == port:
        return None
    return (
        f"warning: GIAOBAN_BASE_URL is {base_url} but the service listens on port {port}: the links in "
        f"invitation mails and on the meeting pages will not reach it; set GIAOBAN_BASE_URL"
    )


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from web.app import create_app
    from web.room import protocol

    settings = load_settings()
    if warning := base_url_warning(settings.base_url, args.port):
        print(f"giaoban: {warning}", file=sys.stderr)
    app = create_app(settings)
    ssl: dict[str, str] = {}
    if settings.tls_certfile and settings.tls_keyfile:
        ssl = {"ssl_certfile": str(settings.tls_certfile), "ssl_keyfile": str(settings.tls_keyfile)}
    # The signalling socket refuses messages over 64 KB itself; the server need not buffer 16 MB (its default)
    # of a hostile frame before that check can run.
    ws_max_size = protocol.MAX_MESSAGE_BYTES + 4096
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="info",
        ws_max_size=ws_max_size,
        **ssl,  # type: ignore[arg-type]
    )
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from meetings import db

    settings = load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db.upgrade(settings.resolved_database_url)
    print("database is up to date")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="giaoban", description="Online meetings for local government")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="start the service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(func=cmd_serve)

    dbp = sub.add_parser("db", help="database maintenance")
    dbsub = dbp.add_subparsers(dest="db_command", required=True)
    up = dbsub.add_parser("upgrade", help="apply migrations")
    up.set_defaults(func=cmd_db_upgrade)

    from web import cli_directory

    cli_directory.add_commands(sub)
    from web.room import cli as room_cli

    room_cli.add_commands(sub)

    from media.bench.command import add_bench_command
    from web import cli_mail

    bench_kinds = add_bench_command(sub)
    cli_mail.add_bench_command(bench_kinds)
    cli_mail.add_commands(sub)
    return parser


# What a Unix tool killed by SIGPIPE exits with (128 + 13), as ``yes | head`` does.
EXIT_BROKEN_PIPE = 141


def reader_gone(stream: TextIO) -> bool:
    """Whether whoever reads ``stream``, a pipe, has gone (``giaoban demo | head`` once head has its lines)."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return False
    poller = select.poll()
    poller.register(fd, select.POLLOUT)
    return any(events & select.POLLERR for _fd, events in poller.poll(0))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)  # inside: ``--help | head`` writes too
        func: Callable[[argparse.Namespace], int] = args.func
        code = func(args)
        sys.stdout.flush()  # here, where a closed pipe can be caught, not in the interpreter's exit
        return code
    except UsageError as exc:
        print(f"giaoban: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        if not reader_gone(sys.stdout):
            raise  # another pipe or socket broke: a real error
        # Quietly, like other tools; stdout goes to /dev/null so the final flush at exit cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


if __name__ == "__main__":
    sys.exit(main())
