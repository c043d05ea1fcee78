"""The web side's handle on the media server: start its process, and call its control API.

process = MediaProcess(MediaConfig())
url = await process.start()
client = MediaClient(url, process.token)
await client.connect()
answer = await client.join("meeting-12", "site-3", offer_sdp)
...
await client.close()
await process.stop()
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import json
import os
import secrets
import sys
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from media import errors
from media.config import MediaConfig

EventHandler = Callable[[str, dict[str, Any]], None]

_ERRORS: dict[str, type[errors.MediaError]] = {
    cls.code: cls
    for cls in (
        errors.NegotiationError,
        errors.UnknownParticipant,
        errors.UnknownTrack,
        errors.IncompatibleSlot,
        errors.BadRequest,
    )
}


class MediaProcess:
    """The media server running in a child process (``python -m media.service``)."""

    def __init__(
        self, config: MediaConfig | None = None, host: str = "127.0.0.1", port: int = 0, module: str = "media.service"
    ) -> None:
        self.config = config or MediaConfig()
        self.module = module  # the benchmark runs its baseline (media.bench.baseline) the same way
        self.host = host
        self.port = port
        self.token = secrets.token_urlsafe(24)
        self.process: asyncio.subprocess.Process | None = None
        self.url = ""

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    async def start(self, timeout: float = 20.0) -> str:
        """Start the process and wait until it listens; returns its ws:// URL."""
        fields = dataclasses.asdict(self.config)
        fields["ice_servers"] = list(self.config.ice_servers)
        env = {**os.environ, "GIAOBAN_MEDIA_TOKEN": self.token}
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            self.module,
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--config",
            json.dumps(fields),
            *(["--watch-stdin"] if self.module == "media.service" else []),
            stdin=asyncio.subprocess.PIPE,  # held open: if this process dies, the media process sees EOF and exits
            stdout=asyncio.subprocess.PIPE,
            env=env,
        )
        assert self.process.stdout is not None
        try:
            line = await asyncio.wait_for(self.process.stdout.readline(), timeout)
            port = int(json.loads(line)["port"])
        except (TimeoutError, ValueError, KeyError) as exc:
            await self.stop()
            raise RuntimeError("the media server process did not start") from exc
        self.url = f"ws://{self.host}:{port}/"
        return self.url

    async def stop(self, timeout: float = 10.0) -> int | None:
        """Stop the process (SIGTERM, then SIGKILL after ``timeout``); returns its exit code."""
        process, self.process = self.process, None
        if process is None:
            return None
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
            try:
                await asyncio.wait_for(process.wait(), timeout)
            except TimeoutError:
                process.kill()
                await process.wait()
        return process.returncode


class MediaClient:
    """One control connection to the media process. Calls raise ``media.errors`` types on refusal."""

    def __init__(self, url: str, token: str = "", on_event: EventHandler | None = None) -> None:
        self.url = url
        self.token = token
        self.on_event = on_event
        self._connection: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._ids = itertools.count(1)

    async def connect(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else None
        self._connection = await connect(self.url, additional_headers=headers, max_size=1024 * 1024, compression=None)
        self._reader = asyncio.create_task(self._read(self._connection))

    async def _read(self, connection: ClientConnection) -> None:
        try:
            async for message in connection:
                data = json.loads(message)
                if "event" in data:
                    if self.on_event is not None:
                        self.on_event(data["event"], data.get("data", {}))
                    continue
                future = self._pending.pop(data.get("id"), None)
                if future is not None and not future.done():
                    future.set_result(data)
        except ConnectionClosed:
            pass
        finally:
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(ConnectionError("the media server connection closed"))
            self._pending.clear()

    async def call(self, method: str, timeout: float = 30.0, **params: Any) -> Any:
        if self._connection is None:
            raise ConnectionError("not connected to the media server")
        request_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        try:
            await self._connection.send(json.dumps({"id": request_id, "method": method, "params": params}))
        except ConnectionClosed as exc:
            self._pending.pop(request_id, None)
            raise ConnectionError("the media server connection closed") from exc
        reply = await asyncio.wait_for(future, timeout)
        if "error" in reply:
            error = reply["error"]
            raise _ERRORS.get(error.get("code"), errors.MediaError)(str(error.get("message")))
        return reply.get("result")

    async def join(self, room: str, participant: str, sdp: str) -> dict[str, Any]:
        """Negotiate a participant; returns {"sdp": answer, "tracks": [...], "slots": [...]}."""
        result: dict[str, Any] = await self.call("join", room=room, participant=participant, sdp=sdp)
        return result

    async def leave(self, room: str, participant: str) -> None:
        await self.call("leave", room=room, participant=participant)

    async def set_slot(self, room: str, participant: str, slot: str, publisher: str | None, track: str | None) -> None:
        await self.call("set_slot", room=room, participant=participant, slot=slot, publisher=publisher, track=track)

    async def set_paused(self, room: str, participant: str, kind: str, paused: bool) -> None:
        await self.call("set_paused", room=room, participant=participant, kind=kind, paused=paused)

    async def stats(self, room: str | None = None) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("stats", room=room)
        return result

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None
        if self._reader is not None:
            await self._reader
            self._reader = None
