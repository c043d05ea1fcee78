"""Fixtures for the media tests: the media server, in this process or in its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from media.client import MediaClient, MediaProcess
from media.config import MediaConfig
from media.server import MediaServer


class Events:
    def __init__(self) -> None:
        self.items: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, event: str, data: dict[str, Any]) -> None:
        self.items.append((event, data))

    def of(self, event: str) -> list[dict[str, Any]]:
        return [data for name, data in self.items if name == event]


@pytest.fixture
def events() -> Events:
    return Events()


@pytest.fixture
async def media_server(events: Events) -> AsyncIterator[MediaServer]:
    server = MediaServer(MediaConfig(), CollectorRegistry(), on_event=events)
    yield server
    await server.close()


@pytest.fixture
async def media_process() -> AsyncIterator[tuple[MediaProcess, MediaClient]]:
    process = MediaProcess(MediaConfig())
    url = await process.start()
    client = MediaClient(url, process.token)
    await client.connect()
    yield process, client
    await client.close()
    await process.stop()
