"""The room's domain rules: seats, opening and closing, "open at the start time", device checks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from meetings import rooms, scheduling
from meetings.audit import AuditEntry
from meetings.errors import Forbidden, RuleViolation, ValidationError
from meetings.log import write
from meetings.log.tables import Vote
from meetings.meeting import Meeting, MeetingState
from meetings.units import Site
from tests.meetings.world import HANOI, NOW, World, briefing, build_world, local


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def published(session: Session, world: World, **changes: object) -> Meeting:
    meeting = scheduling.create_meeting(session, world.person("secretary_d"), briefing(world, **changes), tz=HANOI)
    assert meeting.id is not None
    return scheduling.publish_meeting(session, world.person("secretary_d"), meeting.id, now=NOW, tz=HANOI)


def test_an_official_of_an_invited_commune_sits_as_the_commune_site(session: Session, world: World) -> None:
    meeting = published(session, world)
    seat = rooms.seat_for_person(session, world.person("official_a"), meeting)
    assert seat == rooms.Seat(
        participant=f"site-{world.site('a')}",
        label="Hội trường xã An Phú",
        site_id=world.site("a"),
        person_id=world.pid("official_a"),
        chair=False,
        chair_rank=None,
        short="UBND xã An Phú",
    )
    # The operator of the same commune takes the same seat: a site is in the room once.
    assert rooms.seat_for_person(session, world.person("operator_a"), meeting).participant == seat.participant


def test_the_chair_sits_as_themselves_and_presides(session: Session, world: World) -> None:
    meeting = published(session, world)
    seat = rooms.seat_for_person(session, world.person("chair_d"), meeting)
    assert (seat.participant, seat.label, seat.chair, seat.chair_rank) == (
        f"person-{world.pid('chair_d')}",
        "Nguyễn Văn Chủ",
        True,
        0,
    )
    # The secretary manages the meeting; the district's site is invited, so they sit as that site.
    secretary = rooms.seat_for_person(session, world.person("secretary_d"), meeting)
    assert (secretary.participant, secretary.chair, secretary.chair_rank) == (f"site-{world.site('district')}", True, 1)


def test_people_who_are_not_invited_are_refused(session: Session, world: World) -> None:
    meeting = published(session, world)
    with pytest.raises(Forbidden, match="không được mời"):
        rooms.seat_for_person(session, world.person("official_c"), meeting)
    with pytest.raises(Forbidden, match="không có trong danh sách được mời"):
        rooms.seat_for_site(session, meeting, world.site("c"))
    with pytest.raises(Forbidden):
        rooms.seat_for_person(session, world.person("retired"), meeting)


def test_a_person_invited_by_name_sits_as_themselves(session: Session, world: World) -> None:
    # The district's own room is not invited this time: its official invited by name sits as themselves.
    sites = [world.site("a"), world.site("b")]
    meeting = published(session, world, site_ids=sites, invitee_ids=[world.pid("official_d")])
    seat = rooms.seat_for_person(session, world.person("official_d"), meeting)
    assert (seat.participant, seat.site_id, seat.chair) == (f"person-{world.pid('official_d')}", None, False)


def test_a_sites_caption_is_its_unit_unless_the_unit_has_two_sites_in_the_meeting(
    session: Session, world: World
) -> None:
    # Every site's name begins alike ("Phòng họp ..."): a video tile shows the unit, which tells them apart.
    second = Site(unit_id=world.commune_a.id, name="Nhà văn hoá thôn Đông, xã An Phú")
    session.add(second)
    session.flush()
    assert second.id is not None
    meeting = published(session, world)
    assert rooms.seat_for_site(session, meeting, world.site("a")).caption == "UBND xã An Phú"
    assert rooms.seat_for_site(session, meeting, world.site("b")).caption == "UBND xã Bình Minh"
    tuesday = {"start_at": local(2026, 3, 10, 8), "end_at": local(2026, 3, 10, 9)}
    both = published(session, world, site_ids=[world.site("a"), second.id], **tuesday)
    assert rooms.seat_for_site(session, both, world.site("a")).caption == "Hội trường xã An Phú"
    assert rooms.seat_for_site(session, both, second.id).caption == "Nhà văn hoá thôn Đông, xã An Phú"
    assert rooms.seat_for_person(session, world.person("official_a"), both).caption == "Hội trường xã An Phú"
    assert rooms.seat_for_person(session, world.person("official_a"), meeting).caption == "UBND xã An Phú"
    # A person sitting as themselves is captioned by name; a rehearsal room by its site.
    assert rooms.seat_for_person(session, world.person("chair_d"), meeting).caption == "Nguyễn Văn Chủ"
    assert rooms.rehearsal_seat_for_site(session.get_one(Site, world.site("b"))).caption == "Phòng họp xã Bình Minh"


def test_a_site_link_seat_marks_the_convening_units_site(session: Session, world: World) -> None:
    meeting = published(session, world)
    assert rooms.seat_for_site(session, meeting, world.site("district")).chair_rank == 2
    assert rooms.seat_for_site(session, meeting, world.site("a")).chair_rank is None


def test_only_published_or_live_meetings_can_be_entered(session: Session, world: World) -> None:
    draft = scheduling.create_meeting(session, world.person("secretary_d"), briefing(world), tz=HANOI)
    with pytest.raises(RuleViolation, match="chưa phát hành"):
        rooms.check_joinable(draft)
    meeting = published(session, world, start_at=NOW + timedelta(days=8), end_at=NOW + timedelta(days=8, hours=2))
    rooms.check_joinable(meeting)
    assert meeting.id is not None
    rooms.open_meeting(session, world.person("chair_d"), meeting.id, now=NOW)
    rooms.check_joinable(meeting)
    ended = rooms.close_meeting(session, world.person("chair_d"), meeting.id, now=NOW)
    with pytest.raises(RuleViolation, match="đã kết thúc"):
        rooms.check_joinable(ended)


def test_the_chair_opens_and_closes_a_site_official_cannot(session: Session, world: World) -> None:
    meeting = published(session, world)
    assert meeting.id is not None
    with pytest.raises(Forbidden, match="Chỉ chủ trì"):
        rooms.open_meeting(session, world.person("official_a"), meeting.id, now=NOW)
    assert rooms.open_meeting(session, world.person("chair_d"), meeting.id, now=NOW).state == MeetingState.LIVE
    # Opening an open meeting changes nothing.
    assert rooms.open_meeting(session, world.person("chair_d"), meeting.id, now=NOW).state == MeetingState.LIVE
    with pytest.raises(Forbidden):
        rooms.close_meeting(session, world.person("official_a"), meeting.id, now=NOW)
    assert rooms.close_meeting(session, world.person("chair_d"), meeting.id, now=NOW).state == MeetingState.ENDED
    actions = session.exec(select(AuditEntry.action).where(AuditEntry.object_id == meeting.id)).all()
    assert actions[-2:] == ["start", "end"]


def test_a_live_meeting_nobody_ended_ends_by_itself_two_hours_after_its_end_once_its_room_is_empty(
    session: Session, world: World
) -> None:
    meeting = published(session, world)  # 09/03/2026 08:00–11:00, Hà Nội
    tuesday = {"start_at": local(2026, 3, 10, 8), "end_at": local(2026, 3, 10, 9)}
    other = published(session, world, site_ids=[world.site("a")], **tuesday)
    assert meeting.id is not None and other.id is not None
    for m in (meeting, other):
        rooms.open_meeting(session, world.person("chair_d"), m.id or 0, now=NOW)
    vote = write.vote_opened(
        session, meeting.id, question="?", options=["Có", "Không"], per="site", agenda_item_id=None,
        opened_by_id=None, at=local(2026, 3, 9, 10),
    )  # fmt: skip
    assert rooms.end_abandoned(session, now=local(2026, 3, 9, 12, 59), occupied=set()) == []  # not 2 hours yet
    assert rooms.end_abandoned(session, now=local(2026, 3, 9, 13, 1), occupied={meeting.id}) == []  # someone in
    assert rooms.end_abandoned(session, now=local(2026, 3, 9, 13, 1), occupied=set()) == [meeting.id]
    session.refresh(meeting)
    session.refresh(other)
    assert (meeting.state, other.state) == (MeetingState.ENDED, MeetingState.LIVE)
    entry = session.exec(select(AuditEntry).where(AuditEntry.object_id == meeting.id)).all()[-1]
    assert (entry.action, entry.actor_id) == ("end", None)
    assert session.get(Vote, vote.id) is not None and session.get(Vote, vote.id).closed_at is not None  # type: ignore[union-attr]


def test_the_meeting_opens_by_itself_only_when_the_chair_allowed_it_and_it_is_time(
    session: Session, world: World
) -> None:
    meeting = published(session, world)
    assert meeting.id is not None
    start = meeting.start_at
    options = rooms.room_options(session, meeting.id)
    assert not rooms.due_to_open(meeting, options, start + timedelta(minutes=1))
    with pytest.raises(RuleViolation, match="tự mở"):
        rooms.open_meeting(session, None, meeting.id, now=start + timedelta(minutes=1))
    with pytest.raises(Forbidden):
        rooms.set_auto_open(session, world.person("official_a"), meeting.id, True)
    options = rooms.set_auto_open(session, world.person("chair_d"), meeting.id, True)
    assert not rooms.due_to_open(meeting, options, start - timedelta(seconds=1))
    assert rooms.due_to_open(meeting, options, start)
    opened = rooms.open_meeting(session, None, meeting.id, now=start)
    assert opened.state == MeetingState.LIVE
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "start")).one()
    assert entry.actor_id is None and '"auto": true' in entry.detail


def test_closing_a_meeting_that_is_not_open_is_refused(session: Session, world: World) -> None:
    meeting = published(session, world)
    assert meeting.id is not None
    with pytest.raises(RuleViolation, match="chưa mở"):
        rooms.close_meeting(session, world.person("chair_d"), meeting.id, now=NOW)


def test_test_rooms_admit_the_sites_own_people_and_it_officers(session: Session, world: World) -> None:
    site_a = rooms.load_site(session, world.site("a"))
    own = rooms.rehearsal_seat_for_person(session, world.person("official_a"), site_a)
    assert (own.participant, own.chair) == (f"site-{world.site('a')}", False)
    helper = rooms.rehearsal_seat_for_person(session, world.person("admin"), site_a)
    assert (helper.participant, helper.label, helper.chair) == (
        f"person-{world.pid('admin')}",
        "Quản trị viên (UBND huyện Ngọc Khê)",
        True,
    )
    with pytest.raises(Forbidden, match="phòng thử"):
        rooms.rehearsal_seat_for_person(session, world.person("official_b"), site_a)
    assert rooms.rehearsal_seat_for_site(site_a).participant == f"site-{world.site('a')}"


def test_device_checks_are_kept_newest_first_and_validated(session: Session, world: World) -> None:
    site = world.site("a")
    for camera in ("refused", "ok"):
        rooms.record_check(
            session,
            site_id=site,
            person_id=None,
            meeting_id=None,
            camera=camera,
            microphone="ok",
            speaker="heard",
            mic_peak=42,
            camera_label="  Logitech   C920 ",
            browser="Chrome 131",
        )
    checks = rooms.last_checks(session, site)
    assert [c.camera for c in checks] == ["ok", "refused"]
    assert checks[0].camera_label == "Logitech C920"
    assert rooms.last_checks(session, world.site("b")) == []
    with pytest.raises(ValidationError, match="không hợp lệ"):
        rooms.record_check(
            session,
            site_id=site,
            person_id=None,
            meeting_id=None,
            camera="great",
            microphone="ok",
            speaker="heard",
            mic_peak=1,
        )
    with pytest.raises(ValidationError, match="0 đến 100"):
        rooms.record_check(
            session,
            site_id=site,
            person_id=None,
            meeting_id=None,
            camera="ok",
            microphone="ok",
            speaker="heard",
            mic_peak=101,
        )
