"""Error bodies of the API: ``{"error": message, "field": field}``, with a message a person can act on.

Pydantic's own messages are English and name fields by position; here each one becomes one Vietnamese
sentence naming the field, so a client can show it beside the input.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails
from starlette.responses import JSONResponse


class ErrorBody(BaseModel):
    """What every 4xx answer of the API carries."""

    error: str
    field: str | None = None
    errors: list[dict[str, Any]] | None = None


class ApiProblem(Exception):
    """A 4xx answer decided by the API layer itself (bad JSON, oversized body, unsupported type...)."""

    def __init__(self, status_code: int, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.field = field


def error_response(
    status_code: int,
    message: str,
    *,
    field: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"error": message, "field": field}
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status_code, headers=headers)


def field_name(loc: Sequence[int | str]) -> str:
    """``("agenda", 2, "title")`` → ``agenda[2].title``."""
    name = ""
    for part in loc:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else str(part)
    return name


_TEMPLATES: dict[str, str] = {
    "missing": "Thiếu trường bắt buộc {name}.",
    "extra_forbidden": "Trường {name} không được phép.",
    "int_type": "{name} phải là một số nguyên.",
    "int_parsing": "{name} phải là một số nguyên.",
    "int_from_float": "{name} phải là một số nguyên.",
    "bool_type": "{name} phải là true hoặc false.",
    "bool_parsing": "{name} phải là true hoặc false.",
    "string_type": "{name} phải là một chuỗi ký tự.",
    "list_type": "{name} phải là một danh sách.",
    "model_type": "{name} phải là một đối tượng JSON.",
    "model_attributes_type": "{name} phải là một đối tượng JSON.",
    "dict_type": "{name} phải là một đối tượng JSON.",
    "datetime_type": "{name} phải là thời điểm ISO 8601, ví dụ 2026-03-05T08:00:00+07:00.",
    "datetime_parsing": "{name} phải là thời điểm ISO 8601, ví dụ 2026-03-05T08:00:00+07:00.",
    "datetime_from_date_parsing": "{name} phải là thời điểm ISO 8601, ví dụ 2026-03-05T08:00:00+07:00.",
    "timezone_aware": "{name} phải ghi rõ múi giờ, ví dụ 2026-03-05T08:00:00+07:00.",
    "date_type": "{name} phải là ngày dạng YYYY-MM-DD.",
    "date_parsing": "{name} phải là ngày dạng YYYY-MM-DD.",
    "date_from_datetime_parsing": "{name} phải là ngày dạng YYYY-MM-DD.",
    "enum": "{name} phải là một trong: {expected}.",
    "literal_error": "{name} phải là một trong: {expected}.",
    "string_too_short": "{name} không được để trống.",
    "string_too_long": "{name} dài quá {max_length} ký tự.",
    "too_long": "{name} có quá nhiều phần tử (tối đa {max_length}).",
    "greater_than_equal": "{name} phải lớn hơn hoặc bằng {ge}.",
    "greater_than": "{name} phải lớn hơn {gt}.",
    "less_than_equal": "{name} phải nhỏ hơn hoặc bằng {le}.",
    "less_than": "{name} phải nhỏ hơn {lt}.",
    "json_invalid": "Nội dung không phải JSON hợp lệ.",
    "value_error": "{name}: {message}",
}


def describe_error(error: ErrorDetails) -> str:
    """One readable sentence for one pydantic error."""
    field = field_name(error["loc"])
    name = f"«{field}»" if field else "Nội dung yêu cầu"
    template = _TEMPLATES.get(error["type"])
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    if error["type"] == "value_error":
        ctx["message"] = str(ctx.get("error", error["msg"])).removeprefix("Value error, ")
    if template is not None:
        try:
            return template.format(name=name, **ctx)
        except (KeyError, IndexError):
            pass
    return f"{name} không hợp lệ: {error['msg']}."


def validation_response(errors: list[ErrorDetails]) -> JSONResponse:
    """422 for a body or query that does not fit its model: the first error leads, all are listed."""
    described = [{"field": field_name(e["loc"]) or None, "error": describe_error(e), "type": e["type"]} for e in errors]
    first = described[0] if described else {"field": None, "error": "Dữ liệu không hợp lệ."}
    return error_response(422, str(first["error"]), field=first["field"], errors=described)
