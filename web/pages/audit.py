"""The audit log for administrators: who created, changed, published or cancelled what, and when."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, func, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from meetings import access
from meetings.audit import AuditEntry
from meetings.people import Person
from web.auth import require_person
from web.i18n import translate
from web.labels import AUDIT_ACTIONS, OBJECT_TYPES
from web.pages.common import db, local_zone
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


_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _shown(request: Request, value: Any, tz: ZoneInfo) -> str:
    """One value of an entry as people read it: times in the local zone as dd/mm/yyyy HH:mm (the log keeps
    ISO 8601, often in UTC), days as dd/mm/yyyy, yes/no in the page's language."""
    if isinstance(value, bool):
        return translate(request, "có") if value else translate(request, "không")
    if not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if _DATETIME.fullmatch(value):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        if moment.tzinfo is not None:
            return moment.astimezone(tz).strftime("%d/%m/%Y %H:%M")
    elif _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    return value


def _detail(request: Request, raw: str, tz: ZoneInfo) -> list[tuple[str, str]]:
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
                    before, after = (_shown(request, side, tz) for side in change)
                    pairs.append((name, f"{before} → {after}"[:300]))
            continue
        pairs.append((key, _shown(request, value, tz)[:300]))
    return pairs


def audit_page(request: Request) -> Response:
    person = require_person(request)
    access.require_read_audit(person)
    kind = request.query_params.get("type", "")
    if kind not in OBJECT_TYPES:
        kind = ""
    raw_page = request.query_params.get("page", "1")
    page = max(1, number(raw_page, 10**6) or 1)
    tz = local_zone(request)
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
            detail=_detail(request, e.detail, tz),
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
