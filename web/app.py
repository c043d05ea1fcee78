"""The application factory: everything is built from the settings passed in, nothing at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from meetings import db
from web import api, filing_routes, pages, room
from web.auth import session_middleware
from web.context import AppContext
from web.csrf import CsrfMiddleware
from web.errors import exception_handlers
from web.headers import SecurityHeadersMiddleware
from web.health import healthz
from web.i18n import Catalogs
from web.limits import UploadLimitMiddleware
from web.mail_delivery import outbox_worker
from web.metrics import Metrics, MetricsMiddleware
from web.page_templates import make_templates
from web.room.media import start_mode
from web.settings import Settings

STATIC_DIR = Path(__file__).parent / "static"


def create_app(settings: Settings, *, migrate: bool = True) -> Starlette:
    """Build the giaoban web application from ``settings``."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_database_url
    if migrate:
        db.upgrade(url)
    context = AppContext(settings=settings, engine=db.make_engine(url), secret_key=settings.resolved_secret_key())

    # The one durable outbox worker: mail now, filing packages later (see web.mail_delivery).
    worker = outbox_worker(settings, context.engine, context.secret_key) if settings.mail_worker else None

    # The meeting rooms and the media server process they use (web.room).
    rooms = room.Rooms(context)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await rooms.start(start_media=start_mode(settings) == "startup")
        if worker is not None:
            worker.start()
        try:
            yield
        finally:
            await rooms.stop()
            if worker is not None:
                await worker.stop()
        context.engine.dispose()

    metrics = Metrics(context.engine)
    routes: list[BaseRoute] = [
        Route("/healthz", healthz),
        Route("/metrics", metrics.endpoint),
        *api.routes(),
        *filing_routes.routes(),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        *room.routes(),
        *pages.routes(),
    ]
    # Outermost first: headers go on every answer (errors included); the session is read before the
    # upload limit and CSRF checks so their refusals can be rendered as pages.
    middleware = [
        Middleware(MetricsMiddleware, metrics=metrics),
        Middleware(SecurityHeadersMiddleware, hsts=settings.base_url.startswith("https://")),
        session_middleware(context),
        Middleware(UploadLimitMiddleware, max_upload_mb=settings.max_upload_mb),
        Middleware(CsrfMiddleware),
    ]
    app = Starlette(routes=routes, middleware=middleware, exception_handlers=exception_handlers(), lifespan=lifespan)
    app.state.ctx = context
    app.state.rooms = rooms
    app.state.outbox = worker
    app.state.metrics = metrics
    app.state.tz = ZoneInfo(settings.time_zone)
    app.state.catalogs = catalogs = Catalogs.load(settings.default_language)
    app.state.templates = make_templates(catalogs)
    return app
