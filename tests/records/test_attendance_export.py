"""The attendance CSV (opened by Excel: BOM, ``;``, quoting, local times) and the timeline chart (SVG)."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

from sqlmodel import Session

from meetings.records.attendance import site_attendance, span
from meetings.records.attendance_export import attendance_csv
from tests.records.attendance_samples import NOW, briefing, utc
from web.charts import TimelineRow, bars, grid, timeline

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SVG = "{http://www.w3.org/2000/svg}"


def test_csv_opens_in_excel_with_vietnamese_intact(session: Session) -> None:
    b = briefing(session)
    attendance = site_attendance(session, b.meeting_id, now=NOW)
    data = attendance_csv(attendance, TZ)
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0][:4] == ["STT", "Điểm cầu", "Đơn vị", "Điểm danh"]
    assert len(rows) == 4
    tien, son, phong = rows[1:]
    assert tien == [
        "1",
        "Điểm cầu xã Hòa Tiến",
        "Ủy ban nhân dân xã Hòa Tiến",
        "Trực tuyến",
        "6",
        "",
        "",
        "05/03/2026 08:00",
        "05/03/2026 11:00",
        "170",
        "3",
        "08:00–09:00, 09:10–11:00",
    ]
    assert son[3:7] == ["Vắng", "", "Dự hội nghị tại tỉnh", ""]
    assert son[9] == "0"
    assert phong[3] == "Trực tiếp (chủ trì điều chỉnh)"
    assert phong[6] == "Lê Thị Cúc, Phó Chủ tịch UBND xã"
    assert phong[7:10] == ["05/03/2026 08:05", "05/03/2026 08:35", "30"]


def test_csv_quotes_separators_and_defuses_formulas(session: Session) -> None:
    b = briefing(session)
    b.tien.name = 'Điểm cầu "A"; phòng 2'
    b.son.name = "=HYPERLINK(1)"
    session.add_all([b.tien, b.son])
    session.commit()
    data = attendance_csv(site_attendance(session, b.meeting_id, now=NOW), TZ)
    assert '"Điểm cầu ""A""; phòng 2"'.encode() in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[1][1] == 'Điểm cầu "A"; phòng 2'
    assert rows[2][1] == "'=HYPERLINK(1)"


def test_timeline_chart_is_well_formed_with_bars_and_labels(session: Session) -> None:
    b = briefing(session)
    attendance = site_attendance(session, b.meeting_id, now=NOW)
    seen = span(attendance)
    assert seen is not None and (seen.start, seen.end) == (utc(1, 0), utc(4, 0))
    rows = [
        TimelineRow(a.unit_name, [(i.start, i.end) for i in a.intervals], f"{a.present_minutes} phút")
        for a in attendance
    ]
    svg = ET.fromstring(
        str(timeline(rows, utc(1, 0), utc(4, 0), TZ, title="Có mặt <điểm cầu>", desc="mô tả & chi tiết"))
    )
    assert svg.tag == f"{SVG}svg" and svg.get("role") == "img"
    assert svg.find(f"{SVG}title") is not None and svg.find(f"{SVG}title").text == "Có mặt <điểm cầu>"  # type: ignore[union-attr]
    labelled = (svg.get("aria-labelledby") or "").split()
    assert [svg.find(f"{SVG}title").get("id"), svg.find(f"{SVG}desc").get("id")] == labelled  # type: ignore[union-attr]
    presence = svg.findall(f".//{SVG}rect[@class='presence']")
    assert len(presence) == 3  # two intervals for Hòa Tiến, one for Hòa Phong
    tips = sorted(r.find(f"{SVG}title").text or "" for r in presence)  # type: ignore[union-attr]
    assert tips == [
        "Ủy ban nhân dân xã Hòa Phong: 08:05–08:35",
        "Ủy ban nhân dân xã Hòa Tiến: 08:00–09:00",
        "Ủy ban nhân dân xã Hòa Tiến: 09:10–11:00",
    ]
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "Ủy ban nhân dân xã Hòa Sơn" in texts and "170 phút" in texts and "0 phút" in texts
    assert "08:00" in texts and "11:00" in texts  # the clock ticks, in Hà Nội time
    # The 3-hour meeting spans the 480-pixel bar: 08:00–09:00 is a third of it.
    first = next(r for r in presence if "09:00" in (r.find(f"{SVG}title").text or ""))  # type: ignore[union-attr]
    assert float(first.get("width") or 0) == 160.0


def test_bars_and_grid_escape_their_labels() -> None:
    markup = str(bars([("01/2026", 2), ("<b>02</b>", 5)], title="Số cuộc họp", desc="theo tháng"))
    svg = ET.fromstring(markup)
    assert "<b>" not in markup and len(svg.findall(f".//{SVG}rect[@class='bar']")) == 2
    assert [t.text for t in svg.iter(f"{SVG}text")] == ["2", "01/2026", "5", "<b>02</b>"]
    cells = ET.fromstring(
        str(grid(["Xã A & B"], ["01/2026", "02/2026"], [[(0.5, "1/2"), None]], title="Tỷ lệ", desc="theo xã"))
    )
    assert len(cells.findall(f".//{SVG}rect[@class='cell']")) == 1
    assert [t.text for t in cells.iter(f"{SVG}text")] == ["01/2026", "02/2026", "Xã A & B", "1/2", "–"]
