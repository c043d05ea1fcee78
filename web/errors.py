"""One place where errors become responses: an HTML page for people, JSON for the API.

Domain errors (meetings.errors.DomainError) carry their own status code and, when they concern one form
field, the field's name. Pages that want the message beside the field catch ValidationError themselves and
re-render the form; anything that escapes to here gets a whole error page. Unexpected exceptions are logged
with their traceback and answered with a plain 500 that reveals nothing.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ExceptionHandler

from meetings.errors import DomainError
from web.i18n import N_, translate
from web.templating import render_error_page

log = logging.getLogger("giaoban.web")


class Unauthorized(DomainError):
    """The request needs a logged-in person (pages redirect to the log-in page, the API answers 401)."""

    status_code = 401


class CsrfRefused(DomainError):
    """A state-changing request without a valid CSRF token."""

    status_code = 403


class PayloadTooLarge(DomainError):
    status_code = 413


def is_api(conn: HTTPConnection) -> bool:
    path = conn.url.path
    return path == "/api" or path.startswith("/api/")


# Shown when nothing more specific is known; the key is the status code.
_DEFAULT_MESSAGES = {
    400: N_("Yêu cầu không hợp lệ."),
    401: N_("Bạn cần đăng nhập."),
    403: N_("Bạn không có quyền thực hiện thao tác này."),
    404: N_("Không tìm thấy trang hoặc đối tượng yêu cầu."),
    405: N_("Phương thức không được hỗ trợ."),
    409: N_("Yêu cầu xung đột với dữ liệu hiện có."),
    413: N_("Dữ liệu gửi lên quá lớn."),
    422: N_("Dữ liệu không hợp lệ."),
    500: N_("Đã có lỗi hệ thống. Vui lòng thử lại sau hoặc báo cho quản trị viên."),
}


def default_message(status_code: int) -> str:
    return _DEFAULT_MESSAGES.get(status_code, HTTPStatus(status_code).phrase)


def error_response(conn: HTTPConnection, status_code: int, message: str, field: str | None = None) -> Response:
    """The error as JSON ``{"error", "field"}`` under /api, else as the HTML error page.

    The message is shown in the request's language when the catalog has it.
    """
    message = translate(conn, message)
    if is_api(conn):
        return JSONResponse({"error": message, "field": field}, status_code=status_code)
    return render_error_page(conn, status_code, message)


def login_redirect(conn: HTTPConnection) -> Response:
    target = conn.url.path + (f"?{conn.url.query}" if conn.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    if isinstance(exc, Unauthorized) and not is_api(request) and request.method in ("GET", "HEAD"):
        return login_redirect(request)
    response = error_response(request, exc.status_code, exc.message, exc.field)
    if isinstance(exc, Unauthorized) and is_api(request):
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    # Starlette's own details are English and technical; people get ours, the API keeps both.
    message = default_message(exc.status_code)
    if is_api(request) and exc.detail and exc.detail != HTTPStatus(exc.status_code).phrase:
        message = f"{message} ({exc.detail})"
    response = error_response(request, exc.status_code, message)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


async def unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    if is_api(request):
        return JSONResponse({"error": default_message(500), "field": None}, status_code=500)
    try:
        return error_response(request, 500, default_message(500))
    except Exception:  # the error page itself may be what is broken
        log.exception("the error page failed too")
        return Response(default_message(500), status_code=500, media_type="text/plain; charset=utf-8")


def exception_handlers() -> dict[Any, ExceptionHandler]:
    """The handlers to give Starlette (``exception_handlers=``)."""
    return {DomainError: domain_error, HTTPException: http_error, Exception: unexpected_error}
