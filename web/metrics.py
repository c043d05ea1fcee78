"""Prometheus metrics: one registry per application, so several apps in one process never collide.

Requests are counted and timed by route template (``/api/v1/meetings/{meeting_id}``), never by the raw
path, so the number of series stays bounded. Domain gauges (meetings by state, directory sizes) are read
from the database when Prometheus scrapes, not kept in memory.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from meetings.models import Meeting, MeetingState, Person, Site, Unit

UNMATCHED = "<unmatched>"


def route_template(scope: Scope) -> str:
    """The template of the route that handled ``scope`` (with mount prefixes), or ``<unmatched>``."""
    route = scope.get("route")
    if route is None:
        return UNMATCHED
    prefix = scope.get("root_path", "")[len(scope.get("app_root_path", "")) :]
    if isinstance(route, Mount):
        # A Mount that answered itself (static files, an unknown API path): its prefix is already in
        # root_path; the rest of the path is free-form, so it is folded into one series.
        return f"{prefix}/{{path}}"
    path_format = getattr(route, "path_format", None)
    return f"{prefix}{path_format}" if isinstance(path_format, str) else UNMATCHED


class DomainCollector:
    """Gauges read from the database at scrape time."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def describe(self) -> Iterable[Metric]:
        # Describing without values keeps registration from touching the database.
        yield GaugeMetricFamily("giaoban_meetings", "Meetings by state", labels=["state"])
        yield GaugeMetricFamily("giaoban_units", "Administrative units in the directory")
        yield GaugeMetricFamily("giaoban_sites", "Active meeting sites")
        yield GaugeMetricFamily("giaoban_people", "Active people (accounts)")

    def collect(self) -> Iterable[Metric]:
        with Session(self.engine) as session:
            by_state = dict.fromkeys(MeetingState, 0)
            rows = session.exec(select(Meeting.state, func.count()).group_by(col(Meeting.state))).all()
            for state, count in rows:
                by_state[MeetingState(state)] = count
            units = session.exec(select(func.count()).select_from(Unit)).one()
            sites = session.exec(select(func.count()).select_from(Site).where(col(Site.active))).one()
            people = session.exec(select(func.count()).select_from(Person).where(col(Person.active))).one()
        meetings = GaugeMetricFamily("giaoban_meetings", "Meetings by state", labels=["state"])
        for state, count in by_state.items():
            meetings.add_metric([state.value], count)
        yield meetings
        yield GaugeMetricFamily("giaoban_units", "Administrative units in the directory", value=units)
        yield GaugeMetricFamily("giaoban_sites", "Active meeting sites", value=sites)
        yield GaugeMetricFamily("giaoban_people", "Active people (accounts)", value=people)


class Metrics:
    """The registry of one application and the instruments the middleware updates."""

    def __init__(self, engine: Engine | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "giaoban_http_requests",
            "HTTP requests answered, by method, route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "giaoban_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template",
            ["method", "route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
            registry=self.registry,
        )
        self.in_progress = Gauge(
            "giaoban_http_requests_in_progress", "HTTP requests being answered", registry=self.registry
        )
        if engine is not None:
            self.registry.register(DomainCollector(engine))

    def render(self) -> bytes:
        return generate_latest(self.registry)

    async def endpoint(self, request: Request) -> Response:
        """``GET /metrics`` in the Prometheus text format."""
        body = await run_in_threadpool(self.render)
        return Response(body, media_type=CONTENT_TYPE_LATEST)


class MetricsMiddleware:
    """Pure ASGI middleware timing every HTTP request; reads the matched route after the app ran."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        self.metrics.in_progress.inc()
        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self.metrics.in_progress.dec()
            route = route_template(scope)
            method = scope.get("method", "")
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(time.perf_counter() - started)
