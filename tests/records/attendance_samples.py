"""A district's briefing with three communes and what its log recorded, written out by hand.

The meeting runs 08:00–11:00 in Hà Nội time (01:00–04:00 UTC) on 5 March 2026:

- Hòa Tiến connects 08:00–08:30 (lost), again 08:25–09:00 (overlapping while the browser reconnected),
  and 09:10–11:00: present 08:00–09:00 and 09:10–11:00, 60 + 110 = 170 minutes; roll call on line, 6 people;
- Hòa Sơn never connects and declined the invitation ("Dự hội nghị tại tỉnh"): absent with that reason;
- Hòa Phong connects at 08:05 and is still connected; sent a deputy the chair accepted; the chair
  corrected its roll call to in person, 3 people. Counted up to 08:35 it was present 30 minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session

from meetings.log.tables import Presence, RollCall
from meetings.meeting import Meeting, MeetingKind, MeetingSite, MeetingState
from meetings.people import Person
from meetings.replies import InvitationReply
from meetings.units import Site, Unit, UnitLevel


def utc(hour: int, minute: int) -> datetime:
    return datetime(2026, 3, 5, hour, minute, tzinfo=UTC)


NOW = utc(1, 35)  # 08:35 in Hà Nội


@dataclass(frozen=True)
class Briefing:
    meeting_id: int
    district_id: int
    tien: Site
    son: Site
    phong: Site
    chair: Person


def briefing(session: Session, *, district_code: str = "000.00.12.H49") -> Briefing:
    district = Unit(name="Ủy ban nhân dân huyện Hòa Vang", code=district_code, level=UnitLevel.DISTRICT)
    session.add(district)
    session.flush()
    assert district.id is not None
    sites = []
    for index, name in enumerate(("Hòa Tiến", "Hòa Sơn", "Hòa Phong"), start=1):
        commune = Unit(
            name=f"Ủy ban nhân dân xã {name}",
            code=f"000.{index:02d}.{district_code[7:9]}.H49",
            level=UnitLevel.COMMUNE,
            parent_id=district.id,
        )
        session.add(commune)
        session.flush()
        site = Site(unit_id=commune.id or 0, name=f"Điểm cầu xã {name}")
        session.add(site)
        sites.append(site)
    chair = Person(username=f"chair{district_code}", full_name="Nguyễn Văn An", unit_id=district.id, roles="chair")
    session.add(chair)
    session.flush()
    meeting = Meeting(
        title="Giao ban công tác tháng 3",
        kind=MeetingKind.BRIEFING,
        start_at=utc(1, 0),
        end_at=utc(4, 0),
        convening_unit_id=district.id,
        chair_id=chair.id or 0,
        state=MeetingState.LIVE,
        published_at=datetime(2026, 2, 27, 2, 0, tzinfo=UTC),
    )
    session.add(meeting)
    session.flush()
    assert meeting.id is not None
    tien, son, phong = sites
    session.add_all(MeetingSite(meeting_id=meeting.id, site_id=s.id or 0) for s in sites)
    mid = meeting.id

    def presence(site: Site | None, joined: datetime, left: datetime | None, reason: str) -> Presence:
        label = site.name if site else "Nguyễn Văn An"
        participant = f"site-{site.id}" if site else f"person-{chair.id}"
        return Presence(
            meeting_id=mid,
            participant=participant,
            site_id=site.id if site else None,
            person_id=None if site else chair.id,
            label=label,
            joined_at=joined,
            left_at=left,
            left_reason=reason,
        )

    session.add_all(
        [
            presence(tien, utc(1, 0), utc(1, 30), "lost"),
            presence(tien, utc(1, 25), utc(2, 0), "replaced"),
            presence(tien, utc(2, 10), utc(4, 0), "ended"),
            presence(phong, utc(1, 5), None, ""),
            presence(None, utc(0, 55), None, ""),  # the chair as a person: not a site
        ]
    )
    session.add_all(
        [
            RollCall(meeting_id=mid, site_id=tien.id or 0, status="online", headcount=6, answered_at=utc(1, 10)),
            RollCall(
                meeting_id=mid,
                site_id=phong.id or 0,
                status="in_person",
                headcount=3,
                corrected=True,
                answered_at=utc(1, 12),
            ),
        ]
    )
    session.add_all(
        [
            InvitationReply(
                meeting_id=mid,
                respondent=f"site:{son.id}",
                respondent_name="Ủy ban nhân dân xã Hòa Sơn",
                answer="decline",
                reason="Dự hội nghị tại tỉnh",
            ),
            InvitationReply(
                meeting_id=mid,
                respondent=f"site:{phong.id}",
                respondent_name="Ủy ban nhân dân xã Hòa Phong",
                answer="deputy",
                deputy_name="Lê Thị Cúc",
                deputy_position="Phó Chủ tịch UBND xã",
                decision="accepted",
            ),
        ]
    )
    session.commit()
    return Briefing(mid, district.id, tien, son, phong, chair)
