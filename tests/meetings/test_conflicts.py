"""Double booking: no site and no chair in two overlapping announced meetings; the error names the other."""

from __future__ import annotations

import pytest
from sqlmodel import Session, func, select

from meetings.errors import RuleViolation
from meetings.meeting import Meeting
from meetings.rules import conflict_warnings
from meetings.scheduling import cancel_meeting, create_meeting, publish_meeting, update_meeting
from tests.meetings.world import HANOI, NOW, World, briefing, build_world, local


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def _published(session: Session, world: World) -> Meeting:
    meeting = create_meeting(session, world.person("secretary_d"), briefing(world), tz=HANOI)
    assert meeting.id is not None
    return publish_meeting(session, world.person("secretary_d"), meeting.id, now=NOW, tz=HANOI)


def test_a_site_in_two_overlapping_meetings_is_refused_naming_the_other(session: Session, world: World) -> None:
    _published(session, world)
    # Another district chair, the same commune site, overlapping by an hour.
    clash = briefing(
        world,
        title="Họp chuyên đề chuyển đổi số",
        chair_id=world.pid("chair_d2"),
        start_at=local(2026, 3, 9, 10),
        end_at=local(2026, 3, 9, 12),
        site_ids=[world.site("a")],
    )
    with pytest.raises(RuleViolation) as refused:
        create_meeting(session, world.person("secretary_d"), clash, tz=HANOI)
    assert refused.value.field == "site_ids"
    assert refused.value.message == (
        "Điểm cầu «Hội trường xã An Phú» đã được mời vào cuộc họp «Giao ban tháng 3» "
        "(08:00–11:00 ngày 09/03/2026), trùng thời gian với cuộc họp này."
    )
    assert session.exec(select(func.count()).select_from(Meeting)).one() == 1


def test_several_shared_sites_are_all_named(session: Session, world: World) -> None:
    _published(session, world)
    clash = briefing(world, title="Họp khác", chair_id=world.pid("chair_d2"))
    with pytest.raises(RuleViolation) as refused:
        create_meeting(session, world.person("secretary_d"), clash, tz=HANOI)
    assert refused.value.message.startswith(
        "Các điểm cầu «Hội trường xã An Phú», «Phòng họp UBND huyện Ngọc Khê», «Phòng họp xã Bình Minh» "
        "đã được mời vào cuộc họp «Giao ban tháng 3»"
    )


def test_the_chair_in_two_overlapping_meetings_is_refused(session: Session, world: World) -> None:
    _published(session, world)
    clash = briefing(
        world,
        title="Tiếp công dân",
        start_at=local(2026, 3, 9, 7),
        end_at=local(2026, 3, 9, 8, 30),
        site_ids=[],
    )
    with pytest.raises(RuleViolation) as refused:
        create_meeting(session, world.person("chair_d"), clash, tz=HANOI)
    assert refused.value.field == "chair_id"
    assert refused.value.message == (
        "Nguyễn Văn Chủ đã chủ trì cuộc họp «Giao ban tháng 3» (08:00–11:00 ngày 09/03/2026), "
        "trùng thời gian với cuộc họp này."
    )


def test_back_to_back_meetings_do_not_clash(session: Session, world: World) -> None:
    _published(session, world)
    after = briefing(world, title="Họp tiếp theo", start_at=local(2026, 3, 9, 11), end_at=local(2026, 3, 9, 12))
    before = briefing(world, title="Họp trước", start_at=local(2026, 3, 9, 7), end_at=local(2026, 3, 9, 8))
    create_meeting(session, world.person("chair_d"), after, tz=HANOI)
    create_meeting(session, world.person("chair_d"), before, tz=HANOI)


def test_a_cancelled_meeting_frees_its_sites_and_chair(session: Session, world: World) -> None:
    first = _published(session, world)
    assert first.id is not None
    cancel_meeting(session, world.person("chair_d"), first.id, "Trùng lịch làm việc với tỉnh")
    create_meeting(session, world.person("chair_d"), briefing(world, title="Giao ban dời lịch"), tz=HANOI)


def test_drafts_only_warn_but_the_second_publish_is_refused(session: Session, world: World) -> None:
    secretary = world.person("secretary_d")
    first = create_meeting(session, secretary, briefing(world), tz=HANOI)
    other = briefing(world, title="Phương án B", chair_id=world.pid("chair_d2"), site_ids=[world.site("b")])
    second = create_meeting(session, secretary, other, tz=HANOI)  # drafts are alternatives: allowed
    assert first.id is not None and second.id is not None
    warnings = conflict_warnings(
        session,
        meeting_id=second.id,
        start_at=second.start_at,
        end_at=second.end_at,
        chair_id=second.chair_id,
        site_ids=[world.site("b")],
        tz=HANOI,
    )
    assert warnings == [
        "(Dự thảo) Điểm cầu «Phòng họp xã Bình Minh» đã được mời vào cuộc họp «Giao ban tháng 3» "
        "(08:00–11:00 ngày 09/03/2026), trùng thời gian với cuộc họp này."
    ]
    publish_meeting(session, secretary, first.id, now=NOW, tz=HANOI)
    with pytest.raises(RuleViolation, match="«Giao ban tháng 3»") as refused:
        publish_meeting(session, secretary, second.id, now=NOW, tz=HANOI)
    assert refused.value.field == "site_ids"
    assert session.get(Meeting, second.id).state == "draft"  # type: ignore[union-attr]


def test_moving_a_meeting_onto_another_is_refused_but_it_never_clashes_with_itself(
    session: Session, world: World
) -> None:
    first = _published(session, world)
    assert first.id is not None
    later = create_meeting(
        session,
        world.person("chair_d2"),
        briefing(
            world,
            title="Họp chiều",
            chair_id=world.pid("chair_d2"),
            start_at=local(2026, 3, 9, 14),
            end_at=local(2026, 3, 9, 16),
        ),
        tz=HANOI,
    )
    assert later.id is not None
    # The published meeting moved by half an hour still overlaps its old slot: no clash with itself.
    update_meeting(
        session,
        world.person("chair_d"),
        first.id,
        briefing(world, start_at=local(2026, 3, 9, 8, 30), end_at=local(2026, 3, 9, 11, 30)),
        tz=HANOI,
        now=NOW,
    )
    moved = briefing(
        world,
        title="Họp chiều",
        chair_id=world.pid("chair_d2"),
        start_at=local(2026, 3, 9, 10),
        end_at=local(2026, 3, 9, 12),
    )
    with pytest.raises(RuleViolation, match=r"«Giao ban tháng 3» \(08:30–11:30 ngày 09/03/2026\)"):
        update_meeting(session, world.person("chair_d2"), later.id, moved, tz=HANOI, now=NOW)


def test_meeting_running_past_midnight_is_named_with_both_dates(session: Session, world: World) -> None:
    night = briefing(world, title="Trực ứng phó bão", start_at=local(2026, 3, 9, 20), end_at=local(2026, 3, 10, 2))
    meeting = create_meeting(session, world.person("chair_d"), night, tz=HANOI)
    assert meeting.id is not None
    publish_meeting(session, world.person("chair_d"), meeting.id, now=NOW, tz=HANOI)
    clash = briefing(world, title="Họp sớm", start_at=local(2026, 3, 10, 1), end_at=local(2026, 3, 10, 3))
    with pytest.raises(RuleViolation, match=r"\(20:00 ngày 09/03/2026 – 02:00 ngày 10/03/2026\)"):
        create_meeting(session, world.person("chair_d"), clash, tz=HANOI)
