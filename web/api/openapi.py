"""The OpenAPI 3.1 document of the API, made from the route table and the pydantic models.

Nothing is discovered by introspecting handlers: each :class:`~web.api.routing.Operation` already says its
path, body, query, answer and errors, and pydantic gives the JSON Schemas (OpenAPI 3.1 uses JSON Schema
2020-12, which is what pydantic writes).
"""

from __future__ import annotations

from collections.abc import Sequence
from http import HTTPStatus
from typing import Any, Literal

from pydantic import TypeAdapter
from pydantic.json_schema import JsonSchemaMode, JsonSchemaValue

from web.api.problems import ErrorBody
from web.api.routing import MAX_ID, Operation

REF_TEMPLATE = "#/components/schemas/{model}"
OPENAPI_PATH = "/openapi.json"

_ERROR_DESCRIPTIONS = {
    400: "Yêu cầu không hợp lệ (ví dụ nội dung multipart hỏng)",
    401: "Chưa đăng nhập: cần `Authorization: Bearer …` hoặc phiên đăng nhập",
    403: "Không có quyền (hoặc thiếu X-CSRF-Token khi dùng phiên đăng nhập)",
    404: "Không tìm thấy",
    409: "Vi phạm quy tắc (trùng lịch, báo trước chưa đủ, trạng thái không cho phép) hoặc trùng dữ liệu",
    413: "Dữ liệu gửi lên quá lớn",
    415: "Kiểu nội dung không được chấp nhận",
    422: "Dữ liệu không hợp lệ; `field` chỉ trường sai",
}

Key = tuple[str, Literal["validation", "serialization"]]


def _parameters(op: Operation, schemas: dict[Key, JsonSchemaValue]) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = []
    for name, convertor in op.path_params:
        schema: dict[str, Any] = (
            {"type": "integer", "minimum": 1, "maximum": MAX_ID} if convertor == "int" else {"type": "string"}
        )
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    if op.query is not None:
        for name, info in op.query.model_fields.items():
            field_schema = schemas[(f"query:{op.query.__name__}", "validation")]["properties"][name]
            param: dict[str, Any] = {
                "name": name,
                "in": "query",
                "required": info.is_required(),
                "schema": field_schema,
            }
            if info.description:
                param["description"] = info.description
            params.append(param)
    return params


def _request_body(op: Operation, schemas: dict[Key, JsonSchemaValue]) -> dict[str, Any] | None:
    if op.upload:
        return {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                }
            },
        }
    if op.body is None:
        return None
    schema = schemas[(f"body:{op.body.__name__}", "validation")]
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _responses(op: Operation, schemas: dict[Key, JsonSchemaValue]) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    if op.download:
        responses[str(op.status)] = {
            "description": "Nội dung tệp",
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    elif op.response is None:
        responses["204"] = {"description": "Đã xong, không có nội dung"}
    else:
        schema = schemas[(f"response:{op.name}", "serialization")]
        responses[str(op.status)] = {
            "description": HTTPStatus(op.status).phrase,
            "content": {"application/json": {"schema": schema}},
        }
    error_ref = {"$ref": REF_TEMPLATE.format(model="ErrorBody")}
    for status in sorted(set(op.errors)):
        responses[str(status)] = {
            "description": _ERROR_DESCRIPTIONS.get(status, HTTPStatus(status).phrase),
            "content": {"application/json": {"schema": error_ref}},
        }
    return responses


def build_document(operations: Sequence[Operation], *, prefix: str, version: str) -> dict[str, Any]:
    """The whole OpenAPI document for ``operations`` mounted at ``prefix``."""
    inputs: list[tuple[str, JsonSchemaMode, TypeAdapter[Any]]] = [("error", "serialization", TypeAdapter(ErrorBody))]
    for op in operations:
        if op.body is not None:
            inputs.append((f"body:{op.body.__name__}", "validation", TypeAdapter(op.body)))
        if op.query is not None:
            inputs.append((f"query:{op.query.__name__}", "validation", TypeAdapter(op.query)))
        if op.response is not None:
            inputs.append((f"response:{op.name}", "serialization", TypeAdapter(op.response)))
    # One call for all types, so a model used in several places gets one shared definition.
    generated, definitions = TypeAdapter.json_schemas(inputs, ref_template=REF_TEMPLATE)
    schemas: dict[Key, JsonSchemaValue] = {(key, mode): value for (key, mode), value in generated.items()}
    # Query models are unfolded into parameters; their property schemas must not point into $defs.
    for (key, _mode), value in schemas.items():
        if key.startswith("query:") and "$ref" in value:
            name = value["$ref"].rsplit("/", 1)[-1]
            schemas[(key, _mode)] = definitions.get("$defs", {})[name]

    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        entry: dict[str, Any] = {
            "operationId": op.name,
            "summary": op.summary,
            "tags": [op.tag],
            "responses": _responses(op, schemas),
            "security": [{"bearer": []}, {"session": []}],
        }
        if op.description:
            entry["description"] = op.description
        parameters = _parameters(op, schemas)
        if parameters:
            entry["parameters"] = parameters
        body = _request_body(op, schemas)
        if body is not None:
            entry["requestBody"] = body
        paths.setdefault(prefix + op.path_format, {})[op.method.lower()] = entry

    paths[prefix + OPENAPI_PATH] = {
        "get": {
            "operationId": "openapi",
            "summary": "Tài liệu OpenAPI này",
            "tags": ["meta"],
            "security": [],
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}
            },
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "giaoban API",
            "version": version,
            "description": (
                "API JSON của giaoban: danh bạ đơn vị, điểm cầu, người dùng; cuộc họp, chương trình, tài liệu. "
                "Xác thực bằng `Authorization: Bearer <mã>` (tạo bằng `giaoban token create USERNAME`) hoặc "
                "phiên đăng nhập kèm tiêu đề `X-CSRF-Token` cho các yêu cầu thay đổi dữ liệu. Lỗi trả về "
                '`{"error": "…", "field": "…"}`.'
            ),
        },
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "giaoban_session"},
            },
        },
    }
