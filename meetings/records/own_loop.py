"""Calling pyHanko's blocking API from anywhere.

pyHanko's synchronous functions (signing, validating) run an event loop of their own with ``asyncio.run``,
which cannot start in a thread that is already running one — a caller inside a coroutine, or a test process
where Playwright's synchronous API holds a loop on the main thread. Such a caller gets the work done on a
thread of its own; every other caller runs it directly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def outside_running_loop(func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return func(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="giaoban-pyhanko") as pool:
        return pool.submit(func, *args, **kwargs).result()
