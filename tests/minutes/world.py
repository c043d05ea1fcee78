"""An ended meeting with its log, for the minutes tests: the district's urgent meeting with two communes,
written through the domain (create, publish, start, end) and the log's tables as the room writes them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select
from starlette.applications import Starlette

from meetings import scheduling
from meetings.log.tables import FloorTurn, Presence, RollCall, Vote, VoteAnswer
from meetings.meeting import AgendaItem, Meeting, MeetingKind
from meetings.scheduling import AgendaItemDraft, MeetingDraft
from tests.web.conftest import Directory

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class Ended:
    meeting_id: int
    items: list[int]
    start: datetime


def ended_meeting(app: Starlette, people: Directory, *, confidential: bool = False) -> Ended:
    """Urgent meeting of the district with communes A and B; A attended on line (5 people, spoke under item
    1, voted), B was absent with a reason; one vote under item 2."""
    start = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=30)
    draft = MeetingDraft(
        title="Họp khẩn phòng chống bão số 3",
        kind=MeetingKind.RESOLUTION,
        start_at=start,
        end_at=start + timedelta(hours=2),
        convening_unit_id=people.district.id or 0,
        chair_id=people.chair.id or 0,
        secretary_id=people.secretary.id,
        place="Phòng họp UBND huyện",
        urgent=True,
        urgent_reason="Bão đổ bộ trong 24 giờ",
        confidential=confidential,
        site_ids=[s.id or 0 for s in (people.district_site, people.site_a, people.site_b)],
        agenda=[AgendaItemDraft("Báo cáo tình hình bão", "Văn phòng", 20), AgendaItemDraft("Phương án sơ tán", "", 30)],
    )
    with app.state.ctx.session() as session:
        meeting = scheduling.create_meeting(session, people.secretary, draft, tz=HANOI)
        assert meeting.id is not None
        mid = meeting.id
        scheduling.publish_meeting(session, people.secretary, mid, now=datetime.now(UTC), tz=HANOI)
        scheduling.start_meeting(session, people.chair, mid, now=start)
        query = select(AgendaItem).where(AgendaItem.meeting_id == mid).order_by(col(AgendaItem.position))
        items = [a.id or 0 for a in session.exec(query)]
        _write_log(session, people, mid, items, start)
        scheduling.end_meeting(session, people.chair, mid, now=start + timedelta(hours=2))
    return Ended(mid, items, start)


def _write_log(session: Session, people: Directory, mid: int, items: list[int], start: datetime) -> None:
    a, district = people.site_a.id or 0, people.district_site.id or 0
    session.add_all(
        [
            Presence(meeting_id=mid, participant=f"site-{district}", site_id=district, label="Huyện",
                     joined_at=start, left_at=start + timedelta(hours=2), left_reason="ended"),
            Presence(meeting_id=mid, participant=f"site-{a}", site_id=a, label="Xã Bum Nưa",
                     joined_at=start + timedelta(minutes=5), left_at=start + timedelta(hours=2), left_reason="ended"),
            RollCall(meeting_id=mid, site_id=a, status="online", headcount=5, answered_at=start),
            RollCall(meeting_id=mid, site_id=people.site_b.id or 0, status="absent", reason="Đang ứng trực bão",
                     answered_at=start),
            FloorTurn(meeting_id=mid, participant=f"site-{a}", site_id=a, label="Chủ tịch UBND xã Bum Nưa",
                      agenda_item_id=items[0], started_at=start + timedelta(minutes=10),
                      ended_at=start + timedelta(minutes=15)),
        ]
    )  # fmt: skip
    vote = Vote(
        meeting_id=mid, agenda_item_id=items[1], question="Thông qua phương án sơ tán",
        options_json=json.dumps(["Đồng ý", "Không đồng ý"], ensure_ascii=False), per="site",
        opened_at=start + timedelta(minutes=40), closed_at=start + timedelta(minutes=45),
    )  # fmt: skip
    session.add(vote)
    session.flush()
    session.add_all(
        [
            VoteAnswer(vote_id=vote.id or 0, voter=f"site-{a}", site_id=a, label="Xã Bum Nưa", choice=0),
            VoteAnswer(vote_id=vote.id or 0, voter=f"site-{district}", site_id=district, label="Huyện", choice=0),
        ]
    )
    session.commit()


def meeting_of(app: Starlette, meeting_id: int) -> Meeting:
    with app.state.ctx.session() as session:
        meeting = session.get(Meeting, meeting_id)
        assert isinstance(meeting, Meeting)
        return meeting
