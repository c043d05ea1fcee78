"""The ``giaoban bench media`` command line; the benchmark itself is imported only when it runs."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_bench_command(sub: Any) -> Any:
    """Add ``bench media ...`` to the ``giaoban`` command's subparsers; returns the ``bench`` subparsers,
    where other benchmarks (``bench mail``) add themselves."""
    bench = sub.add_parser("bench", help="benchmarks")
    kinds = bench.add_subparsers(dest="bench_command", required=True)
    media = kinds.add_parser("media", help="the media server against aiortc's stock relay")
    media.add_argument("--scenario", choices=("fanout", "all-to-all"), required=True)
    media.add_argument("--sites", type=int, required=True, help="subscribers (fanout) or sites (all-to-all)")
    media.add_argument("--seconds", type=float, default=20.0, help="length of the steady window")
    media.add_argument("--json", type=Path, required=True, help="where to write the figures")
    media.add_argument("--runs", type=int, default=3)
    media.add_argument("--audio-slots", type=int, default=3, help="audio slots per site (all-to-all)")
    media.add_argument("--load-processes", type=int, default=3, help="processes playing the sites")
    media.add_argument("--no-baseline", action="store_true", help="skip aiortc's stock relay")
    media.add_argument(
        "--loss", type=float, default=0.0, help="share of RTP lost toward every subscriber (0.02: 2 %%), in user space"
    )
    media.add_argument(
        "--profile", type=Path, default=None, help="profile the server over each window with py-spy, into this folder"
    )
    media.set_defaults(func=run_media)
    return kinds


def run_media(args: argparse.Namespace) -> int:
    from media.bench.runner import run

    return run(args)
