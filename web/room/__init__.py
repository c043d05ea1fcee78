"""The meeting room: join tokens and links, signalling, the slot policy, the media server link, the room pages
and synthetic sites. ``routes()`` gives the app its endpoints; ``Rooms`` is what the app holds while it runs.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from web.room.rooms import Rooms
from web.room.tokens import join_link

__all__ = ["Rooms", "join_link", "routes"]


def routes() -> list[BaseRoute]:
    from web.room import pages, signalling

    return [*signalling.routes(), *pages.routes()]
