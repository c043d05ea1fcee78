"""``GET /healthz``: 200 with JSON while the service can reach its database, 503 otherwise."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from web.context import AppContext, ctx


def _database_ok(context: AppContext) -> bool:
    try:
        with context.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


async def healthz(request: Request) -> JSONResponse:
    ok = await run_in_threadpool(_database_ok, ctx(request))
    body = {"status": "ok" if ok else "error", "database": "ok" if ok else "unreachable"}
    return JSONResponse(body, status_code=200 if ok else 503, headers={"Cache-Control": "no-store"})
