"""Helpers for the room's browser tests: waiting, entering a room page, reading a video element's figures,
and a synthetic site running in a thread of its own."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from tests.web.conftest import PASSWORD, LiveServer
from tests.web.room.conftest import RoomWorld
from web.room.bots import Bot


def eventually(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.25)


def video_of(page: Page, participant: str) -> dict[str, int]:
    """The figures of the <video> showing ``participant`` (0 when no tile shows them)."""
    return page.evaluate(
        """(who) => {
            const video = document.querySelector(`#stage figure.tile[data-participant="${who}"]:not([hidden]) video`);
            if (!video) return {width: 0, frames: 0};
            return {width: video.videoWidth, frames: video.getVideoPlaybackQuality().totalVideoFrames};
        }""",
        participant,
    )


def plays(page: Page, participant: str, timeout: float = 40) -> None:
    """The page shows ``participant``'s video, and it is playing: frames keep being decoded."""
    eventually(lambda: video_of(page, participant)["width"] > 0, timeout, f"{participant}'s picture")
    first = video_of(page, participant)["frames"]
    eventually(lambda: video_of(page, participant)["frames"] > first + 10, 20, f"{participant}'s frames rising")


def enter(page: Page, url: str) -> None:
    page.goto(url)
    # The device check first: the fake camera's picture in the preview.
    expect(page.locator("#check")).to_be_visible()
    eventually(lambda: page.evaluate("document.getElementById('preview').videoWidth") > 0, 20, "the preview")
    page.click("#join-button")
    expect(page.locator("#stage")).to_be_visible(timeout=20_000)


class BotThread:
    """A synthetic site in its own thread and event loop (the browser test's thread is Playwright's)."""

    def __init__(self, ws_url: str, token: str, **options: Any) -> None:
        self.bot: Bot | None = None
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, args=(ws_url, token, options), daemon=True)
        self.thread.start()

    def _run(self, ws_url: str, token: str, options: dict[str, Any]) -> None:
        asyncio.set_event_loop(self.loop)

        async def begin() -> None:
            self.bot = Bot(ws_url, token, **options)
            self.bot.start()

        self.loop.run_until_complete(begin())
        self.loop.run_forever()
        pending = asyncio.all_tasks(self.loop)
        for task in pending:
            task.cancel()
        self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self.loop.close()

    def stop(self) -> None:
        if self.bot is not None:
            asyncio.run_coroutine_threadsafe(self.bot.stop(), self.loop).result(20)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def log_in(page: Page, live: LiveServer, username: str) -> None:
    page.goto(f"{live.url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Đăng nhập')")
    expect(page).not_to_have_url(f"{live.url}/login")


def link(world: RoomWorld, index: int, live: LiveServer) -> str:
    return f"{live.url}/join/{world.site_token(world.sites[index])}"


class CuttableProxy:
    """A TCP proxy in front of the app, for a page to load everything through; ``cut()`` drops every
    connection and refuses new ones for a while, as a network cut between a site and the server would."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.down_until = 0.0
        self.sockets: set[socket.socket] = set()
        self.lock = threading.Lock()
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if time.monotonic() < self.down_until:
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets |= {client, upstream}
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
            with self.lock:
                self.sockets -= {source, sink}

    def cut(self, seconds: float) -> None:
        self.down_until = time.monotonic() + seconds
        with self.lock:
            current = list(self.sockets)
        for s in current:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.closed = True
        self.cut(0)
        self.listener.close()
