"""The application factory: everything is built from the settings passed in, nothing at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from meetings import db
from web.context import AppContext
from web.settings import Settings


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def create_app(settings: Settings, *, migrate: bool = True) -> Starlette:
    """Build the giaoban web application from ``settings``."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_database_url
    if migrate:
        db.upgrade(url)
    context = AppContext(
        settings=settings, engine=db.make_engine(url), secret_key=settings.resolved_secret_key()
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        context.engine.dispose()

    routes: list[BaseRoute] = [Route("/healthz", healthz)]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.ctx = context
    return app
