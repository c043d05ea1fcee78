"""A district with three communes, all with official addresses, for the mail tests; and helpers to run the
outbox worker against a real SMTP server and wait for it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from meetings.meeting import Meeting, MeetingKind
from meetings.outbox import OutboxItem, OutboxStatus
from meetings.people import Person
from meetings.scheduling import AgendaItemDraft, MeetingDraft, create_meeting, publish_meeting
from meetings.units import Site, Unit, UnitLevel
from web.settings import Settings

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
DOMAIN = "ngockhe.sonha.gov.vn"


def meeting_day(days: int = 10) -> datetime:
    """08:00 local, ``days`` days from now (the real clock: reply links expire at the meeting's end)."""
    day = datetime.now(HANOI).date() + timedelta(days=days)
    return datetime.combine(day, clock_time(8, 0), HANOI)


@dataclass
class MailWorld:
    district: Unit
    communes: list[Unit]
    sites: list[Site]
    chair: Person
    secretary: Person
    contact: Person
    guest: Person
    """A person invited by name, who reads English."""

    def site_ids(self, *indexes: int) -> list[int]:
        return [self.sites[i].id or 0 for i in indexes]


def build_mail_world(session: Session, communes: int = 3) -> MailWorld:
    district = Unit(
        name="UBND huyện Ngọc Khê",
        code="000.00.12.H49",
        level=UnitLevel.DISTRICT,
        email=f"vanphong@{DOMAIN}",
    )
    session.add(district)
    session.flush()
    units = [
        Unit(
            name=f"UBND xã Số {n + 1}",
            code=f"000.{n + 1:02d}.12.H49",
            level=UnitLevel.COMMUNE,
            parent_id=district.id,
            email=f"ubnd.xa{n + 1}@{DOMAIN}",
        )
        for n in range(communes)
    ]
    session.add_all(units)
    session.flush()
    sites = [Site(unit_id=district.id or 0, name="Phòng họp trực tuyến huyện")]
    sites += [Site(unit_id=u.id or 0, name=f"Hội trường {u.name}") for u in units]
    session.add_all(sites)

    def person(username: str, name: str, roles: str, email: str, language: str = "vi", unit: Unit = district) -> Person:
        p = Person(
            username=username,
            full_name=name,
            unit_id=unit.id or 0,
            roles=roles,
            email=email,
            language=language,
            position="Chủ tịch UBND huyện" if roles == "chair" else "",
            telephone="0213 3880 123",
        )
        session.add(p)
        return p

    chair = person("chutich", "Nguyễn Văn Chủ", "chair", f"chutich@{DOMAIN}")
    secretary = person("thuky", "Lê Thị Thư", "secretary", f"thuky@{DOMAIN}")
    contact = person("lienhe", "Trần Thị Liên", "site_official", f"lienhe@{DOMAIN}")
    guest = person("khach", "Phạm Văn Khách", "site_official", f"khach@{DOMAIN}", language="en", unit=units[0])
    session.commit()
    return MailWorld(district, units, sites, chair, secretary, contact, guest)


def briefing(world: MailWorld, **changes: object) -> MeetingDraft:
    start = meeting_day()
    draft = MeetingDraft(
        title="Giao ban công tác tháng",
        kind=MeetingKind.BRIEFING,
        start_at=start,
        end_at=start + timedelta(hours=3),
        convening_unit_id=world.district.id or 0,
        chair_id=world.chair.id or 0,
        secretary_id=world.secretary.id,
        contact_id=world.contact.id,
        description="Đánh giá kết quả tháng trước, triển khai nhiệm vụ tháng này.",
        preparation="Báo cáo tóm tắt của từng xã.",
        place="Phòng họp UBND huyện",
        site_ids=[s.id or 0 for s in world.sites[1:]],
        invitee_ids=[world.guest.id or 0],
        agenda=[AgendaItemDraft("Báo cáo tình hình", "Văn phòng", 20), AgendaItemDraft("Ý kiến các xã", "", 60)],
    )
    for name, value in changes.items():
        setattr(draft, name, value)
    return draft


def publish(session: Session, world: MailWorld, **changes: object) -> Meeting:
    meeting = create_meeting(session, world.secretary, briefing(world, **changes), tz=HANOI)
    return publish_meeting(session, world.secretary, meeting.id or 0, now=datetime.now(UTC), tz=HANOI)


def items(engine: Engine, **where: object) -> list[OutboxItem]:
    with Session(engine) as session:
        query = select(OutboxItem).order_by(OutboxItem.id)  # type: ignore[arg-type]
        for name, value in where.items():
            query = query.where(getattr(OutboxItem, name) == value)
        return list(session.exec(query).all())


async def wait_until(check: Callable[[], bool], timeout: float = 15.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(check):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def settled(engine: Engine) -> Callable[[], bool]:
    """True once no item is pending any more."""
    return lambda: all(i.status != OutboxStatus.PENDING for i in items(engine))


def mail_settings(tmp_path: Path, database_url: str, smtp_url: str = "", **values: object) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        environment="test",
        secret_key="s" * 40,
        base_url="https://giaoban.ngockhe.sonha.gov.vn",
        smtp_url=smtp_url,
        mail_from=f"giaoban@{DOMAIN}",
        outbox_poll_seconds=0.2,
        **values,  # type: ignore[arg-type]
    )
