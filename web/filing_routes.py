"""``POST /api/filing/status``: where a document-management system on HTTP delivers its status packages
(docs/filing.md). Bearer token of an administrator's API token (the integration account)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from meetings.access import is_administrator
from meetings.errors import Forbidden
from meetings.records.edxml_status import STATE_LABELS, FilingState
from meetings.records.filing import record_status
from web.auth import require_person
from web.context import ctx
from web.filing_delivery import status_codes


async def receive_status(request: Request) -> Response:
    person = require_person(request)
    if not is_administrator(person):
        raise Forbidden("Chỉ tài khoản tích hợp (quản trị viên) được gửi trạng thái văn bản.")
    data = await request.body()
    context = ctx(request)
    codes = status_codes(context.settings)

    def record() -> tuple[int | None, str, int | None]:
        with context.session() as session:
            entry = record_status(session, data, codes=codes, source=f"HTTP from {person.username}")
            session.commit()
            return entry.id, entry.state, entry.outbox_item_id

    record_id, state, item_id = await run_in_threadpool(record)
    return JSONResponse(
        {
            "id": record_id,
            "state": state,
            "label": STATE_LABELS[FilingState(state)],
            "matched": item_id is not None,
        }
    )


def routes() -> list[Route]:
    return [Route("/api/filing/status", receive_status, methods=["POST"])]
