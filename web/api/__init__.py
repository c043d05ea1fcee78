"""The JSON API under /api/v1: the directory, meetings with their agenda and documents, and its OpenAPI
document. ``routes()`` gives the mount for the application; ``OPERATIONS`` is the route table."""

from __future__ import annotations

from functools import cache
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, Router

from web.api import directory, documents, meetings
from web.api.openapi import OPENAPI_PATH, build_document
from web.api.problems import error_response
from web.api.routing import Operation, build_routes

PREFIX = "/api/v1"
VERSION = "1.0"

OPERATIONS: list[Operation] = [*directory.OPERATIONS, *meetings.OPERATIONS, *documents.OPERATIONS]


@cache
def openapi_document() -> dict[str, Any]:
    """Built once per process: the route table does not change while the service runs."""
    return build_document(OPERATIONS, prefix=PREFIX, version=VERSION)


async def openapi(request: Request) -> Response:
    return JSONResponse(openapi_document())


async def not_found(scope: Any, receive: Any, send: Any) -> None:
    """Unknown paths under /api/v1 answer in JSON like every other API error."""
    response = error_response(404, "Không có địa chỉ API này; xem /api/v1/openapi.json.")
    await response(scope, receive, send)


def routes() -> list[BaseRoute]:
    """The API, mounted at /api/v1."""
    inner: list[BaseRoute] = [Route(OPENAPI_PATH, openapi, methods=["GET"]), *build_routes(OPERATIONS)]
    return [Mount(PREFIX, app=Router(routes=inner, default=not_found))]
