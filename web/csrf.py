"""CSRF protection for every state-changing request.

The token lives in the (signed) session; forms carry it in a hidden field ``csrf_token``, scripts in the
``X-CSRF-Token`` header. The middleware checks every unsafe method before any endpoint runs:

- pages: the header, or the form field. To read the field it parses the form once and keeps the parsed
  form in the request scope, where :func:`posted_form` gives it to the endpoint (so the body is read once
  and endpoints may be plain synchronous functions);
- /api with a Bearer token: exempt (no cookie is involved, so nothing can be forged);
- /api with a session cookie of a logged-in person: the header is required.
"""

from __future__ import annotations

import hmac
import secrets
from typing import cast

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.auth import CSRF_KEY, PERSON_KEY, bearer_token
from web.errors import error_response, is_api
from web.i18n import N_

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FORM_FIELD = "csrf_token"
HEADER = "x-csrf-token"
_FORM_KEY = "giaoban.form"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
REFUSED_MESSAGE = N_("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Vui lòng tải lại trang và thử lại.")


def csrf_token(conn: HTTPConnection) -> str:
    """The session's CSRF token, made on first use."""
    token = conn.session.get(CSRF_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        conn.session[CSRF_KEY] = token
    return token


def _matches(conn: HTTPConnection, candidate: object) -> bool:
    expected = conn.session.get(CSRF_KEY)
    if not isinstance(expected, str) or not expected or not isinstance(candidate, str):
        return False
    return hmac.compare_digest(expected.encode(), candidate.encode())


def posted_form(request: Request) -> FormData:
    """The form of this (unsafe, page) request, parsed and checked by the middleware."""
    form = request.scope.get(_FORM_KEY)
    if form is None:
        return FormData()
    return cast(FormData, form)


class CsrfMiddleware:
    """Refuses unsafe requests without the session's token. Must run inside the session middleware."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        if is_api(request):
            if bearer_token(request) is not None or PERSON_KEY not in request.session:
                await self.app(scope, receive, send)
            elif _matches(request, request.headers.get(HEADER)):
                await self.app(scope, receive, send)
            else:
                await error_response(request, 403, REFUSED_MESSAGE)(scope, receive, send)
            return

        if _matches(request, request.headers.get(HEADER)):
            await self.app(scope, receive, send)
            return
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type not in _FORM_TYPES:
            await error_response(request, 403, REFUSED_MESSAGE)(scope, receive, send)
            return
        try:
            form = await request.form()
        except HTTPException as exc:  # malformed multipart body, too many fields
            await error_response(request, exc.status_code, str(exc.detail))(scope, receive, send)
            return
        try:
            if not _matches(request, form.get(FORM_FIELD)):
                await error_response(request, 403, REFUSED_MESSAGE)(scope, receive, send)
                return
            scope[_FORM_KEY] = form

            body_sent = False

            async def drained() -> Message:
                # The body was consumed while parsing (endpoints use posted_form()); after one empty body,
                # hand over to the server so a waiting listener sees the real disconnect.
                nonlocal body_sent
                if not body_sent:
                    body_sent = True
                    return {"type": "http.request", "body": b"", "more_body": False}
                return await receive()

            await self.app(scope, drained, send)
        finally:
            await form.close()
