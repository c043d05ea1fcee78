"""The media server process: a ``MediaServer`` behind a small control API on a local WebSocket.

Run as ``python -m media.service --port 0``; it prints one JSON line ``{"port": N}`` on stdout when it
listens. The protocol (JSON text frames) is documented in ``docs/media.md``:

* request ``{"id": 1, "method": "join", "params": {...}}`` -> ``{"id": 1, "result": ...}`` or
  ``{"id": 1, "error": {"code": "...", "message": "..."}}``;
* events pushed to every control connection: ``{"event": "active_speaker", "data": {...}}``.

Plain HTTP ``GET /metrics`` on the same port serves the Prometheus metrics, ``GET /health`` says "ok".
Only clients presenting the token (``Authorization: Bearer ...``) given in ``GIAOBAN_MEDIA_TOKEN`` are
served, when one is set.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hmac
import json
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from media import guard
from media.config import MediaConfig
from media.errors import BadRequest, MediaError
from media.gcwatch import GcWatch, settle
from media.server import MediaServer
from media.wire import lazy_receive_estimators

logger = logging.getLogger(__name__)

MAX_MESSAGE = 256 * 1024

Handler = Callable[[dict[str, Any]], Awaitable[Any]]


def _text(params: dict[str, Any], name: str, optional: bool = False) -> str | None:
    value = params.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value or len(value) > 200_000:
        raise BadRequest(f"'{name}' must be a non-empty string")
    return value


def _flag(params: dict[str, Any], name: str) -> bool:
    value = params.get(name)
    if not isinstance(value, bool):
        raise BadRequest(f"'{name}' must be true or false")
    return value


class MediaService:
    """Dispatches control requests to the ``MediaServer`` and pushes its events to the control clients."""

    def __init__(self, config: MediaConfig, token: str = "", server: MediaServer | None = None) -> None:
        self.registry = CollectorRegistry()
        # The benchmark passes aiortc's stock relay here, to run it behind the very same API.
        self.server = server or MediaServer(config, self.registry, on_event=self._broadcast)
        self.token = token
        self.clients: set[ServerConnection] = set()
        self.gc_watch: GcWatch | None = None
        self._handlers: dict[str, Handler] = {
            "join": self._join,
            "leave": self._leave,
            "set_slot": self._set_slot,
            "set_paused": self._set_paused,
            "stats": self._stats,
            "inspect": self._inspect,
            "ping": self._ping,
        }

    # Methods.
    async def _join(self, p: dict[str, Any]) -> Any:
        room, participant, sdp = _text(p, "room"), _text(p, "participant"), _text(p, "sdp")
        assert room and participant and sdp
        return await self.server.join(room, participant, sdp)

    async def _leave(self, p: dict[str, Any]) -> Any:
        room, participant = _text(p, "room"), _text(p, "participant")
        assert room and participant
        await self.server.leave(room, participant)
        return None

    async def _set_slot(self, p: dict[str, Any]) -> Any:
        room, participant, slot = _text(p, "room"), _text(p, "participant"), _text(p, "slot")
        publisher, track = _text(p, "publisher", optional=True), _text(p, "track", optional=True)
        assert room and participant and slot
        self.server.set_slot(room, participant, slot, publisher, track)
        return None

    async def _set_paused(self, p: dict[str, Any]) -> Any:
        room, participant, kind = _text(p, "room"), _text(p, "participant"), _text(p, "kind")
        assert room and participant and kind
        self.server.set_paused(room, participant, kind, _flag(p, "paused"))
        return None

    async def _stats(self, p: dict[str, Any]) -> Any:
        return self.server.stats(_text(p, "room", optional=True))

    async def _inspect(self, p: dict[str, Any]) -> Any:
        return {
            "codecs": guard.report(),
            "rooms": len(self.server.rooms),
            "tasks": len(asyncio.all_tasks()),
            "forwarded_packets": self.server.forwarded_total(),
            "stock_path_packets": self.server.stock_path_packets(),
            "gc": self.gc_watch.report() if self.gc_watch is not None else None,
        }

    async def _ping(self, p: dict[str, Any]) -> Any:
        return "pong"

    # Transport.
    async def handle(self, connection: ServerConnection) -> None:
        # Requests run concurrently (a join waits for ICE gathering; nothing else should wait for it).
        # A client that needs an order awaits each reply before sending the next request.
        self.clients.add(connection)
        pending: set[asyncio.Task[None]] = set()

        async def answer(message: str | bytes) -> None:
            reply = await self.dispatch(message)
            with contextlib.suppress(ConnectionClosed):
                await connection.send(reply)

        try:
            async for message in connection:
                task = asyncio.create_task(answer(message))
                pending.add(task)
                task.add_done_callback(pending.discard)
        except ConnectionClosed:
            pass
        finally:
            self.clients.discard(connection)
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)

    async def dispatch(self, message: str | bytes) -> str:
        """One request in, its reply out."""
        request_id: Any = None
        try:
            if isinstance(message, bytes) or len(message) > MAX_MESSAGE:
                raise BadRequest("requests are JSON text of at most 256 KiB")
            try:
                request = json.loads(message)
            except ValueError as exc:
                raise BadRequest("not JSON") from exc
            if not isinstance(request, dict):
                raise BadRequest("a request is a JSON object")
            request_id = request.get("id")
            handler = self._handlers.get(request.get("method"))  # type: ignore[arg-type]
            if handler is None:
                raise BadRequest(f"unknown method {request.get('method')!r}")
            params = request.get("params", {})
            if not isinstance(params, dict):
                raise BadRequest("'params' must be an object")
            result = await handler(params)
            return json.dumps({"id": request_id, "result": result})
        except MediaError as exc:
            return json.dumps({"id": request_id, "error": {"code": exc.code, "message": exc.message}})
        except Exception as exc:  # a bug must cost one request, not the process
            logger.exception("media control request failed")
            return json.dumps({"id": request_id, "error": {"code": "internal", "message": type(exc).__name__}})

    def _broadcast(self, event: str, data: dict[str, Any]) -> None:
        message = json.dumps({"event": event, "data": data})
        for client in list(self.clients):
            task = asyncio.ensure_future(client.send(message))
            task.add_done_callback(_ignore_closed)

    def process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        if self.token:
            offered = request.headers.get("Authorization", "")
            if not hmac.compare_digest(offered.encode(), f"Bearer {self.token}".encode()):
                return _plain(HTTPStatus.UNAUTHORIZED, "unauthorized\n")
        if request.path == "/metrics":
            return _plain(HTTPStatus.OK, generate_latest(self.registry).decode(), "text/plain; version=0.0.4")
        if request.path == "/health":
            return _plain(HTTPStatus.OK, "ok\n")
        return None

    async def serve(self, host: str, port: int) -> Server:
        return await serve(
            self.handle, host, port, process_request=self.process_request, max_size=MAX_MESSAGE, compression=None
        )

    async def close(self) -> None:
        await self.server.close()


def _ignore_closed(task: asyncio.Future[None]) -> None:
    if not task.cancelled():
        task.exception()  # retrieved, so a client that went away is not reported as an unhandled error


def _plain(status: HTTPStatus, body: str, content_type: str = "text/plain; charset=utf-8") -> Response:
    data = body.encode()
    headers = Headers([("Content-Type", content_type), ("Content-Length", str(len(data)))])
    return Response(status.value, status.phrase, headers, data)


async def _until_eof(stop: asyncio.Event) -> None:
    reader = asyncio.StreamReader()
    await asyncio.get_running_loop().connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while await reader.read(1024):
        pass
    stop.set()


async def run(config: MediaConfig, host: str, port: int, token: str, watch_stdin: bool = False) -> None:
    guard.forbid_codecs()
    lazy_receive_estimators()
    service = MediaService(config, token)
    server = await service.serve(host, port)
    if os.environ.get("GIAOBAN_MEDIA_GC") != "stock":  # "stock": CPython's collector as it comes (A/B runs)
        settle()
    service.gc_watch = GcWatch()
    bound = next(iter(server.sockets)).getsockname()[1]
    print(json.dumps({"port": bound}), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    # Started by the web app: when it goes away (its end of our stdin closes), so do we.
    watcher = asyncio.create_task(_until_eof(stop)) if watch_stdin else None
    await stop.wait()
    if watcher is not None:
        watcher.cancel()
    server.close()
    with contextlib.suppress(Exception):
        await server.wait_closed()
    await service.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m media.service")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--config", default="{}", help="MediaConfig fields as a JSON object")
    parser.add_argument("--watch-stdin", action="store_true", help="exit when stdin closes (the parent is gone)")
    args = parser.parse_args(argv)
    try:
        fields = json.loads(args.config)
        if isinstance(fields.get("ice_servers"), list):
            fields["ice_servers"] = tuple(fields["ice_servers"])
        config = MediaConfig(**fields)
    except (ValueError, TypeError) as exc:
        print(f"media.service: bad --config: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s media %(levelname)s %(name)s: %(message)s")
    asyncio.run(run(config, args.host, args.port, os.environ.get("GIAOBAN_MEDIA_TOKEN", ""), args.watch_stdin))
    return 0


if __name__ == "__main__":
    sys.exit(main())
