"""The convening unit's dashboard (meetings.records.dashboard): meetings per month and participation per
invited unit as SVG charts, overdue conclusion notices, documents waiting to be sent (with a briefing's
deadline, meetings.document_mail), filing packages not yet delivered. For a unit's chairs and
secretaries (their own unit) and administrators (any unit, chosen with ``?unit=``)."""

from __future__ import annotations

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from meetings.document_mail import waiting_documents
from meetings.errors import Forbidden
from meetings.records.dashboard import Dashboard, dashboard, dashboard_units, month_label
from web.auth import require_person
from web.charts import bars, grid
from web.i18n import translate
from web.pages.common import db, local_zone, now
from web.pages.forms import number
from web.templating import render


def _meetings_chart(request: Request, board: Dashboard) -> Markup:
    points = [(month_label(m), n) for m, n in zip(board.months, board.meetings_per_month, strict=True)]
    desc = "; ".join(f"{label}: {n}" for label, n in points)
    return bars(points, title=translate(request, "Số cuộc họp mỗi tháng"), desc=desc)


def _participation_chart(request: Request, board: Dashboard) -> Markup:
    columns = [month_label(m) for m in board.months]
    values = []
    described = []
    for row in board.participation:
        cells: list[tuple[float, str] | None] = []
        for index in range(len(board.months)):
            share = row.share(index)
            if share is None:
                cells.append(None)
                continue
            text = f"{row.attended[index]}/{row.invited[index]}"
            cells.append((share, text))
            described.append(f"{row.unit_name}, {columns[index]}: {text}")
        values.append(cells)
    return grid(
        [row.unit_name for row in board.participation],
        columns,
        values,
        title=translate(request, "Tỷ lệ tham dự của các đơn vị được mời, theo tháng"),
        desc="; ".join(described) or translate(request, "Chưa có cuộc họp nào đã diễn ra."),
    )


def dashboard_page(request: Request) -> Response:
    person = require_person(request)
    with db(request) as session:
        units = dashboard_units(session, person)
        if not units:
            raise Forbidden("Chỉ chủ trì, thư ký của đơn vị (hoặc quản trị viên) được xem bảng tổng hợp của đơn vị.")
        # Their own unit by default; another one only when asked (the domain checks it is theirs to see).
        chosen = number(request.query_params.get("unit", ""))
        own = any(u.id == person.unit_id for u in units)
        unit_id = chosen if chosen is not None else person.unit_id if own else units[0].id or 0
        board = dashboard(session, person, unit_id, now=now(), tz=local_zone(request))
        waiting = waiting_documents(session, board.unit.id or 0, now=now(), tz=local_zone(request))
    context = {
        "board": board,
        "waiting_documents": waiting,
        "units": units,
        "meetings_chart": _meetings_chart(request, board),
        "participation_chart": _participation_chart(request, board) if board.participation else None,
    }
    return render(request, "dashboard.html", context)


def routes() -> list[BaseRoute]:
    return [Route("/dashboard", dashboard_page, name="dashboard")]
