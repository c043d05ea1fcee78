"""The web app's link to the media server: it starts the media process (and starts it again when it dies)
and keeps one control connection to it.

When the process is replaced, every participant's media session is gone with it: ``on_restart`` tells the
rooms, which ask their participants to negotiate again. With ``settings.media_url`` the process is someone
else's; the link then only reconnects, and a lost connection counts as a restart too (the server's sessions
are not ours to trust any more).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from media.client import EventHandler, MediaClient, MediaProcess
from media.config import MediaConfig
from web.settings import Settings

log = logging.getLogger("giaoban.media")

RestartHandler = Callable[[], None]

# The watchdog pings the media server every two seconds; one that does not answer MISSED_PINGS pings in a row,
# PING_TIMEOUT seconds each, is replaced (one that exits, or closes the connection, at once).
PING_TIMEOUT = 5.0
MISSED_PINGS = 4


def start_mode(settings: Settings) -> str:
    if settings.media_start:
        return settings.media_start
    return "demand" if settings.environment == "test" else "startup"


class MediaUnavailable(ConnectionError):
    """The media server could not be reached in time."""


class MediaLink:
    def __init__(self, settings: Settings, on_event: EventHandler, on_restart: RestartHandler) -> None:
        self.settings = settings
        self.on_event = on_event
        self.on_restart = on_restart
        self.config = MediaConfig(ice_servers=tuple(settings.media_ice_servers))
        self.process: MediaProcess | None = None
        self.client: MediaClient | None = None
        self.restarts = 0
        self._ready = asyncio.Event()
        self._starting: asyncio.Task[None] | None = None
        self._watcher: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def start_soon(self) -> None:
        """Start in the background (the app's startup does not wait for the media process)."""
        if self._starting is None and not self._stopping:
            self._starting = asyncio.create_task(self._start(), name="giaoban-media-start")

    async def ensure(self, timeout: float = 30.0) -> MediaClient:
        """The connected control client, starting the process first if nobody has yet."""
        self.start_soon()
        try:
            await asyncio.wait_for(self._ready.wait(), timeout)
        except TimeoutError:
            raise MediaUnavailable("the media server is not available") from None
        assert self.client is not None
        return self.client

    async def _start(self) -> None:
        delay = 0.5
        while not self._stopping:
            try:
                await self._connect()
                break
            except Exception as exc:
                log.warning("media server did not start (%s); trying again in %.1f s", exc, delay)
                await self._teardown()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
        if not self._stopping:
            self._watcher = asyncio.create_task(self._watch(), name="giaoban-media-watch")

    async def _connect(self) -> None:
        if self.settings.media_url:
            url, token = self.settings.media_url, self.settings.media_token
        else:
            self.process = MediaProcess(self.config)
            url = await self.process.start()
            token = self.process.token
        self.client = MediaClient(url, token, on_event=self.on_event)
        await self.client.connect()
        self._ready.set()
        log.info("media server ready at %s (pid %s)", url, self.pid)

    async def _watch(self) -> None:
        """Wait until the process exits, the control connection closes or it stops answering, then start again.

        A server that is there but slow to answer (a hundred sites negotiating at once, a machine short of CPU)
        is given MISSED_PINGS pings in a row: replacing it would end every site's media and make them all
        negotiate again, more of the load it could not keep up with (seen with 90 sites joining)."""
        process = self.process.process if self.process is not None else None
        missed = 0
        while not self._stopping:
            if process is not None and process.returncode is not None:
                break
            try:
                assert self.client is not None
                await self.client.call("ping", timeout=PING_TIMEOUT)
                missed = 0
            except TimeoutError:
                missed += 1
                if missed >= MISSED_PINGS:
                    break
                log.warning("media server did not answer a ping in %.0f s (%d in a row)", PING_TIMEOUT, missed)
                continue
            except Exception:
                break
            # Wake at once when our own process exits; otherwise ping every two seconds.
            if process is not None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(process.wait()), 2.0)
            else:
                await asyncio.sleep(2.0)
        if self._stopping:
            return
        log.warning(
            "media server lost (exit code %s, %d pings unanswered); starting it again",
            process and process.returncode,
            missed,
        )
        self._ready.clear()
        await self._teardown()
        self.restarts += 1
        self._starting = asyncio.create_task(self._restart(), name="giaoban-media-restart")

    async def _restart(self) -> None:
        await self._start()
        if not self._stopping:
            self.on_restart()

    async def _teardown(self) -> None:
        client, self.client = self.client, None
        process, self.process = self.process, None
        if client is not None:
            with contextlib.suppress(Exception):
                await client.close()
        if process is not None:
            await process.stop()

    async def call(self, method: str, **params: Any) -> Any:
        client = await self.ensure()
        return await client.call(method, **params)

    async def stop(self) -> None:
        self._stopping = True
        self._ready.clear()
        for task in (self._starting, self._watcher):
            if task is not None and task is not asyncio.current_task():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        await self._teardown()
