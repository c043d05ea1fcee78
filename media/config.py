"""The media server's settings. Read once, at start; the web side passes them in, ``media`` reads no environment."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MediaConfig:
    # STUN/TURN servers for the server's own candidates (empty: host candidates only, as on a LAN or a
    # server with a public address).
    ice_servers: tuple[str, ...] = ()
    # REMB sent to publishers: where it starts, and the bounds it stays within (bit/s).
    start_bitrate: int = 1_000_000
    min_bitrate: int = 150_000
    max_bitrate: int = 2_500_000
    # A publisher is asked for a keyframe at most this often (seconds), however many subscribers ask.
    keyframe_interval: float = 0.3
    # How many times each retransmission is sent (15 ms apart). aiortc's receiver asks only once per gap,
    # so a lost retransmission would stall it until the next gap; a second copy makes that rare.
    rtx_copies: int = 2
    # Video packets remembered per published track for answering NACKs (a power of two; ~5 s at 1 Mbit/s).
    history_size: int = 512
    # Housekeeping period (NACK retries), receiver/sender report period, active-speaker window (seconds).
    tick_interval: float = 0.02
    report_interval: float = 1.0
    speaker_window: float = 0.5
    # Socket buffers of each participant's ICE socket (bytes; 0: the system's default, often 208 KiB). Large
    # buffers ride out a moment without CPU instead of dropping packets.
    socket_buffer: int = 4 * 1024 * 1024
    # A track is "speaking" when its mean level is louder than this (RFC 6464 -dBov: 0 loud, 127 silent).
    speaking_level: float = 60.0
