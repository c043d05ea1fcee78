"""Two people publishing meetings for the same site at the same moment: only one may win."""

from __future__ import annotations

import threading
import time

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from meetings.errors import RuleViolation
from meetings.meeting import Meeting, MeetingState
from meetings.rules import lock_for_booking
from meetings.scheduling import create_meeting, publish_meeting
from tests.meetings.world import HANOI, NOW, briefing, build_world


def test_concurrent_publishes_of_one_site_are_checked_one_after_the_other(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as setup:
        world = build_world(setup)
        first = create_meeting(setup, world.person("chair_d"), briefing(world, site_ids=[world.site("a")]), tz=HANOI)
        other = briefing(world, title="Họp trùng", chair_id=world.pid("chair_d2"), site_ids=[world.site("a")])
        second = create_meeting(setup, world.person("chair_d2"), other, tz=HANOI)
        chair_d, chair_d2 = world.person("chair_d"), world.person("chair_d2")
        site_a = world.site("a")
    assert first.id is not None and second.id is not None

    outcome: dict[str, object] = {}

    def publish_second() -> None:
        with Session(engine, expire_on_commit=False) as racer:
            try:
                publish_meeting(racer, chair_d2, second.id or 0, now=NOW, tz=HANOI)
                outcome["second"] = "published"
            except RuleViolation as refused:
                outcome["second"] = refused.message

    with Session(engine, expire_on_commit=False) as holder:
        # The first publisher has just taken the booking lock (as check_conflicts does), not yet committed.
        lock_for_booking(holder, chair_d.id or 0, [site_a])
        racer = threading.Thread(target=publish_second)
        racer.start()
        time.sleep(0.5)
        blocked = racer.is_alive()
        try:
            publish_meeting(holder, chair_d, first.id, now=NOW, tz=HANOI)
            outcome["first"] = "published"
        except RuleViolation as refused:
            outcome["first"] = refused.message
        racer.join(timeout=30)
        assert not racer.is_alive()

    with Session(engine) as check:
        states = dict(check.exec(select(Meeting.title, Meeting.state).order_by(col(Meeting.id))).all())
    published = [title for title, state in states.items() if state == MeetingState.PUBLISHED]
    assert len(published) == 1, (states, outcome)
    # The lock held the second publisher back until the first had committed; it then saw the first.
    assert blocked
    assert outcome["first"] == "published"
    assert str(outcome["second"]).startswith("Điểm cầu «Hội trường xã An Phú» đã được mời vào cuộc họp «Giao ban")
