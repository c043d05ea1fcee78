"""Optional: a CPU profile of the server over the steady window, with py-spy (``--profile DIR``).

py-spy is not a dependency of giaoban: install it into the environment to use this (``pip install
py-spy``). It samples the server process from outside; ``--gil`` keeps only the samples where the
server held the GIL, that is, the time spent running Python (system calls and libsrtp run without it),
so the shares below are shares of the server's Python time. Samples are not blocking (the server is
never paused), so the figures of a profiled run stay comparable with the others.
"""

from __future__ import annotations

import asyncio
import collections
import re
import shutil
import sys
from pathlib import Path
from typing import Any

_PREFIX = re.compile(r"\(/.*?/(site-packages|lib/python3\.\d+|main)/")


def py_spy() -> str | None:
    """The py-spy executable beside this Python, or on PATH; None when it is not installed."""
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


async def record(pid: int, seconds: float, path: Path) -> asyncio.subprocess.Process | None:
    """Start sampling ``pid`` for ``seconds`` into ``path`` (py-spy's raw, collapsed-stack format)."""
    executable = py_spy()
    if executable is None:
        print("giaoban: --profile needs py-spy (pip install py-spy); not profiling", file=sys.stderr)
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    return await asyncio.create_subprocess_exec(
        executable,
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(max(1, int(seconds))),
        "--rate",
        "250",
        "--nonblocking",
        "--gil",
        "--format",
        "raw",
        "-o",
        str(path),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


def summary(path: Path, top: int = 30) -> dict[str, Any]:
    """Inclusive share (%) of the samples for the functions seen most, from a raw profile."""
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        total += samples
        for frame in {_PREFIX.sub("(", frame) for frame in stack.split(";")}:
            inclusive[frame] += samples
    return {
        "samples": total,
        "inclusive_percent": {name: round(100 * n / total, 1) for name, n in inclusive.most_common(top)}
        if total
        else {},
    }
