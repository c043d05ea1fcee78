"""The request size limit: uploads larger than ``settings.max_upload_mb`` get a 413 with a message.

Checked from Content-Length before anything is read, and again while the body streams in (a client may
send no length, or lie about it). A body is allowed the upload limit plus a small allowance for the other
form fields, so a file of exactly the limit still goes through; the per-file limit of the document store
then says precisely which file was too big.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.errors import error_response
from web.i18n import translate

FORM_ALLOWANCE = 1024 * 1024


class _TooLarge(Exception):
    pass


def too_large_message(conn: HTTPConnection, max_upload_mb: int) -> str:
    return translate(conn, "Dữ liệu gửi lên quá lớn: mỗi lần gửi tối đa %(mb)d MB.", mb=max_upload_mb)


class UploadLimitMiddleware:
    def __init__(self, app: ASGIApp, max_upload_mb: int) -> None:
        self.app = app
        self.max_upload_mb = max_upload_mb
        self.max_bytes = max_upload_mb * 1024 * 1024 + FORM_ALLOWANCE

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        declared = conn.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return

        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except _TooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        conn = HTTPConnection(scope)
        response = error_response(conn, 413, too_large_message(conn, self.max_upload_mb))
        # The client is still sending; tell it we will not read the rest.
        response.headers["Connection"] = "close"
        await response(scope, receive, send)
