"""The audit log for administrators: who created, changed, published or cancelled what, and when."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, func, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from meetings import access
from meetings.audit import AuditEntry
from meetings.people import Person
from web.auth import require_person
from web.labels import AUDIT_ACTIONS, OBJECT_TYPES
from web.pages.common import db
from web.pages.forms import number
from web.templating import render

PAGE_SIZE = 50
# Where an audited object can be looked at.
OBJECT_LINKS = {
    "meeting": "/meetings/{}",
    "unit": "/directory/units/{}",
    "site": "/directory/sites/{}",
    "person": "/directory/people/{}",
}


@dataclass(frozen=True)
class AuditRow:
    entry: AuditEntry
    actor: str
    link: str
    detail: list[tuple[str, str]]


def _detail(raw: str) -> list[tuple[str, str]]:
    """The entry's details as short (key, value) pairs for the table."""
    try:
        data: Any = json.loads(raw)
    except ValueError:
        return [("", raw[:300])]
    if not isinstance(data, dict):
        return [("", str(data)[:300])]
    pairs = []
    for key, value in data.items():
        if key == "changes" and isinstance(value, dict):
            for name, change in value.items():
                if isinstance(change, list) and len(change) == 2:
                    pairs.append((name, f"{change[0]} → {change[1]}"[:300]))
            continue
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        pairs.append((key, shown[:300]))
    return pairs


def audit_page(request: Request) -> Response:
    person = require_person(request)
    access.require_read_audit(person)
    kind = request.query_params.get("type", "")
    if kind not in OBJECT_TYPES:
        kind = ""
    raw_page = request.query_params.get("page", "1")
    page = max(1, number(raw_page, 10**6) or 1)
    with db(request) as session:
        query = select(AuditEntry)
        count = select(func.count()).select_from(AuditEntry)
        if kind:
            query = query.where(AuditEntry.object_type == kind)
            count = count.where(AuditEntry.object_type == kind)
        total = session.exec(count).one()
        page = min(page, max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE))
        entries = session.exec(
            query.order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        ).all()
        actor_ids = {e.actor_id for e in entries if e.actor_id is not None}
        names = {p.id: p.full_name for p in session.exec(select(Person).where(col(Person.id).in_(actor_ids))).all()}
    rows = [
        AuditRow(
            entry=e,
            actor=names.get(e.actor_id, "") if e.actor_id is not None else "",
            link=OBJECT_LINKS[e.object_type].format(e.object_id)
            if e.object_type in OBJECT_LINKS and e.object_id is not None
            else "",
            detail=_detail(e.detail),
        )
        for e in entries
    ]
    context = {
        "rows": rows,
        "kind": kind,
        "page": page,
        "pages": max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE),
        "total": total,
        "actions": AUDIT_ACTIONS,
        "object_types": OBJECT_TYPES,
    }
    return render(request, "audit.html", context)


def routes() -> list[BaseRoute]:
    return [Route("/audit", audit_page, name="audit")]
