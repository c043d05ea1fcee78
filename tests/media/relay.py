"""A user-space UDP relay between the media server and one peer, dropping a seeded share of RTP packets.

The kernel here has no netem, so loss is injected in the path by hand: both sides are told (by
rewriting the candidates in the SDP) that the other is at the relay, which forwards datagrams both
ways and drops, with a seeded random generator, the given share of RTP packets going to the peer.
STUN, DTLS and RTCP always pass, so connection setup and feedback stay deterministic.
"""

from __future__ import annotations

import asyncio
import random
import re
from typing import Any


def _is_rtp(data: bytes) -> bool:
    return len(data) >= 12 and 128 <= data[0] <= 191 and not 192 <= data[1] <= 223


class _Side(asyncio.DatagramProtocol):
    def __init__(self, relay: LossyRelay, name: str) -> None:
        self.relay = relay
        self.name = name
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        self.relay.received(self.name, data, (addr[0], addr[1]))


class LossyRelay:
    """``toward_peer`` faces the server (it is the peer's address as the server knows it), and vice versa."""

    def __init__(self, loss: float, seed: int = 4) -> None:
        self.loss = loss
        self.random = random.Random(seed)
        self.server_addr: tuple[str, int] | None = None
        self.peer_addr: tuple[str, int] | None = None
        self.facing_server: _Side | None = None
        self.facing_peer: _Side | None = None
        self.dropped = 0
        self.forwarded = 0

    async def start(self, host: str) -> None:
        loop = asyncio.get_running_loop()
        _, self.facing_server = await loop.create_datagram_endpoint(lambda: _Side(self, "server"), local_addr=(host, 0))
        _, self.facing_peer = await loop.create_datagram_endpoint(lambda: _Side(self, "peer"), local_addr=(host, 0))

    def address(self, side: _Side | None) -> tuple[str, int]:
        assert side is not None and side.transport is not None
        host, port = side.transport.get_extra_info("sockname")[:2]
        return host, port

    def received(self, side: str, data: bytes, addr: tuple[str, int]) -> None:
        if side == "server":  # from the server, to the peer
            if self.peer_addr is None or self.facing_peer is None or self.facing_peer.transport is None:
                return
            if _is_rtp(data) and self.random.random() < self.loss:
                self.dropped += 1
                return
            self.forwarded += 1
            self.facing_peer.transport.sendto(data, self.peer_addr)
        else:
            if self.server_addr is None or self.facing_server is None or self.facing_server.transport is None:
                return
            self.facing_server.transport.sendto(data, self.server_addr)

    def rewrite_offer(self, sdp: str) -> str:
        """The peer's offer, its one UDP IPv4 candidate replaced by the relay's side facing the server."""
        self.peer_addr, sdp = _replace_candidates(sdp, self.address(self.facing_server))
        return sdp

    def rewrite_answer(self, sdp: str) -> str:
        """The server's answer, its candidate replaced by the relay's side facing the peer."""
        self.server_addr, sdp = _replace_candidates(sdp, self.address(self.facing_peer))
        return sdp

    def close(self) -> None:
        for side in (self.facing_server, self.facing_peer):
            if side is not None and side.transport is not None:
                side.transport.close()


_CANDIDATE = re.compile(r"^a=candidate:(\S+) (\d+) (udp|UDP) (\d+) (\d+\.\d+\.\d+\.\d+) (\d+) typ host.*$")


def _replace_candidates(sdp: str, relay: tuple[str, int]) -> tuple[tuple[str, int], str]:
    """Keep one host IPv4 UDP candidate, pointed at the relay; return the address it had."""
    original: tuple[str, int] | None = None
    lines = []
    for line in sdp.splitlines():
        if line.startswith("a=candidate:"):
            match = _CANDIDATE.match(line)
            if match is None or (original is not None and (match.group(5), int(match.group(6))) != original):
                continue
            original = (match.group(5), int(match.group(6)))
            line = f"a=candidate:{match.group(1)} {match.group(2)} udp {match.group(4)} {relay[0]} {relay[1]} typ host"
        lines.append(line)
    assert original is not None, "no host IPv4 candidate to relay"
    return original, "\r\n".join(lines) + "\r\n"
