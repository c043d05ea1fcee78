"""A small hand-made directory for scheduling tests, written straight into the tables.

Province Sơn Hà (3-level until 2025): district Ngọc Khê with communes An Phú and Bình Minh; district Đông
Sơn with commune Cát Tiên. Commune Xuân Lộc hangs directly under the province (the 2-level structure).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from meetings.meeting import MeetingKind
from meetings.people import Person
from meetings.scheduling import AgendaItemDraft, MeetingDraft
from meetings.units import Site, Unit, UnitLevel

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def local(y: int, m: int, d: int, hh: int = 8, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=HANOI)


# Monday 02/03/2026, 09:00 in Hà Nội: a meeting on Monday 09/03 has 4 working days of notice.
NOW = local(2026, 3, 2, 9)


@dataclass
class World:
    province: Unit
    district: Unit
    commune_a: Unit
    commune_b: Unit
    other_district: Unit
    commune_c: Unit
    commune_x: Unit
    sites: dict[str, Site]
    people: dict[str, Person]

    def site(self, name: str) -> int:
        site_id = self.sites[name].id
        assert site_id is not None
        return site_id

    def person(self, name: str) -> Person:
        return self.people[name]

    def pid(self, name: str) -> int:
        person_id = self.people[name].id
        assert person_id is not None
        return person_id


def _unit(session: Session, name: str, code: str, level: UnitLevel, parent: Unit | None) -> Unit:
    unit = Unit(name=name, code=code, level=level, parent_id=parent.id if parent else None)
    session.add(unit)
    session.flush()
    return unit


def build_world(session: Session) -> World:
    province = _unit(session, "UBND tỉnh Sơn Hà", "000.00.00.H49", UnitLevel.PROVINCE, None)
    district = _unit(session, "UBND huyện Ngọc Khê", "000.00.12.H49", UnitLevel.DISTRICT, province)
    commune_a = _unit(session, "UBND xã An Phú", "000.01.12.H49", UnitLevel.COMMUNE, district)
    commune_b = _unit(session, "UBND xã Bình Minh", "000.02.12.H49", UnitLevel.COMMUNE, district)
    other = _unit(session, "UBND huyện Đông Sơn", "000.00.13.H49", UnitLevel.DISTRICT, province)
    commune_c = _unit(session, "UBND xã Cát Tiên", "000.01.13.H49", UnitLevel.COMMUNE, other)
    commune_x = _unit(session, "UBND xã Xuân Lộc", "000.05.00.H49", UnitLevel.COMMUNE, province)
    sites = {
        "province": Site(unit_id=province.id, name="Phòng họp trực tuyến tỉnh"),
        "district": Site(unit_id=district.id, name="Phòng họp UBND huyện Ngọc Khê"),
        "a": Site(unit_id=commune_a.id, name="Hội trường xã An Phú"),
        "b": Site(unit_id=commune_b.id, name="Phòng họp xã Bình Minh"),
        "c": Site(unit_id=commune_c.id, name="Phòng họp xã Cát Tiên"),
        "x": Site(unit_id=commune_x.id, name="Phòng họp xã Xuân Lộc"),
        "a_closed": Site(unit_id=commune_a.id, name="Phòng cũ xã An Phú", active=False),
    }
    session.add_all(sites.values())
    spec = [
        ("admin", "Quản trị viên", district, "administrator"),
        ("chair_d", "Nguyễn Văn Chủ", district, "chair"),
        ("chair_d2", "Trần Thị Phó", district, "chair"),
        ("secretary_d", "Lê Thị Thư", district, "secretary"),
        ("official_d", "Phạm Văn Cán", district, "site_official"),
        ("chair_a", "Hoàng Văn An", commune_a, "chair"),
        ("official_a", "Vũ Thị Lan", commune_a, "site_official"),
        ("operator_a", "Đỗ Văn Kỹ", commune_a, "site_operator"),
        ("official_b", "Bùi Văn Bình", commune_b, "site_official"),
        ("official_c", "Ngô Thị Cát", commune_c, "site_official"),
        ("chair_p", "Đặng Văn Tỉnh", province, "chair"),
        ("secretary_p", "Lý Thị Tỉnh", province, "secretary"),
        ("retired", "Cán bộ đã nghỉ", district, "chair"),
    ]
    people = {
        key: Person(username=key, full_name=name, unit_id=unit.id, roles=roles, active=key != "retired")
        for key, name, unit, roles in spec
    }
    session.add_all(people.values())
    session.commit()
    return World(province, district, commune_a, commune_b, other, commune_c, commune_x, sites, people)


def briefing(world: World, **changes: object) -> MeetingDraft:
    """The district's monthly briefing with two communes, Monday 09/03/2026 08:00–11:00."""
    draft = MeetingDraft(
        title="Giao ban tháng 3",
        kind=MeetingKind.BRIEFING,
        start_at=local(2026, 3, 9, 8),
        end_at=local(2026, 3, 9, 11),
        convening_unit_id=world.district.id or 0,
        chair_id=world.pid("chair_d"),
        secretary_id=world.pid("secretary_d"),
        contact_id=world.pid("official_d"),
        place="Phòng họp UBND huyện",
        site_ids=[world.site("district"), world.site("a"), world.site("b")],
        agenda=[
            AgendaItemDraft("Báo cáo tình hình tháng 2", "Văn phòng", 20),
            AgendaItemDraft("Ý kiến các xã", "", 60),
        ],
    )
    for name, value in changes.items():
        setattr(draft, name, value)
    return draft
