"""``python -m media.recorder --url ws://…/ws/room --out FILE.mp4 [--fps 15] [--size 640x360]``

The join token comes in ``GIAOBAN_RECORDER_TOKEN`` (not on the command line, where other users of the
machine could read it). The clock starts with the first picture received (at most 10 s after the room has
welcomed the recorder; at once in the lobby); from then on it writes exactly ``fps`` pictures (the latest of
the view being recorded — the floor, else the speaker, else the chair — or black before the first) and 50
chunks of mixed audio per second of the wall clock, so the file's time is the meeting's time from
``started``.

It stops cleanly on a ``stop`` line on stdin, stdin's end, SIGTERM or SIGINT, or when the meeting ends: the
file is completed and renamed. On stdout, one JSON object per line for the web app: ``{"event": "started",
"at": ISO time}``, then ``{"event": "done", "file", "duration", "frames", "samples"}``. Exit 0 when the
file is complete; 1 when it failed (no file left).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from media.recorder.mixing import CHUNK, RATE, Mixer, Picture
from media.recorder.peer import RecorderPeer
from media.recorder.writer import Writer

log = logging.getLogger("giaoban.recorder")

WELCOME_TIMEOUT = 30.0  # seconds to be let into the room before giving up
FIRST_PICTURE_TIMEOUT = 10.0  # seconds to wait for the first picture before the file begins anyway
TOKEN_VARIABLE = "GIAOBAN_RECORDER_TOKEN"


def _report(**line: object) -> None:
    print(json.dumps(line), flush=True)


def _watch_stdin(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    """A ``stop`` line, or stdin closing (the web app gone), stops the recording."""
    for line in sys.stdin:
        if line.strip() == "stop":
            break
    with contextlib.suppress(RuntimeError):  # the loop already closed: the recording is over anyway
        loop.call_soon_threadsafe(stop.set)


async def _record(url: str, token: str, out: Path, fps: int, width: int, height: int) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    threading.Thread(target=_watch_stdin, args=(loop, stop), daemon=True).start()

    picture, mixer = Picture(), Mixer()
    welcomed = asyncio.Event()
    peer = RecorderPeer(url, token, picture, mixer, on_welcome=welcomed.set)
    running = asyncio.create_task(peer.run(), name="recorder-peer")
    pool = ThreadPoolExecutor(1, thread_name_prefix="recorder-encode")
    writer = await loop.run_in_executor(pool, lambda: Writer(out, fps=fps, width=width, height=height))
    try:
        waiters = [asyncio.ensure_future(e.wait()) for e in (welcomed, stop, peer.ended)]
        await asyncio.wait(waiters, timeout=WELCOME_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()
        if not welcomed.is_set():
            log.error("recorder: not let into the room (%s)", peer.state)
            await loop.run_in_executor(pool, writer.abandon)
            return 1
        # The file begins with the first picture (the connection and the first keyframe take a few seconds),
        # or at once in the lobby or where nobody sends a picture.
        waited = loop.time()
        while picture.count == 0 and peer.state != "lobby" and loop.time() - waited < FIRST_PICTURE_TIMEOUT:
            if stop.is_set() or peer.ended.is_set():
                break
            await asyncio.sleep(0.05)
        start = loop.time()
        _report(event="started", at=datetime.now(UTC).isoformat())
        chunks = 0
        while True:
            elapsed = loop.time() - start
            while writer.frames < int(elapsed * fps) + 1:
                await loop.run_in_executor(pool, writer.picture, picture.current(peer.view()))
            due = int(elapsed * RATE / CHUNK) + 1
            if due > chunks:
                pcm = b"".join(mixer.take() for _ in range(due - chunks))
                chunks = due
                await loop.run_in_executor(pool, writer.sound, pcm)
            if stop.is_set() or peer.ended.is_set():
                break
            following = min(writer.frames / fps, chunks * CHUNK / RATE)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), max(0.0, following - (loop.time() - start)))
        await loop.run_in_executor(pool, writer.finish)
        _report(event="done", file=str(out), duration=writer.duration, frames=writer.frames, samples=writer.samples)
        return 0
    except Exception:
        log.exception("recorder: the recording failed")
        with contextlib.suppress(Exception):
            await loop.run_in_executor(pool, writer.abandon)
        return 1
    finally:
        # The peer's own task closes its connection when the WebSocket ends: wait for it rather than cancel it
        # (cancelled mid-close, aiortc's decoder threads are left running and the process cannot exit).
        await peer.stop()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(running, 10)
        pool.shutdown(wait=True)


def _size(value: str) -> tuple[int, int]:
    width, _, height = value.lower().partition("x")
    if not (width.isdigit() and height.isdigit()) or not (64 <= int(width) <= 1920 and 48 <= int(height) <= 1080):
        raise argparse.ArgumentTypeError(f"size must look like 640x360, not {value!r}")
    # H.264 in 4:2:0 wants even dimensions.
    return int(width) // 2 * 2, int(height) // 2 * 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m media.recorder", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the signalling WebSocket, ws://host:port/ws/room")
    parser.add_argument("--out", required=True, type=Path, help="the file to write (.mp4)")
    parser.add_argument("--fps", type=int, default=15, choices=range(1, 31), metavar="1-30")
    parser.add_argument("--size", type=_size, default=(640, 360), help="WIDTHxHEIGHT (default 640x360)")
    args = parser.parse_args(argv)
    token = os.environ.get(TOKEN_VARIABLE, "")
    if not token:
        parser.error(f"the join token must be in {TOKEN_VARIABLE}")
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    width, height = args.size
    return asyncio.run(_record(args.url, token, args.out, args.fps, width, height))


if __name__ == "__main__":
    code = main()
    # The file is complete (or removed) and reported: a thread a library left behind must not keep the
    # process, and with it the web app waiting for it, alive.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
