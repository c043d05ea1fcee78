"""``giaoban serve`` as a user starts it: a real process, then a look at what it answers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from web.room import protocol


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIAOBAN_")}
    env |= {"GIAOBAN_DATA_DIR": str(tmp_path / "data"), "GIAOBAN_MEDIA_START": "demand"}
    giaoban = [sys.executable, "-m", "web.cli"]
    subprocess.run([*giaoban, "db", "upgrade"], env=env, check=True, capture_output=True, timeout=120)
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*giaoban, "serve", "--port", str(port)], env=env, stdout=output, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"giaoban serve did not start: {log.read_text(errors='replace')}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_server_closes_a_signalling_frame_far_over_the_limit_without_reading_it_all(served: str) -> None:
    # Read whole, the frame would be refused by the room with an error message before the close; cut off by
    # the server's frame limit, the connection closes at once, with no message.
    url = served.replace("http://", "ws://") + "/ws/room"
    with connect(url, max_size=None, open_timeout=10) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            ws.send("x" * (4 * protocol.MAX_MESSAGE_BYTES))
            ws.recv(timeout=10)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == protocol.CLOSE_TOO_BIG
