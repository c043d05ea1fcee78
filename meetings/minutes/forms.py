"""The official forms (meetings.records.forms) filled from the minutes, their facts and the conclusion
notice: what the PDF shows. Times are turned into local wall-clock times here."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from meetings.minutes.content import ConclusionContent, MinutesContent
from meetings.minutes.facts import MinutesFacts
from meetings.records.forms import (
    Agency,
    AgendaSection,
    AttendanceRow,
    ConclusionNotice,
    DocumentType,
    Minutes,
    NumberAndSymbol,
    Signature,
    paragraphs,
)
from meetings.records.vndates import day_month_year
from meetings.units import Unit

RECIPIENTS = ["Các đơn vị dự họp;", "Lưu: VT, hồ sơ cuộc họp."]


def agency_of(unit: Unit) -> Agency:
    return Agency(
        name=unit.name,
        abbreviation=unit.abbreviation,
        code=unit.code,
        place_name=unit.place_name or unit.name,
    )


def _person_line(name: str, position: str) -> str:
    return f"Đồng chí {name}, {position}" if position else f"Đồng chí {name}"


def minutes_form(
    unit: Unit,
    facts: MinutesFacts,
    content: MinutesContent,
    *,
    number: int | None,
    issued_on: date,
    tz: ZoneInfo,
) -> Minutes:
    sections = [
        AgendaSection(
            title=item.title,
            content=content.items.get(item.agenda_item_id, ""),
            speakers=item.speakers,
            votes="; ".join(item.votes),
        )
        for item in facts.items
    ]
    if content.other or facts.other_speakers or facts.other_votes:
        sections.append(
            AgendaSection("Nội dung khác", content.other, facts.other_speakers, "; ".join(facts.other_votes))
        )
    note = facts.attendance_summary
    if content.attendance_note.strip():
        note = f"{note} {' '.join(paragraphs(content.attendance_note))}"
    return Minutes(
        agency_of(unit),
        NumberAndSymbol(number, DocumentType.MINUTES.value, unit.abbreviation),
        issued_on,
        facts.title,
        start_at=facts.start_at.astimezone(tz).replace(tzinfo=None),
        end_at=facts.end_at.astimezone(tz).replace(tzinfo=None),
        place=facts.place or "Trực tuyến",
        online_sites=facts.online_sites,
        chair=_person_line(facts.chair, facts.chair_position),
        secretary=f"Đồng chí {facts.secretary}" if facts.secretary else "",
        attendance=[
            AttendanceRow(
                site=a.unit,
                presence=a.presence,
                headcount=a.headcount,
                people=a.site,
                note=a.note,
            )
            for a in facts.attendance
        ],
        attendance_note=note,
        sections=sections,
        conclusions=content.conclusions,
        secretary_signature=Signature("THƯ KÝ", facts.secretary),
        chair_signature=Signature("CHỦ TỌA", facts.chair),
        recipients=RECIPIENTS,
    )


def draft_conclusion(facts: MinutesFacts, minutes: MinutesContent, tz: ZoneInfo) -> ConclusionContent:
    """The notice as first drafted: the usual introduction, and the chair's conclusions from the minutes."""
    day = day_month_year(facts.start_at.astimezone(tz).date())
    position = f", {facts.chair_position}" if facts.chair_position else ""
    introduction = (
        f"Ngày {day.removeprefix('ngày ')}, đồng chí {facts.chair}{position} chủ trì cuộc họp {facts.title}. "
        "Sau khi nghe báo cáo và ý kiến của các đại biểu dự họp, đồng chí chủ trì kết luận như sau:"
    )
    return ConclusionContent(introduction=introduction, conclusions=minutes.conclusions)


def conclusion_form(
    unit: Unit,
    facts: MinutesFacts,
    content: ConclusionContent,
    *,
    number: int | None,
    issued_on: date,
) -> ConclusionNotice:
    position = facts.chair_position.upper() if facts.chair_position else "CHỦ TỌA"
    return ConclusionNotice(
        agency_of(unit),
        NumberAndSymbol(number, DocumentType.CONCLUSION.value, unit.abbreviation),
        issued_on,
        f"Kết luận của đồng chí {facts.chair} tại cuộc họp {facts.title}",
        introduction=content.introduction,
        conclusions=paragraphs(content.conclusions),
        closing=content.closing,
        signature=Signature(title=position, full_name=facts.chair),
        recipients=RECIPIENTS,
    )
