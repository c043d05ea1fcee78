"""The demo's meetings: what someone trying giaoban finds on logging in, dated from the day it is seeded.

- the district's weekly briefing (giao ban) with its ten communes, on the first working day that gives the
  three working days' notice of Decision 45/2018 when the invitation goes out today (holidays counted);
- a thematic meeting the secretary is still preparing (a draft), two working days after the briefing;
- when today is a working day with an hour left before 17:30, an urgent meeting (họp đột xuất) later
  today with the four mountain communes.

Everything goes through :mod:`meetings.scheduling`, as the secretary, so the rules (notice, double
booking, who may convene) hold as for any meeting. The briefing and the urgent meeting are left as
drafts here: publishing them with their signed Giấy mời is the web layer's (``web.invitation_publish``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from meetings import rules
from meetings.demo import COMMUNES, DISTRICT_CODE
from meetings.directory import person_by_username, site_by_name, unit_by_code
from meetings.drafts import AgendaItemDraft, MeetingDraft
from meetings.errors import ValidationError
from meetings.meeting import Meeting, MeetingKind
from meetings.people import Person
from meetings.scheduling import create_meeting
from meetings.units import Unit
from meetings.workdays import WorkCalendar, load_calendar

SECRETARY = "chanhvanphong"
CHAIR = "chutich"
CONTACT = "admin"

# The urgent meeting: not before the working day starts, and over by the end of it.
DAY_STARTS = time(7, 30)
DAY_ENDS = time(17, 30)
URGENT_LEAD = timedelta(minutes=45)  # time for the communes to gather after the call
URGENT_LENGTH = timedelta(hours=1)
MOUNTAIN_COMMUNES = ("Bản Giàng", "Quyết Tiến", "Yên Thịnh", "Phúc Sơn")
THEMATIC_COMMUNES = ("Ngọc Khê", "Tân Lập", "Hòa Bình", "Đồng Tâm", "Minh Khai")


@dataclass(frozen=True)
class DemoMeetings:
    """The meetings made, by id. ``to_publish``: those to publish with their Giấy mời, in that order."""

    briefing: int
    thematic: int
    urgent: int | None

    @property
    def to_publish(self) -> tuple[int, ...]:
        return (self.briefing,) if self.urgent is None else (self.briefing, self.urgent)


def briefing_day(calendar: WorkCalendar, today: date) -> date:
    """The first working day on which a meeting announced ``today`` has its three working days' notice."""
    day = rules.earliest_meeting_day(calendar, today)
    return day if calendar.is_working_day(day) else calendar.add_working_days(day, 1)


def urgent_start(calendar: WorkCalendar, now: datetime, tz: ZoneInfo) -> datetime | None:
    """When an urgent meeting called at ``now`` starts: on the next full or half hour at least 45 minutes
    on, no earlier than 07:30; None when today is not worked or the meeting would end after 17:30."""
    local = now.astimezone(tz)
    if not calendar.is_working_day(local.date()):
        return None
    earliest = local + URGENT_LEAD
    start = earliest.replace(minute=0, second=0, microsecond=0)
    while start < earliest:
        start += timedelta(minutes=30)
    start = max(start, datetime.combine(local.date(), DAY_STARTS, tz))
    if start + URGENT_LENGTH > datetime.combine(local.date(), DAY_ENDS, tz):
        return None
    return start


def _person(session: Session, username: str) -> Person:
    person = person_by_username(session, username)
    if person is None:
        raise ValidationError(f"Danh bạ mẫu không còn tài khoản {username}.")
    return person


def _site_ids(session: Session, district: Unit, commune_names: tuple[str, ...]) -> list[int]:
    """The district's own room, then the named communes' rooms in the demo's order."""
    units = [district]
    for number, (_kind, name) in enumerate(COMMUNES, start=1):
        if name in commune_names:
            unit = unit_by_code(session, f"000.{number:02d}.12.H49")
            if unit is not None:  # an administrator may have taken a commune out since
                units.append(unit)
    ids = []
    for unit in units:
        site = site_by_name(session, unit.id or 0, f"Phòng họp trực tuyến {unit.name}")
        if site is not None and site.id is not None:
            ids.append(site.id)
    return ids


def _at(day: date, hour: int, minute: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour, minute), tz)


# tests/web/test_demo_publishing.py delivers the demo's mails, subjects and all, to be sure they go out.


def _briefing(district: Unit, people: dict[str, Person], sites: list[int], day: date, tz: ZoneInfo) -> MeetingDraft:
    return MeetingDraft(
        title="Giao ban công tác tuần với các xã, thị trấn",
        kind=MeetingKind.BRIEFING,
        start_at=_at(day, 8, 0, tz),
        end_at=_at(day, 10, 0, tz),
        convening_unit_id=district.id or 0,
        chair_id=people[CHAIR].id or 0,
        secretary_id=people[SECRETARY].id,
        contact_id=people[CONTACT].id,
        description=(
            "Đánh giá kết quả thực hiện nhiệm vụ trong tuần; triển khai nhiệm vụ trọng tâm tuần tới; "
            "giải quyết khó khăn, vướng mắc của các xã, thị trấn."
        ),
        preparation=(
            "Các xã, thị trấn chuẩn bị báo cáo nhanh (không quá 5 phút) kết quả thực hiện nhiệm vụ trong tuần, "
            "khó khăn, vướng mắc và kiến nghị. Cán bộ kỹ thuật kiểm tra đường truyền, camera, micro tại điểm "
            "cầu trước giờ họp 30 phút."
        ),
        place="Hội trường tầng 2, UBND huyện Ngọc Khê (điểm cầu chính) và điểm cầu các xã, thị trấn",
        site_ids=sites,
        agenda=[
            AgendaItemDraft("Kết quả công tác tuần, nhiệm vụ tuần tới", "Chánh Văn phòng HĐND và UBND huyện", 15),
            AgendaItemDraft("Các xã, thị trấn báo cáo nhanh tình hình", "Chủ tịch UBND các xã, thị trấn", 60),
            AgendaItemDraft("Ý kiến của các phòng, ban chuyên môn", "", 25),
            AgendaItemDraft("Kết luận của Chủ tịch UBND huyện", "Chủ tịch UBND huyện", 15),
        ],
        last_n=11,
    )  # fmt: skip


def _thematic(district: Unit, people: dict[str, Person], sites: list[int], day: date, tz: ZoneInfo) -> MeetingDraft:
    # A draft still being prepared: the agenda is not complete and nothing is asked of the communes yet.
    return MeetingDraft(
        title="Họp chuyên đề chuyển đổi số cấp xã",
        kind=MeetingKind.PROFESSIONAL,
        start_at=_at(day, 14, 0, tz),
        end_at=_at(day, 16, 30, tz),
        convening_unit_id=district.id or 0,
        chair_id=people[CHAIR].id or 0,
        secretary_id=people[SECRETARY].id,
        contact_id=people[CONTACT].id,
        description="Tỷ lệ hồ sơ trực tuyến toàn trình của các xã còn thấp; bàn giải pháp nâng cao.",
        place="Phòng họp trực tuyến UBND huyện Ngọc Khê",
        site_ids=sites,
        agenda=[
            AgendaItemDraft("Tình hình tiếp nhận hồ sơ trực tuyến quý IV", "Văn phòng HĐND và UBND huyện", 20),
            AgendaItemDraft("Kinh nghiệm của thị trấn Ngọc Khê", "UBND thị trấn Ngọc Khê", 15),
        ],
    )


def _urgent(district: Unit, people: dict[str, Person], sites: list[int], start: datetime) -> MeetingDraft:
    return MeetingDraft(
        title="Triển khai ứng phó mưa lớn, lũ quét",
        kind=MeetingKind.RESOLUTION,
        start_at=start,
        end_at=start + URGENT_LENGTH,
        convening_unit_id=district.id or 0,
        chair_id=people[CHAIR].id or 0,
        secretary_id=people[SECRETARY].id,
        contact_id=people[CONTACT].id,
        urgent=True,
        urgent_reason=(
            "Đài Khí tượng Thủy văn tỉnh cảnh báo mưa lớn diện rộng trong 24 giờ tới, nguy cơ lũ quét, sạt lở "
            "đất cao tại các xã vùng núi; cần triển khai ngay phương án di dời dân."
        ),
        description="Triển khai phương án ứng phó, di dời dân ra khỏi vùng nguy cơ cao.",
        preparation="Các xã báo cáo số hộ trong vùng nguy cơ sạt lở, lực lượng và phương tiện tại chỗ.",
        place="Phòng họp trực tuyến UBND huyện Ngọc Khê",
        site_ids=sites,
        agenda=[
            AgendaItemDraft("Thông tin dự báo, cảnh báo thiên tai", "Phòng Nông nghiệp và Môi trường", 10),
            AgendaItemDraft("Các xã báo cáo phương án tại chỗ", "Chủ tịch UBND các xã", 30),
            AgendaItemDraft("Chỉ đạo của Chủ tịch UBND huyện", "Chủ tịch UBND huyện", 20),
        ],
    )


def demo_meetings_present(session: Session, district: Unit) -> bool:
    """Whether the demo district convenes any meeting already (seeded before, or made since)."""
    query = select(col(Meeting.id)).where(Meeting.convening_unit_id == district.id).limit(1)
    return session.exec(query).first() is not None


def seed_demo_meetings(session: Session, *, now: datetime, tz: ZoneInfo) -> DemoMeetings | None:
    """Make the demo's meetings as drafts, dated from ``now`` (see the module's docstring); None, making
    nothing, when the demo district is absent or already convenes a meeting. Each is committed as made."""
    district = unit_by_code(session, DISTRICT_CODE)
    if district is None or demo_meetings_present(session, district):
        return None
    people = {name: _person(session, name) for name in (SECRETARY, CHAIR, CONTACT)}
    secretary = people[SECRETARY]
    calendar = load_calendar(session)
    day = briefing_day(calendar, now.astimezone(tz).date())
    everyone = _site_ids(session, district, tuple(name for _, name in COMMUNES))
    briefing = create_meeting(session, secretary, _briefing(district, people, everyone, day, tz), tz=tz)
    later = calendar.add_working_days(day, 2)
    thematic_sites = _site_ids(session, district, THEMATIC_COMMUNES)
    thematic = create_meeting(session, secretary, _thematic(district, people, thematic_sites, later, tz), tz=tz)
    urgent_id = None
    start = urgent_start(calendar, now, tz)
    if start is not None:
        mountain = _site_ids(session, district, MOUNTAIN_COMMUNES)
        urgent_id = create_meeting(session, secretary, _urgent(district, people, mountain, start), tz=tz).id
    assert briefing.id is not None and thematic.id is not None
    return DemoMeetings(briefing=briefing.id, thematic=thematic.id, urgent=urgent_id)
