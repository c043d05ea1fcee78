"""The HTML pages. Each module offers ``routes()``; :func:`routes` gathers them for the application."""

from __future__ import annotations

from starlette.routing import BaseRoute

from web.pages import meetings, session


def routes() -> list[BaseRoute]:
    return [*session.routes(), *meetings.routes()]
