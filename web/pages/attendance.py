"""A meeting's attendance: the page (table and timeline chart) and the CSV export. Shown to whoever may
see the meeting (``scheduling.get_meeting``: a commune's officials only for meetings their unit is
invited to)."""

from __future__ import annotations

from datetime import datetime

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from meetings import scheduling
from meetings.records.attendance import AttendanceStatus, SiteAttendance, site_attendance, span
from meetings.records.attendance_export import attendance_csv, csv_filename
from web.auth import require_person
from web.charts import TimelineRow, timeline
from web.i18n import N_, translate
from web.pages.common import db, local_zone, now, path_id
from web.templating import render

STATUS_TEXTS = {
    AttendanceStatus.ONLINE: N_("Trực tuyến"),
    AttendanceStatus.IN_PERSON: N_("Trực tiếp"),
    AttendanceStatus.ABSENT: N_("Vắng"),
}
LEFT_REASONS = {
    "left": N_("rời phòng họp"),
    "lost": N_("mất kết nối"),
    "replaced": N_("kết nối lại"),
    "ended": N_("cuộc họp kết thúc"),
    "": N_("đang kết nối"),
}


def _minutes(request: Request, minutes: int) -> str:
    return translate(request, "%(n)s phút", n=minutes)


def _chart(request: Request, attendance: list[SiteAttendance], start: datetime, end: datetime) -> Markup:
    """The timeline over the scheduled time, widened to whatever presence fell outside it."""
    seen = span(attendance)
    if seen is not None:
        start, end = min(start, seen.start), max(end, seen.end)
    status = {a.site_id: translate(request, STATUS_TEXTS[a.status]) for a in attendance}
    rows = [
        TimelineRow(
            a.unit_name,
            [(i.start, i.end) for i in a.intervals],
            _minutes(request, a.present_minutes) if a.intervals else status[a.site_id],
        )
        for a in attendance
    ]
    desc = "; ".join(f"{a.unit_name}: {status[a.site_id]}, {_minutes(request, a.present_minutes)}" for a in attendance)
    return timeline(
        rows,
        start,
        end,
        local_zone(request),
        title=translate(request, "Thời gian có mặt của các điểm cầu"),
        desc=desc or translate(request, "Chưa có điểm cầu nào được mời."),
    )


def attendance_page(request: Request) -> Response:
    person = require_person(request)
    meeting_id = path_id(request)
    with db(request) as session:
        meeting = scheduling.get_meeting(session, person, meeting_id)
        attendance = site_attendance(session, meeting_id, now=now())
    context = {
        "m": meeting,
        "attendance": attendance,
        "present": sum(1 for a in attendance if a.present),
        "people": sum(a.headcount or 0 for a in attendance if a.present),
        "chart": _chart(request, attendance, meeting.start_at, meeting.end_at),
        "status_texts": STATUS_TEXTS,
        "left_reasons": LEFT_REASONS,
    }
    return render(request, "meetings/attendance.html", context)


def attendance_export(request: Request) -> Response:
    person = require_person(request)
    meeting_id = path_id(request)
    with db(request) as session:
        scheduling.get_meeting(session, person, meeting_id)
        attendance = site_attendance(session, meeting_id, now=now())
    data = attendance_csv(attendance, local_zone(request))
    return Response(
        data,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{csv_filename(meeting_id)}"'},
    )


def routes() -> list[BaseRoute]:
    return [
        Route("/meetings/{id:int}/attendance", attendance_page, name="attendance"),
        Route("/meetings/{id:int}/attendance.csv", attendance_export, name="attendance_csv"),
    ]
