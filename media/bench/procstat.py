"""CPU time and memory of a process tree, from /proc (Linux)."""

from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    # The command name may contain spaces: fields start after its closing parenthesis.
    return text[text.rindex(")") + 2 :].split()


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int(_stat(int(entry.name))[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    return found


def tree(pid: int) -> list[int]:
    pids, pending = [], [pid]
    while pending:
        current = pending.pop()
        pids.append(current)
        pending.extend(_children(current))
    return pids


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by ``pid`` and its descendants."""
    total = 0
    for each in tree(pid):
        try:
            fields = _stat(each)
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and its descendants, in MB."""
    total = 0
    for each in tree(pid):
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def udp_drops(pid: int) -> dict[str, int]:
    """Per UDP socket (by inode) of ``pid``'s tree: datagrams the kernel dropped because it was full.

    Compare two readings with :func:`drops_between`: sockets come and go, so only those in both count.
    """
    inodes: set[str] = set()
    for each in tree(pid):
        try:
            for fd in Path(f"/proc/{each}/fd").iterdir():
                try:
                    target = os.readlink(fd)
                except OSError:
                    continue
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except OSError:
            continue
    drops: dict[str, int] = {}
    for table in ("/proc/net/udp", "/proc/net/udp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 12 and fields[9] in inodes:
                drops[fields[9]] = int(fields[-1])
    return drops


def drops_between(before: dict[str, int], after: dict[str, int]) -> int:
    return sum(after[inode] - before[inode] for inode in after.keys() & before.keys())


def runqueue_wait(pid: int) -> float:
    """Seconds ``pid``'s tree has spent runnable but waiting for a CPU (from /proc/<pid>/task/*/schedstat).

    Over a window, this divided by the window's length says how starved the process was: near zero on
    a quiet machine, above one when it waited more than the whole window (summed over its threads).
    """
    total = 0
    for each in tree(pid):
        try:
            for task in Path(f"/proc/{each}/task").iterdir():
                try:
                    total += int((task / "schedstat").read_text().split()[1])
                except (OSError, IndexError, ValueError):
                    continue
        except OSError:
            continue
    return total / 1e9
