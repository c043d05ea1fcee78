"""``giaoban bots``: bad input is refused in one line (exit 2); a real run joins the meeting as a site."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest

from tests.web.conftest import Directory
from tests.web.room.conftest import Served, room_world, stop_all
from web.cli import main
from web.room.bots import wait_until
from web.settings import Settings


def environment(settings: Settings, **extra: str) -> dict[str, str]:
    return {
        "GIAOBAN_DATABASE_URL": settings.database_url,
        "GIAOBAN_SECRET_KEY": settings.secret_key,
        "GIAOBAN_DATA_DIR": str(settings.data_dir),
        "GIAOBAN_ENVIRONMENT": "test",
        **extra,
    }


def test_bad_input_is_refused_in_one_line(
    settings: Settings, people: Directory, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from starlette.applications import Starlette

    from web.app import create_app

    app: Starlette = create_app(settings)
    world = room_world(app, people)
    app.state.ctx.engine.dispose()
    for name, value in environment(settings).items():
        monkeypatch.setenv(name, value)
    cases = [
        (["--meeting", "999"], "Không tìm thấy cuộc họp (mã 999)."),
        (["--meeting", str(world.meeting_id), "--sites", "0"], "--sites must be between 1 and 50"),
        (
            ["--meeting", str(world.meeting_id), "--sites", "4"],
            f"meeting {world.meeting_id} invites 3 sites, fewer than 4",
        ),
        (
            ["--meeting", str(world.meeting_id), "--site", "9999"],
            f"site 9999 is not invited to meeting {world.meeting_id}",
        ),
        (["--meeting", str(world.meeting_id), "--size", "huge"], "--size must look like 320x240"),
        (["--meeting", str(world.meeting_id), "--url", "ftp://x"], "--url must start with http:// or https://"),
    ]
    for argv, reason in cases:
        assert main(["bots", *argv]) == 2
        err = capsys.readouterr().err
        assert err.startswith("giaoban: ") and reason in err and err.count("\n") == 1, err


@pytest.mark.slow
async def test_a_bot_from_the_command_line_joins_as_its_site(served: Served, people: Directory) -> None:
    world = room_world(served.app, people)
    world.open()
    settings = served.app.state.ctx.settings
    watcher = served.bot(world.site_token(world.sites[2]), "watcher", tone=False, size=(160, 120), fps=10)
    env = {**os.environ, **environment(settings)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "web.cli", "bots", "--meeting", str(world.meeting_id), "--site", str(world.sites[1].id),
        "--url", served.url, "--seconds", "8", "--status-every", "2", "--size", "160x120", "--fps", "10",
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        await wait_until(
            lambda: watcher.seen(10) == {f"site-{world.sites[1].id}"}, 40, "the command line bot's picture"
        )
        out, err = await asyncio.wait_for(process.communicate(), 40)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await stop_all(watcher)
    assert process.returncode == 0, err.decode()
    lines = out.decode().splitlines()
    assert lines and all(line.startswith(f"Hội trường xã Bum Nưa [site-{world.sites[1].id}]") for line in lines[-1:])
    assert f"site-{world.sites[2].id}:" in lines[-1], "it received the watcher's picture too"
