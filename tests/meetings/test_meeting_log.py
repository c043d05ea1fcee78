"""The meeting log: writing while the meeting runs, reading back in order, closing what is left open."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from meetings import scheduling
from meetings.errors import Conflict, NotFound, ValidationError
from meetings.log import read, write
from meetings.log.write import Who
from meetings.meeting import Meeting
from meetings.rooms import Seat
from tests.meetings.world import HANOI, NOW, World, briefing, build_world
from web.room.meeting_log import MeetingLog


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


@pytest.fixture
def meeting(session: Session, world: World) -> Meeting:
    draft = briefing(world)
    created = scheduling.create_meeting(session, world.person("secretary_d"), draft, tz=HANOI)
    assert created.id is not None
    return created


def _id(meeting: Meeting) -> int:
    assert meeting.id is not None
    return meeting.id


def test_presence_intervals_with_their_reasons(session: Session, world: World, meeting: Meeting) -> None:
    a = Who(f"site-{world.site('a')}", "Hội trường xã An Phú", site_id=world.site("a"))
    chair = Who(f"person-{world.pid('chair_d')}", "Nguyễn Văn Chủ", person_id=world.pid("chair_d"))
    m = _id(meeting)
    write.joined(session, m, chair, NOW)
    write.joined(session, m, a, NOW + timedelta(seconds=5))
    assert write.left(session, m, a.participant, "lost", NOW + timedelta(seconds=65)) == 1
    write.joined(session, m, a, NOW + timedelta(seconds=70))
    # A second join without a leave closes the first as lost.
    write.joined(session, m, a, NOW + timedelta(seconds=80))
    assert write.left(session, m, "site-999", "left", NOW) == 0
    write.close_open(session, m, NOW + timedelta(minutes=30))
    rows = [
        (p.participant, p.joined_at - NOW, p.left_at and p.left_at - NOW, p.left_reason)
        for p in read.presence(session, m)
    ]
    s = timedelta(seconds=1)
    assert rows == [
        (chair.participant, 0 * s, 1800 * s, "ended"),
        (a.participant, 5 * s, 65 * s, "lost"),
        (a.participant, 70 * s, 80 * s, "lost"),
        (a.participant, 80 * s, 1800 * s, "ended"),
    ]
    assert read.presence(session, m)[0].person_id == world.pid("chair_d")
    with pytest.raises(ValidationError):
        write.left(session, m, a.participant, "vanished", NOW)


def test_floor_and_agenda_turns(session: Session, world: World, meeting: Meeting) -> None:
    m = _id(meeting)
    first, second = (item.id for item in scheduling.agenda_of(session, m))
    a = Who(f"site-{world.site('a')}", "Hội trường xã An Phú", site_id=world.site("a"))
    b = Who(f"site-{world.site('b')}", "Hội trường xã Bình", site_id=world.site("b"))
    chair = world.pid("chair_d")
    s = timedelta(seconds=1)
    write.agenda_moved(session, m, first, NOW)
    write.floor_given(session, m, a, first, chair, NOW + 10 * s)
    write.floor_given(session, m, b, first, chair, NOW + 40 * s)  # ends a's turn
    write.agenda_moved(session, m, second, NOW + 60 * s)
    write.floor_taken(session, m, NOW + 70 * s)
    write.agenda_moved(session, m, None, NOW + 90 * s)
    floor = [
        (t.participant, t.started_at - NOW, t.ended_at and t.ended_at - NOW, t.agenda_item_id)
        for t in read.floor_turns(session, m)
    ]
    assert floor == [(a.participant, 10 * s, 40 * s, first), (b.participant, 40 * s, 70 * s, first)]
    assert read.floor_turns(session, m)[0].given_by_id == chair
    agenda = [
        (t.agenda_item_id, t.started_at - NOW, t.ended_at and t.ended_at - NOW) for t in read.agenda_turns(session, m)
    ]
    assert agenda == [(first, 0 * s, 60 * s), (second, 60 * s, 90 * s)]


def test_roll_call_keeps_the_latest_answer(session: Session, world: World, meeting: Meeting) -> None:
    m = _id(meeting)
    write.roll_call(
        session,
        m,
        world.site("a"),
        status="online",
        headcount=5,
        reason="",
        answered_by_id=None,
        corrected=False,
        at=NOW,
    )
    write.roll_call(
        session,
        m,
        world.site("b"),
        status="absent",
        headcount=None,
        reason="Mất điện",
        answered_by_id=None,
        corrected=False,
        at=NOW,
    )
    write.roll_call(
        session,
        m,
        world.site("a"),
        status="online",
        headcount=6,
        reason="",
        answered_by_id=world.pid("chair_d"),
        corrected=True,
        at=NOW,
    )
    rows = [(r.site_id, r.status, r.headcount, r.reason, r.corrected) for r in read.roll_calls(session, m)]
    assert sorted(rows) == sorted(
        [(world.site("a"), "online", 6, "", True), (world.site("b"), "absent", None, "Mất điện", False)]
    )
    with pytest.raises(ValidationError):
        write.roll_call(
            session,
            m,
            world.site("a"),
            status="asleep",
            headcount=None,
            reason="",
            answered_by_id=None,
            corrected=False,
            at=NOW,
        )


def test_a_vote_counts_each_voter_once(session: Session, world: World, meeting: Meeting) -> None:
    m = _id(meeting)
    vote = write.vote_opened(
        session,
        m,
        question="Thông qua kế hoạch?",
        options=["Đồng ý", "Không đồng ý", "Ý kiến khác"],
        per="site",
        agenda_item_id=None,
        opened_by_id=world.pid("chair_d"),
        at=NOW,
    )
    assert vote.id is not None
    a = Who(f"site-{world.site('a')}", "A", site_id=world.site("a"))
    b = Who(f"site-{world.site('b')}", "B", site_id=world.site("b"))
    d = Who(f"site-{world.site('district')}", "D", site_id=world.site("district"))
    write.vote_answered(session, m, vote.id, a, 0, NOW)
    write.vote_answered(session, m, vote.id, b, 1, NOW)
    write.vote_answered(session, m, vote.id, d, 0, NOW)
    with pytest.raises(Conflict):
        write.vote_answered(session, m, vote.id, a, 1, NOW)
    with pytest.raises(ValidationError):
        write.vote_answered(session, m, vote.id, Who("person-1", "P", person_id=world.pid("chair_d")), 3, NOW)
    write.vote_closed(session, m, vote.id, NOW + timedelta(minutes=2))
    with pytest.raises(ValidationError):
        write.vote_answered(session, m, vote.id, Who("person-1", "P", person_id=world.pid("chair_d")), 0, NOW)
    with pytest.raises(NotFound):
        write.vote_closed(session, m + 1000, vote.id, NOW)
    [(stored, answers, counts)] = read.votes(session, m)
    assert read.options(stored) == ["Đồng ý", "Không đồng ý", "Ý kiến khác"]
    assert counts == [2, 1, 0]
    assert [x.voter for x in answers] == [a.participant, b.participant, d.participant]
    assert stored.closed_at == NOW + timedelta(minutes=2)
    with pytest.raises(ValidationError):
        write.vote_opened(
            session, m, question="?", options=["Một"], per="site", agenda_item_id=None, opened_by_id=None, at=NOW
        )


def test_chat_and_events(session: Session, world: World, meeting: Meeting) -> None:
    m = _id(meeting)
    a = Who(f"site-{world.site('a')}", "A", site_id=world.site("a"))
    write.chat(session, m, a, "Xã An Phú đã sẵn sàng", NOW)
    write.event(session, m, "mute", NOW, actor_id=world.pid("chair_d"), participant=a.participant, value=True)
    assert [(c.participant, c.text) for c in read.chat(session, m)] == [(a.participant, "Xã An Phú đã sẵn sàng")]
    [event] = read.events(session, m)
    assert (event.kind, event.participant, event.detail_json) == ("mute", a.participant, '{"value": true}')
    assert read.recordings(session, m) == []


async def test_the_rooms_writer_keeps_the_order_and_loses_nothing(
    engine: Engine, world: World, meeting: Meeting
) -> None:
    """The room's log writer (one queue per meeting, written in worker threads): a burst of joins and leaves,
    with a vote in between, lands in the order it was made."""
    m = _id(meeting)

    @contextmanager
    def sessions() -> Iterator[Session]:
        with Session(engine, expire_on_commit=False) as s:
            yield s

    journal = MeetingLog(sessions, m)
    seat = Seat(f"site-{world.site('a')}", "Hội trường xã An Phú", site_id=world.site("a"))
    for _ in range(30):
        journal.joined(seat)
        journal.left(seat.participant, "lost")
    vote = await journal.call(
        write.vote_opened,
        question="?",
        options=["Có", "Không"],
        per="site",
        agenda_item_id=None,
        opened_by_id=None,
        at=NOW,
    )
    assert vote.id is not None
    journal.joined(seat)
    journal.add(write.vote_answered, vote.id, Who(seat.participant, seat.label, site_id=seat.site_id), 1, NOW)
    journal.add(
        write.vote_answered, vote.id, Who(seat.participant, seat.label, site_id=seat.site_id), 0, NOW
    )  # refused
    journal.close_open("ended")
    await journal.flush()
    with sessions() as session:
        rows = read.presence(session, m)
        assert [r.left_reason for r in rows] == ["lost"] * 30 + ["ended"]
        assert all(r.left_at is not None and r.left_at >= r.joined_at for r in rows)
        assert [row.joined_at for row in rows] == sorted(row.joined_at for row in rows)
        [(stored, _, counts)] = read.votes(session, m)
        assert counts == [0, 1] and stored.closed_at is not None
