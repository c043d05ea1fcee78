"""Rendering pages and the error page with the app's templates (made by ``web.page_templates`` at start-up)."""

from __future__ import annotations

from typing import Any

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates


def templates(conn: HTTPConnection) -> Jinja2Templates:
    value = conn.app.state.templates
    assert isinstance(value, Jinja2Templates)
    return value


def render(
    conn: HTTPConnection, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> Response:
    request = conn if isinstance(conn, Request) else Request(conn.scope)
    return templates(conn).TemplateResponse(request, name, context or {}, status_code=status_code)


def render_error_page(conn: HTTPConnection, status_code: int, message: str) -> Response:
    return render(conn, "error.html", {"status_code": status_code, "message": message}, status_code=status_code)
