"""The directory commands of ``giaoban``, run in-process against a real database."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlmodel import Session, select

from meetings import db
from meetings.accounts import authenticate, password_hasher, person_for_token
from meetings.meeting import Meeting
from meetings.people import Person
from meetings.units import Unit
from web.cli import EXIT_BROKEN_PIPE, base_url_warning, main, reader_gone

GOOD_CSV = """type,code,name,level,parent,unit,username,full_name,roles
unit,000.00.05.H37,UBND huyện Ngọc Khê,district,,,,,
unit,000.01.05.H37,UBND xã Tân Lập,commune,000.00.05.H37,,,,
site,,Phòng họp trực tuyến UBND xã Tân Lập,,,000.01.05.H37,,,
person,,,,,000.01.05.H37,cb.tanlap,Lò Thị Hoa,site_official
"""


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("GIAOBAN_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("GIAOBAN_DATABASE_URL", database_url)
    # The demo hashes 23 passwords: the cheap profile, which only the test environment accepts.
    monkeypatch.setenv("GIAOBAN_ENVIRONMENT", "test")
    monkeypatch.setenv("GIAOBAN_PASSWORD_HASH_PROFILE", "fast-insecure-for-tests")
    return database_url


@contextmanager
def _session(url: str) -> Iterator[Session]:
    engine = db.make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            yield session
    finally:
        engine.dispose()


def test_import_prints_counts_and_is_idempotent(env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "danhba.csv"
    path.write_text(GOOD_CSV, encoding="utf-8-sig")
    assert main(["directory", "import", str(path)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "units: 2 created, 0 updated, 0 unchanged",
        "sites: 1 created, 0 updated, 0 unchanged",
        "people: 1 created, 0 updated, 0 unchanged",
    ]
    assert main(["directory", "import", str(path)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "units: 0 created, 0 updated, 2 unchanged",
        "sites: 0 created, 0 updated, 1 unchanged",
        "people: 0 created, 0 updated, 1 unchanged",
    ]


def test_import_bad_row_exits_2_with_one_line(env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "danhba.txt"
    path.write_text(GOOD_CSV.replace("site_official", "site_officer"), encoding="utf-8")
    assert main(["directory", "import", "--format", "csv", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "line 5: roles: Vai trò «site_officer» không có; các vai trò: administrator, chair, secretary, "
        "site_official, site_operator.\n"
    )
    with _session(env) as session:
        assert session.exec(select(Unit)).all() == []


def test_import_nul_character_exits_2(env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """PostgreSQL cannot store a NUL: the row is refused by name, not a traceback from the database."""
    path = tmp_path / "danhba.csv"
    path.write_text(GOOD_CSV.replace("Lò Thị Hoa", "Lò Thị\x00Hoa"), encoding="utf-8")
    assert main(["directory", "import", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "line 5: Trường full_name chứa ký tự NUL (\\u0000), không lưu được.\n"
    with _session(env) as session:
        assert session.exec(select(Unit)).all() == []


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        (
            "danhba.xlsx",
            "x",
            "giaoban: Không biết định dạng của «danhba.xlsx»; dùng tệp .json hoặc .csv, hoặc chỉ rõ --format.\n",
        ),
        ("missing.json", None, "giaoban: cannot read {path}: No such file or directory\n"),
    ],
)
def test_import_unusable_file(
    env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: str | None, error: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    assert main(["directory", "import", str(path)]) == 2
    assert capsys.readouterr().err == error.format(path=path)


def test_demo_if_empty_then_token_and_password(
    env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--if-empty"]) == 0
    captured = capsys.readouterr()
    out = captured.out
    assert out.startswith("Demo directory seeded.")
    assert "| `admin`           | `admin-demo`           | quản trị          | UBND huyện Ngọc Khê    |" in out
    # Then the demo's meetings, dated from today (tests/meetings/test_demo_meetings.py has the dates): the
    # urgent one only while there is still time for it today.
    lines = out.splitlines()
    assert lines[1 + 2 + 23] == "Demo meetings (cuộc họp mẫu):"
    meetings = lines[1 + 2 + 23 + 1 :]
    assert meetings[0].startswith("- Giao ban công tác tuần với các xã, thị trấn (08:00–10:00 ngày ")
    assert meetings[0].endswith("): published with its Giấy mời")
    assert meetings[1].startswith("- Họp chuyên đề chuyển đổi số cấp xã (14:00–16:30 ngày ")
    assert meetings[1].endswith("): draft")
    assert len(meetings) == 2 or (
        len(meetings) == 3 and meetings[2].startswith("- Triển khai ứng phó mưa lớn, lũ quét (")
    )
    assert captured.err == ""
    assert main(["demo", "--if-empty"]) == 0
    assert capsys.readouterr().out.startswith("Demo directory already present.")
    with _session(env) as session:
        assert len(session.exec(select(Meeting)).all()) == len(meetings)  # the second run added none

    assert main(["token", "create", "ADMIN", "--name", "QLVB"]) == 0
    token = capsys.readouterr().out.strip()
    assert main(["token", "create", "nobody"]) == 2
    assert capsys.readouterr().err == "giaoban: no such user: nobody\n"

    monkeypatch.setattr("sys.stdin", io.StringIO("mat-khau-moi-2026\n"))
    assert main(["user", "password", "chutich"]) == 0
    assert capsys.readouterr().out == "password set for chutich\n"
    monkeypatch.setattr("sys.stdin", io.StringIO("ngan\n"))
    assert main(["user", "password", "chutich"]) == 2
    assert capsys.readouterr().err == "giaoban: Mật khẩu phải có ít nhất 8 ký tự.\n"

    with _session(env) as session:
        admin = person_for_token(session, token)
        assert admin is not None and admin.username == "admin"
        fast = password_hasher("fast-insecure-for-tests")
        assert authenticate(session, "chutich", "mat-khau-moi-2026", hasher=fast) is not None


def test_demo_if_empty_leaves_a_real_directory_alone(
    env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "danhba.csv"
    path.write_text(GOOD_CSV, encoding="utf-8")
    assert main(["directory", "import", str(path)]) == 0
    capsys.readouterr()
    assert main(["demo", "--if-empty"]) == 0
    assert capsys.readouterr().out == "the directory is not empty: demo not seeded\n"
    with _session(env) as session:
        assert [p.username for p in session.exec(select(Person)).all()] == ["cb.tanlap"]


def test_reader_gone_only_when_the_pipe_has_no_reader(capsys: pytest.CaptureFixture[str]) -> None:
    read_end, write_end = os.pipe()
    with open(write_end, "w") as stream:
        assert not reader_gone(stream)
        os.close(read_end)
        assert reader_gone(stream)
    assert not reader_gone(sys.stdout)  # captured: not a pipe at all


def test_output_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """``giaoban … | head``: once the reader has gone, no traceback, the exit code of a tool killed by SIGPIPE."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    env = {**os.environ, "GIAOBAN_DATA_DIR": str(tmp_path / "var")}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "web.cli", "db", "upgrade"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            env=env,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    assert done.returncode == EXIT_BROKEN_PIPE == 141
    assert b"Traceback" not in done.stderr and b"BrokenPipe" not in done.stderr, done.stderr.decode()


def test_serve_warns_when_the_links_it_writes_would_not_reach_it() -> None:
    # The default base URL with the service started on another port: every mailed link is dead.
    warning = base_url_warning("http://127.0.0.1:8000", 8123)
    assert warning == (
        "warning: GIAOBAN_BASE_URL is http://127.0.0.1:8000 but the service listens on port 8123: the links in "
        "invitation mails and on the meeting pages will not reach it; set GIAOBAN_BASE_URL"
    )
    assert base_url_warning("http://localhost:8123/", 8123) is None
    assert base_url_warning("http://localhost", 80) is None
    # Behind a reverse proxy the public address has its own port: nothing to say.
    assert base_url_warning("https://giaoban.ngockhe.gov.vn", 8000) is None
