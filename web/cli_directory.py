"""Directory commands of ``giaoban``: import a directory file, seed the demo, make API tokens, set passwords.

Each command reads the settings, brings the database up to date, then works in one session. Bad input
ends with exit code 2 and a one-line reason (one line per bad row for an import).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from meetings import db
from meetings.accounts import password_hasher
from meetings.errors import DomainError
from meetings.units import Unit
from web.cli_settings import UsageError, load_settings


def _hasher() -> PasswordHasher:
    """The password hasher of the configured profile (GIAOBAN_PASSWORD_HASH_PROFILE)."""
    return password_hasher(load_settings().password_hash_profile)


@contextmanager
def _session() -> Iterator[Session]:
    settings = load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_database_url
    db.upgrade(url)
    engine = db.make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            yield session
    finally:
        engine.dispose()


def cmd_directory_import(args: argparse.Namespace) -> int:
    from meetings.directory_import import DirectoryImportError, format_for, import_directory

    path = Path(args.file)
    try:
        fmt = format_for(path, args.format)
        data = path.read_bytes()
    except DomainError as exc:
        raise UsageError(exc.message) from exc
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from exc
    with _session() as session:
        try:
            report = import_directory(session, data, fmt, hasher=_hasher())
        except DirectoryImportError as exc:
            for line, message in exc.problems:
                print(f"line {line}: {message}", file=sys.stderr)
            return 2
    for summary in report.summary():
        print(summary)
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    from meetings.accounts import create_api_token
    from meetings.directory import person_by_username

    with _session() as session:
        person = person_by_username(session, args.username)
        if person is None:
            raise UsageError(f"no such user: {args.username}")
        try:
            token = create_api_token(session, person, args.name)
        except DomainError as exc:
            raise UsageError(exc.message) from exc
    print(token)
    return 0


def _read_new_password() -> str:
    """From the terminal (asked twice), or the first line of standard input when it is not a terminal."""
    if sys.stdin.isatty():
        first = getpass.getpass("Mật khẩu mới (new password): ")
        if getpass.getpass("Nhập lại (again): ") != first:
            raise UsageError("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def cmd_user_password(args: argparse.Namespace) -> int:
    from meetings.accounts import set_password
    from meetings.directory import person_by_username

    with _session() as session:
        person = person_by_username(session, args.username)
        if person is None:
            raise UsageError(f"no such user: {args.username}")
        try:
            set_password(session, person, _read_new_password(), hasher=_hasher())
        except DomainError as exc:
            raise UsageError(exc.message) from exc
    print(f"password set for {person.username}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from meetings.demo import demo_logins, demo_present, logins_table, seed_demo

    outcome = None
    with _session() as session:
        if args.if_empty and session.exec(select(Unit)).first() is not None:
            if not demo_present(session):
                print("the directory is not empty: demo not seeded")
                return 0
            logins = demo_logins()
            print("Demo directory already present. Demo log-ins (tài khoản dùng thử):")
        else:
            from web.demo_publishing import seed_and_publish  # loads the PDF renderer (2 s): only to seed

            logins = seed_demo(session, hasher=_hasher())
            engine = session.get_bind()
            assert isinstance(engine, Engine)
            outcome = seed_and_publish(load_settings(), engine, now=datetime.now(UTC))
            print("Demo directory seeded. Demo log-ins (tài khoản dùng thử):")
    print(logins_table(logins))
    if outcome is not None:
        if outcome.lines:
            print("Demo meetings (cuộc họp mẫu):", *outcome.lines, sep="\n")
        for problem in outcome.problems:
            print(f"giaoban: {problem}", file=sys.stderr)
    return 0


def add_commands(sub: Any) -> None:
    """Add the directory commands to the ``giaoban`` parser's subcommands."""
    directory = sub.add_parser("directory", help="the directory of units, sites and people")
    dsub = directory.add_subparsers(dest="directory_command", required=True)
    imp = dsub.add_parser("import", help="create or update units, sites and people from a JSON or CSV file")
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--format", choices=("json", "csv"), help="default: from the file name's extension")
    imp.set_defaults(func=cmd_directory_import)

    token = sub.add_parser("token", help="API tokens for integrations")
    tsub = token.add_subparsers(dest="token_command", required=True)
    create = tsub.add_parser("create", help="make a token for USERNAME and print it (shown only once)")
    create.add_argument("username", metavar="USERNAME")
    create.add_argument("--name", default="", help="what the token is for")
    create.set_defaults(func=cmd_token_create)

    user = sub.add_parser("user", help="accounts")
    usub = user.add_subparsers(dest="user_command", required=True)
    password = usub.add_parser("password", help="set USERNAME's password (read from the terminal or stdin)")
    password.add_argument("username", metavar="USERNAME")
    password.set_defaults(func=cmd_user_password)

    demo = sub.add_parser("demo", help="seed the demo directory and meetings, print its log-ins")
    demo.add_argument("--if-empty", action="store_true", help="only when the directory has no units yet")
    demo.set_defaults(func=cmd_demo)
