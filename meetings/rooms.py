"""The on-line room of a meeting, as the domain sees it: who may enter and as which seat, opening and
closing the meeting, the chair's "open at the start time" choice, and the sites' device checks.

A **seat** is how one participant appears in the room. A site (điểm cầu) is in the room at most once: its
seat is the site itself, whether its meeting-room PC came in through the signed join link or an official of
its unit logged in. People invited by name who are not at an invited site, and the chair and secretary, sit
as themselves.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Column, Field, Session, SQLModel, col, select

from meetings import access, scheduling
from meetings.audit import record
from meetings.errors import N_, Forbidden, NotFound, RuleViolation, ValidationError
from meetings.lifecycle import check_transition
from meetings.log import write as log_write
from meetings.meeting import Meeting, MeetingInvitee, MeetingSite, MeetingState
from meetings.people import Person, Role
from meetings.types import UTCDateTime, utcnow
from meetings.units import Site, Unit


class RoomOptions(SQLModel, table=True):
    """The chair's choices about a meeting's room that outlive a server restart."""

    __tablename__ = "room_options"

    meeting_id: int = Field(foreign_key="meeting.id", primary_key=True)
    # The meeting opens by itself at its start time (else only when the chair opens it).
    auto_open: bool = False
    updated_by_id: int | None = Field(default=None, foreign_key="person.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


# What the device check found, per device.
DEVICE_RESULTS = frozenset({"ok", "refused", "missing", "busy", "insecure", "error", "untested"})
SPEAKER_RESULTS = frozenset({"heard", "not_heard", "untested"})


class DeviceCheck(SQLModel, table=True):
    """One device check made before joining or in a site's test room; the site's IT officer reads them."""

    __tablename__ = "device_check"

    id: int | None = Field(default=None, primary_key=True)
    site_id: int | None = Field(default=None, foreign_key="site.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True))
    camera: str = Field(max_length=20)
    microphone: str = Field(max_length=20)
    speaker: str = Field(max_length=20)
    mic_peak: int = 0  # the loudest level the meter showed, 0-100
    camera_label: str = Field(default="", max_length=200)
    microphone_label: str = Field(default="", max_length=200)
    browser: str = Field(default="", max_length=300)


@dataclass(frozen=True)
class Seat:
    """One participant's place in a room. ``participant`` is its id in the media server."""

    participant: str
    label: str
    site_id: int | None = None
    # What a video tile's caption shows: the unit ("UBND xã Tân Lập") rather than its meeting room's name
    # ("Phòng họp trực tuyến UBND xã Tân Lập"), which every site's name begins alike; empty: the label.
    person_id: int | None = None
    # May open and close the meeting and allow screen sharing.
    chair: bool = False
    # Who is shown as the chair: 0 the presiding person, 1 another manager, 2 a site of the convening unit.
    chair_rank: int | None = None
    # Not a participant anyone sees (the recorder): left out of the roster, the console and the log.
    hidden: bool = False
    short: str = ""

    @property
    def caption(self) -> str:
        return self.short or self.label


def site_participant(site_id: int) -> str:
    return f"site-{site_id}"


def person_participant(person_id: int) -> str:
    return f"person-{person_id}"


RECORDER_PARTICIPANT = "recorder"


def recorder_seat(meeting: Meeting) -> Seat:
    """The meeting's recorder: a hidden seat that only receives (the main view and the audio heard)."""
    return Seat(participant=RECORDER_PARTICIPANT, label="Ghi hình cuộc họp", hidden=True)


def can_chair(person: Person, meeting: Meeting) -> bool:
    """Open and close the room, allow screen sharing: the presiding chair, or whoever manages the meeting."""
    return person.active and (person.id == meeting.chair_id or access.can_manage_meeting(person, meeting))


def check_joinable(meeting: Meeting) -> None:
    """Raise a RuleViolation unless the meeting's room can be entered (published or live)."""
    messages = {
        MeetingState.DRAFT: N_("Cuộc họp chưa phát hành giấy mời, chưa thể vào phòng họp."),
        MeetingState.CANCELLED: N_("Cuộc họp đã bị huỷ."),
    }
    if meeting.state in (MeetingState.PUBLISHED, MeetingState.LIVE):
        return
    raise RuleViolation(messages.get(meeting.state, N_("Cuộc họp đã kết thúc, phòng họp đã đóng.")))


def load_meeting(session: Session, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(N_("Không tìm thấy cuộc họp (mã %(id)s)."), id=meeting_id)
    return meeting


def invited_sites(session: Session, meeting_id: int) -> list[Site]:
    rows = session.exec(
        select(Site)
        .join(MeetingSite, col(MeetingSite.site_id) == col(Site.id))
        .where(MeetingSite.meeting_id == meeting_id)
        .order_by(col(Site.id))
    )
    return list(rows.all())


def _site_seat(site: Site, meeting: Meeting | None, session: Session | None = None) -> Seat:
    assert site.id is not None
    rank = 2 if meeting is not None and site.unit_id == meeting.convening_unit_id else None
    short = site_caption(session, site, meeting) if session is not None and meeting is not None else ""
    return Seat(participant=site_participant(site.id), label=site.name, site_id=site.id, chair_rank=rank, short=short)


def site_caption(session: Session, site: Site, meeting: Meeting) -> str:
    """The unit's name when the meeting invites no other site of that unit; else the site's own name."""
    assert meeting.id is not None
    same_unit = [s for s in invited_sites(session, meeting.id) if s.unit_id == site.unit_id]
    unit = session.get(Unit, site.unit_id)
    if unit is None or len(same_unit) > 1:
        return site.name
    return unit.name


def seat_for_site(session: Session, meeting: Meeting, site_id: int) -> Seat:
    """The seat of an invited site coming in through its join link; Forbidden when it is not invited."""
    assert meeting.id is not None
    site = session.get(Site, site_id)
    invited = session.exec(
        select(MeetingSite).where(MeetingSite.meeting_id == meeting.id, MeetingSite.site_id == site_id)
    ).first()
    if site is None or invited is None or not site.active:
        raise Forbidden(N_("Điểm cầu này không có trong danh sách được mời dự cuộc họp."))
    return _site_seat(site, meeting, session)


def seat_for_person(session: Session, person: Person, meeting: Meeting) -> Seat:
    """Where a logged-in person sits: their unit's invited site, else as themselves when the meeting names
    them (chair, secretary, invitee) or they manage it; Forbidden otherwise."""
    assert meeting.id is not None and person.id is not None
    if not person.active:
        raise Forbidden(N_("Tài khoản đã bị khoá."))
    chair = can_chair(person, meeting)
    if person.role_set():
        own_sites = [s for s in invited_sites(session, meeting.id) if s.unit_id == person.unit_id and s.active]
        if own_sites and person.id != meeting.chair_id:
            seat = _site_seat(own_sites[0], meeting, session)
            return Seat(
                participant=seat.participant,
                label=seat.label,
                site_id=seat.site_id,
                person_id=person.id,
                chair=chair,
                chair_rank=1 if chair else seat.chair_rank,
                short=seat.short,
            )
    invited = session.exec(
        select(MeetingInvitee).where(MeetingInvitee.meeting_id == meeting.id, MeetingInvitee.person_id == person.id)
    ).first()
    named = person.id in (meeting.chair_id, meeting.secretary_id) or invited is not None
    if not (named or chair):
        raise Forbidden(N_("Anh/chị không được mời vào cuộc họp này: đơn vị của anh/chị không có điểm cầu được mời."))
    rank = 0 if person.id == meeting.chair_id else (1 if chair else None)
    return Seat(
        participant=person_participant(person.id),
        label=person.full_name,
        person_id=person.id,
        chair=chair,
        chair_rank=rank,
    )


# ---------- rehearsal (test) rooms ----------


def can_enter_rehearsal(person: Person, site: Site) -> bool:
    """A site's test room: its own unit's officials, IT officers of any unit (they help the sites), and
    administrators."""
    if not person.active:
        return False
    if person.has_role(Role.ADMINISTRATOR) or person.has_role(Role.SITE_OPERATOR):
        return True
    return person.unit_id == site.unit_id and bool(person.role_set())


def load_site(session: Session, site_id: int) -> Site:
    site = session.get(Site, site_id)
    if site is None or not site.active:
        raise NotFound(N_("Không tìm thấy điểm cầu (mã %(id)s)."), id=site_id)
    return site


def rehearsal_seat_for_person(session: Session, person: Person, site: Site) -> Seat:
    assert person.id is not None and site.id is not None
    if not can_enter_rehearsal(person, site):
        raise Forbidden(N_("Anh/chị không được vào phòng thử của điểm cầu này."))
    if person.unit_id == site.unit_id:
        return Seat(participant=site_participant(site.id), label=site.name, site_id=site.id, person_id=person.id)
    unit = session.get(Unit, person.unit_id)
    label = f"{person.full_name} ({unit.name})" if unit is not None else person.full_name
    # The helper is the one who runs the test: they may share their screen to show how it is done.
    return Seat(participant=person_participant(person.id), label=label, person_id=person.id, chair=True)


def rehearsal_seat_for_site(site: Site) -> Seat:
    return _site_seat(site, None)


# ---------- opening and closing ----------


def room_options(session: Session, meeting_id: int) -> RoomOptions:
    return session.get(RoomOptions, meeting_id) or RoomOptions(meeting_id=meeting_id)


def set_auto_open(session: Session, actor: Person, meeting_id: int, value: bool) -> RoomOptions:
    """The chair's choice to let the meeting open by itself at its start time."""
    meeting = load_meeting(session, meeting_id)
    if not can_chair(actor, meeting):
        raise Forbidden(N_("Chỉ chủ trì được quyết định việc tự mở cuộc họp."))
    options = room_options(session, meeting_id)
    options.auto_open = value
    options.updated_by_id = actor.id
    options.updated_at = utcnow()
    session.add(options)
    record(session, actor.id, "room_auto_open", "meeting", meeting_id, value=value)
    session.commit()
    return options


def due_to_open(meeting: Meeting, options: RoomOptions, now: datetime) -> bool:
    """Whether a published meeting whose chair allowed it should open by itself now."""
    return meeting.state == MeetingState.PUBLISHED and options.auto_open and now >= meeting.start_at


def _transition(
    session: Session, actor: Person | None, meeting: Meeting, target: MeetingState, **detail: object
) -> None:
    check_transition(meeting, target)
    meeting.state = target
    meeting.updated_at = utcnow()
    session.add(meeting)
    record(
        session,
        actor.id if actor else None,
        "start" if target == MeetingState.LIVE else "end",
        "meeting",
        meeting.id,
        **detail,
    )
    session.commit()


def open_meeting(session: Session, actor: Person | None, meeting_id: int, *, now: datetime) -> Meeting:
    """Open the room: the meeting goes live. ``actor`` None means "by itself at the start time", which the
    chair must have allowed."""
    meeting = load_meeting(session, meeting_id)
    if meeting.state == MeetingState.LIVE:
        return meeting
    if actor is None:
        if not due_to_open(meeting, room_options(session, meeting_id), now):
            raise RuleViolation(N_("Cuộc họp chỉ tự mở khi đến giờ và chủ trì đã cho phép."))
        _transition(session, None, meeting, MeetingState.LIVE, at=now, auto=True)
        return meeting
    if not can_chair(actor, meeting):
        raise Forbidden(N_("Chỉ chủ trì được mở cuộc họp."))
    if access.can_manage_meeting(actor, meeting):
        return scheduling.start_meeting(session, actor, meeting_id, now=now)
    _transition(session, actor, meeting, MeetingState.LIVE, at=now)
    return meeting


def close_meeting(session: Session, actor: Person, meeting_id: int, *, now: datetime) -> Meeting:
    """The chair ends the meeting, from its room or from the meeting page (the room may be empty by then).

    What the meeting log still has open — connections, the agenda item's turn, an open vote — ends now; a room
    still running ends its own a moment later (only what is still open is closed: both orders agree)."""
    meeting = load_meeting(session, meeting_id)
    if not can_chair(actor, meeting):
        raise Forbidden(N_("Chỉ chủ trì được kết thúc cuộc họp."))
    if meeting.state != MeetingState.LIVE:
        raise RuleViolation(N_("Cuộc họp chưa mở nên không thể kết thúc."))
    if access.can_manage_meeting(actor, meeting):
        meeting = scheduling.end_meeting(session, actor, meeting_id, now=now)
    else:
        _transition(session, actor, meeting, MeetingState.ENDED, at=now)
    log_write.close_open(session, meeting_id, now)
    return meeting


# A live meeting nobody ended (everyone left, the chair's PC crashed) is ended this long after its scheduled end,
# once its room is empty: until then its minutes cannot be written.
ABANDONED_AFTER = timedelta(hours=2)


def end_abandoned(
    session: Session, *, now: datetime, occupied: Collection[int], after: timedelta = ABANDONED_AFTER
) -> list[int]:
    """End the live meetings whose scheduled end is more than ``after`` past and whose room is empty (ids not
    in ``occupied``): by the system (an audit entry without a person, ``auto``), the log closed. Their ids."""
    late = session.exec(
        select(Meeting).where(Meeting.state == MeetingState.LIVE, col(Meeting.end_at) < now - after)
    ).all()
    ended = []
    for meeting in late:
        if meeting.id is None or meeting.id in occupied:
            continue
        _transition(session, None, meeting, MeetingState.ENDED, at=now, auto=True)
        log_write.close_open(session, meeting.id, now)
        ended.append(meeting.id)
    return ended


# ---------- device checks ----------


def _clip(value: str, limit: int) -> str:
    return " ".join(value.split())[:limit]


def record_check(
    session: Session,
    *,
    site_id: int | None,
    person_id: int | None,
    meeting_id: int | None,
    camera: str,
    microphone: str,
    speaker: str,
    mic_peak: int,
    camera_label: str = "",
    microphone_label: str = "",
    browser: str = "",
) -> DeviceCheck:
    """Keep one device check. Results outside the known words are refused (ValidationError)."""
    for name, value, allowed in (
        ("camera", camera, DEVICE_RESULTS),
        ("microphone", microphone, DEVICE_RESULTS),
        ("speaker", speaker, SPEAKER_RESULTS),
    ):
        if value not in allowed:
            raise ValidationError(N_("Kết quả kiểm tra «%(value)s» không hợp lệ."), field=name, value=value[:40])
    if isinstance(mic_peak, bool) or not isinstance(mic_peak, int) or not 0 <= mic_peak <= 100:
        raise ValidationError(N_("Mức micrô phải từ 0 đến 100."), field="mic_peak")
    check = DeviceCheck(
        site_id=site_id,
        person_id=person_id,
        meeting_id=meeting_id,
        camera=camera,
        microphone=microphone,
        speaker=speaker,
        mic_peak=mic_peak,
        camera_label=_clip(camera_label, 200),
        microphone_label=_clip(microphone_label, 200),
        browser=_clip(browser, 300),
    )
    session.add(check)
    session.commit()
    return check


def last_checks(session: Session, site_id: int, limit: int = 10) -> list[DeviceCheck]:
    """The site's most recent device checks, newest first."""
    rows = session.exec(
        select(DeviceCheck)
        .where(DeviceCheck.site_id == site_id)
        .order_by(col(DeviceCheck.at).desc(), col(DeviceCheck.id).desc())
        .limit(limit)
    )
    return list(rows.all())
