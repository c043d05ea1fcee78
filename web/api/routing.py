"""The API's route table: explicit operations, each with its models, turned into Starlette routes.

One :class:`Operation` says everything about an endpoint — method, path, the pydantic models of its body,
query and answer, its status and the errors it may give — so the same table serves the dispatcher here and
the OpenAPI document (web/api/openapi.py). Handlers are plain synchronous functions of a :class:`Call`
(the database is synchronous); they run in the thread pool with a database session of their own.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, TypeAdapter
from pydantic import ValidationError as PydanticError
from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from meetings.errors import DomainError, NotFound
from meetings.people import Person
from web.api.problems import ApiProblem, error_response, field_name, validation_response
from web.auth import require_person
from web.context import AppContext, ctx
from web.errors import domain_error

M = TypeVar("M", bound=BaseModel)
log = logging.getLogger("giaoban.api")

# JSON bodies are small (a meeting with its agenda is a few kB); uploads have their own limit.
MAX_JSON_BYTES = 1024 * 1024
# Ids are 32-bit integers in both databases; larger ones cannot exist, so they are "not found".
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Call:
    """One API request as a handler sees it."""

    request: Request
    context: AppContext
    session: Session
    person: Person
    path: dict[str, Any]
    body: BaseModel | None = None
    query: BaseModel | None = None
    upload: Upload | None = None
    # Names of the body fields the client actually sent (for PATCH).
    sent: frozenset[str] = frozenset()

    def body_as(self, model: type[M]) -> M:
        assert isinstance(self.body, model), f"operation declared no body of type {model.__name__}"
        return self.body

    def query_as(self, model: type[M]) -> M:
        assert isinstance(self.query, model), f"operation declared no query of type {model.__name__}"
        return self.query

    def id(self, name: str) -> int:
        value = self.path[name]
        assert isinstance(value, int)
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.context.settings.time_zone)


Handler = Callable[[Call], Any]
Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Operation:
    """One endpoint of the API. ``path`` is relative to /api/v1 and uses Starlette's ``{name:int}``."""

    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    # The answer's type (a model or ``list[Model]``); None means 204 No Content, or a file for downloads.
    response: Any = None
    status: int = 200
    upload: bool = False
    download: bool = False
    errors: tuple[int, ...] = ()
    description: str = ""
    operation_id: str = ""

    @property
    def name(self) -> str:
        """The operationId: given, or the handler's name."""
        return self.operation_id or self.handler.__name__

    @cached_property
    def response_adapter(self) -> TypeAdapter[Any] | None:
        return None if self.response is None else TypeAdapter(self.response)

    @property
    def path_format(self) -> str:
        """``/meetings/{meeting_id:int}`` → ``/meetings/{meeting_id}``."""
        parts = []
        for part in self.path.split("/"):
            if part.startswith("{") and ":" in part:
                part = part.split(":", 1)[0] + "}"
            parts.append(part)
        return "/".join(parts)

    @property
    def path_params(self) -> list[tuple[str, str]]:
        """Names and convertors of the path parameters, in order."""
        params = []
        for part in self.path.split("/"):
            if part.startswith("{") and part.endswith("}"):
                name, _, convertor = part[1:-1].partition(":")
                params.append((name, convertor or "str"))
        return params


def _check_ids(op: Operation, path: dict[str, Any]) -> None:
    for name, convertor in op.path_params:
        if convertor == "int" and not 1 <= path[name] <= MAX_ID:
            raise NotFound("Không tìm thấy đối tượng yêu cầu.", field=name)


async def _read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it is known to exceed ``limit``."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ApiProblem(413, _too_large_message(limit))
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiProblem(413, _too_large_message(limit))
        chunks.append(chunk)
    body = b"".join(chunks)
    # Later readers (form parsing) get the same bytes again.
    request._body = body
    return body


def _too_large_message(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"Dữ liệu gửi lên quá lớn: tối đa {limit / (1024 * 1024):.0f} MB."
    return f"Dữ liệu gửi lên quá lớn: tối đa {limit // 1024} kB."


def _parse_json(op: Operation, raw: bytes, content_type: str) -> tuple[BaseModel, frozenset[str]]:
    assert op.body is not None
    is_json = content_type == "application/json" or content_type.endswith("+json")
    if not is_json and raw.strip():
        raise ApiProblem(415, "Nội dung phải là JSON (Content-Type: application/json).")
    if not raw.strip():
        if any(f.is_required() for f in op.body.model_fields.values()):
            raise ApiProblem(422, "Thiếu nội dung JSON của yêu cầu.")
        raw = b"{}"  # every field has a default (cancel without a reason, for instance)
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiProblem(422, f"Nội dung không phải JSON hợp lệ: {exc}.") from exc
    bad = _nul_field(data, ())
    if bad is not None:
        name = field_name(bad)
        raise ApiProblem(422, f"«{name or 'nội dung'}» chứa ký tự NUL (\\u0000), không lưu được.", field=name or None)
    # Validated from the JSON text, so JSON rules apply: a time must be a string, not a Unix timestamp.
    body = op.body.model_validate_json(raw)
    sent = frozenset(data) if isinstance(data, dict) else frozenset()
    return body, sent


def _nul_field(data: Any, loc: tuple[int | str, ...]) -> tuple[int | str, ...] | None:
    """Where a NUL character hides in the JSON, if anywhere: no database text column can keep one."""
    if isinstance(data, str):
        return loc if "\x00" in data else None
    items: Any = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        if isinstance(key, str) and "\x00" in key:
            return (*loc, key)
        found = _nul_field(value, (*loc, key))
        if found is not None:
            return found
    return None


def _serialize(op: Operation, result: Any) -> Response:
    if isinstance(result, Response):
        return result
    adapter = op.response_adapter
    if adapter is None:
        return Response(status_code=204)
    return JSONResponse(adapter.dump_python(result, mode="json"), status_code=op.status)


async def _read_upload(request: Request) -> Upload:
    """The one file of a multipart/form-data request (field ``file``), within the configured size."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "multipart/form-data":
        raise ApiProblem(415, "Tệp phải được gửi dạng multipart/form-data, trong trường «file».", field="file")
    limit = ctx(request).settings.max_upload_mb * 1024 * 1024
    # The envelope of one part (boundaries, headers) is small; allow for it beside the file itself.
    await _read_body(request, limit + 64 * 1024)
    try:
        form = await request.form(max_files=1, max_fields=10)
    except HTTPException as exc:
        raise ApiProblem(400, f"Nội dung multipart không hợp lệ: {exc.detail}.", field="file") from exc
    try:
        item = form.get("file")
        if not isinstance(item, UploadFile):
            raise ApiProblem(422, "Thiếu tệp trong trường «file».", field="file")
        data = await item.read(limit + 1)
        if len(data) > limit:
            raise ApiProblem(413, f"Tệp quá lớn: tối đa {_megabytes(limit)} MB.", field="file")
        return Upload(
            filename=item.filename or "",
            content_type=(item.content_type or "application/octet-stream").split(";")[0].strip().lower(),
            data=data,
        )
    finally:
        await form.close()


def _megabytes(limit: int) -> str:
    return f"{limit / (1024 * 1024):g}"


def make_endpoint(op: Operation) -> Endpoint:
    """The ASGI endpoint of one operation: read and check the input, run the handler, answer."""

    async def endpoint(request: Request) -> Response:
        try:
            # Who asks comes first: a stranger gets 401 before anything of theirs is read or judged.
            person = await run_in_threadpool(require_person, request)
            path = dict(request.path_params)
            _check_ids(op, path)
            query = op.query.model_validate(dict(request.query_params)) if op.query else None
            body: BaseModel | None = None
            sent: frozenset[str] = frozenset()
            upload: Upload | None = None
            if op.upload:
                upload = await _read_upload(request)
            elif op.body is not None:
                raw = await _read_body(request, MAX_JSON_BYTES)
                content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
                body, sent = _parse_json(op, raw, content_type)

            def run() -> Any:
                context = ctx(request)
                with context.session() as session:
                    call = Call(request, context, session, person, path, body, query, upload, sent)
                    return op.handler(call)

            result = await run_in_threadpool(run)
            return _serialize(op, result)
        except PydanticError as exc:
            return validation_response(exc.errors())
        except ApiProblem as exc:
            return error_response(exc.status_code, exc.message, field=exc.field)
        except DomainError as exc:
            return await domain_error(request, exc)
        except DataError:
            # Input the database cannot store that no check above caught: still the client's to fix.
            log.warning("database refused the data of %s %s", request.method, request.url.path, exc_info=True)
            return error_response(422, "Dữ liệu không lưu được: có giá trị quá dài hoặc không hợp lệ.")
        except IntegrityError:
            # Two requests raced past the domain's uniqueness checks; the database kept its invariants.
            return error_response(409, "Dữ liệu vừa bị thay đổi bởi một yêu cầu khác. Vui lòng thử lại.")

    endpoint.__name__ = op.name
    return endpoint


def build_routes(operations: Sequence[Operation]) -> list[BaseRoute]:
    """One Starlette route per path; methods are dispatched here so a wrong one is a JSON 405."""
    by_path: dict[str, dict[str, Operation]] = {}
    for op in operations:
        methods = by_path.setdefault(op.path, {})
        assert op.method not in methods, f"{op.method} {op.path} declared twice"
        methods[op.method] = op
    return [
        Route(path, MethodDispatcher({m: make_endpoint(o) for m, o in methods.items()}))
        for path, methods in by_path.items()
    ]


class MethodDispatcher:
    """An ASGI app (so Starlette lets every method through) choosing the operation by method."""

    def __init__(self, endpoints: dict[str, Endpoint]) -> None:
        self.endpoints = endpoints
        self.allowed = ", ".join(sorted(endpoints))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        endpoint = self.endpoints.get(request.method)
        if endpoint is None and request.method == "HEAD":
            endpoint = self.endpoints.get("GET")
        if endpoint is None:
            message = f"Phương thức {request.method} không được hỗ trợ ở đây (dùng {self.allowed})."
            response: Response = error_response(405, message, headers={"Allow": self.allowed})
        else:
            response = await endpoint(request)
        await response(scope, receive, send)
