"""Attendance of a meeting, per invited site (điểm danh): when each site joined and left, how long it
was present, what it answered at the roll call (present on line, in person, or absent with a reason,
and how many people), and the deputy the chair accepted in place of an absent head (Decision 45/2018).

It is read from the meeting log (``meetings.log``: one presence row per media connection, the roll-call
answer per site) and the answers to the invitation (``meetings.replies``). :func:`build_attendance` is
the pure part, fed rows; :func:`site_attendance` reads them for a meeting. The minutes editor pre-fills
the attendance of the minutes from :func:`site_attendance` (see :func:`minutes_rows`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from sqlmodel import Session, col, select

from meetings.errors import N_, NotFound
from meetings.log.tables import Presence, RollCall
from meetings.meeting import Meeting, MeetingSite
from meetings.people import Person
from meetings.records.forms import AttendanceRow
from meetings.replies import DeputyDecision, InvitationReply, ReplyAnswer
from meetings.types import utcnow
from meetings.units import Site, Unit


class AttendanceStatus(StrEnum):
    ONLINE = "online"
    IN_PERSON = "in_person"
    ABSENT = "absent"


STATUS_LABELS = {
    AttendanceStatus.ONLINE: "Trực tuyến",
    AttendanceStatus.IN_PERSON: "Trực tiếp",
    AttendanceStatus.ABSENT: "Vắng",
}
"""As the minutes write them (meetings.records.forms.AttendanceRow.presence)."""


class PresenceRow(Protocol):
    """What attendance reads of a ``meeting_presence`` row (meetings.log.tables.Presence)."""

    @property
    def site_id(self) -> int | None: ...
    @property
    def label(self) -> str: ...
    @property
    def joined_at(self) -> datetime: ...
    @property
    def left_at(self) -> datetime | None: ...
    @property
    def left_reason(self) -> str: ...


class RollCallRow(Protocol):
    """What attendance reads of a ``roll_call`` row (meetings.log.tables.RollCall)."""

    @property
    def site_id(self) -> int: ...
    @property
    def status(self) -> str: ...
    @property
    def headcount(self) -> int | None: ...
    @property
    def reason(self) -> str: ...
    @property
    def corrected(self) -> bool: ...


@dataclass(frozen=True)
class Interval:
    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True)
class Connection:
    """One join and its leave, as the log has it (``left_at`` None: still connected)."""

    joined_at: datetime
    left_at: datetime | None
    left_reason: str = ""
    label: str = ""


@dataclass(frozen=True)
class InvitedSite:
    site_id: int
    site_name: str
    unit_id: int
    unit_name: str


@dataclass(frozen=True)
class SiteAttendance:
    """One invited site's attendance."""

    site_id: int
    site_name: str
    unit_id: int
    unit_name: str
    status: AttendanceStatus
    connections: list[Connection] = field(default_factory=list)
    """Every join and leave, in order."""
    intervals: list[Interval] = field(default_factory=list)
    """When the site was present: the connections with overlaps merged (a site may be connected twice at
    once while its browser reconnects, or from two devices)."""
    headcount: int | None = None
    roll_call: str | None = None
    """The roll-call answer (``online``, ``in_person``, ``absent``), None when the site gave none."""
    roll_call_corrected: bool = False
    reason: str = ""
    """Why the site was absent: the roll-call reason, else the reason given when declining."""
    deputy: str = ""
    """The deputy the chair accepted ("Name, position"), empty when none."""

    @property
    def present_seconds(self) -> int:
        return round(sum(i.seconds for i in self.intervals))

    @property
    def present_minutes(self) -> int:
        return (self.present_seconds + 30) // 60

    @property
    def present(self) -> bool:
        return self.status is not AttendanceStatus.ABSENT

    @property
    def first_joined_at(self) -> datetime | None:
        return self.intervals[0].start if self.intervals else None

    @property
    def last_left_at(self) -> datetime | None:
        return self.intervals[-1].end if self.intervals else None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def merge_intervals(connections: Iterable[Connection], until: datetime) -> list[Interval]:
    """The connections as disjoint intervals, in order: overlapping or touching ones merged, a
    connection still open counted up to ``until``, empty ones dropped."""
    spans = sorted((c.joined_at, c.left_at if c.left_at is not None else until) for c in connections)
    merged: list[Interval] = []
    for start, end in spans:
        if end <= start:
            continue
        if merged and start <= merged[-1].end:
            if end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, end)
            continue
        merged.append(Interval(start, end))
    return merged


def _deputy_text(reply: InvitationReply) -> str:
    return ", ".join(part for part in (reply.deputy_name, reply.deputy_position) if part)


def build_attendance(
    sites: Sequence[InvitedSite],
    presence: Iterable[PresenceRow],
    roll_calls: Iterable[RollCallRow],
    replies: Iterable[InvitationReply],
    *,
    until: datetime,
) -> list[SiteAttendance]:
    """The attendance of ``sites`` (in their order) from the log's rows and the invitation replies.

    The status is the roll-call answer when the site gave one (the chair's correction included); without
    one, a site that connected was present on line and one that never did was absent. The reason for an
    absence is the roll call's, else the one given when declining the invitation.
    """
    by_site: dict[int, list[Connection]] = {}
    for row in presence:
        if row.site_id is not None:
            by_site.setdefault(row.site_id, []).append(
                Connection(row.joined_at, row.left_at, row.left_reason, row.label)
            )
    answers = {row.site_id: row for row in roll_calls}
    reply_of = {r.respondent: r for r in replies}
    result = []
    for site in sites:
        connections = sorted(by_site.get(site.site_id, []), key=lambda c: c.joined_at)
        intervals = merge_intervals(connections, until)
        answer = answers.get(site.site_id)
        reply = reply_of.get(f"site:{site.site_id}")
        if answer is not None:
            try:
                status = AttendanceStatus(answer.status)
            except ValueError:
                status = AttendanceStatus.ONLINE if intervals else AttendanceStatus.ABSENT
        else:
            status = AttendanceStatus.ONLINE if intervals else AttendanceStatus.ABSENT
        reason = answer.reason.strip() if answer is not None else ""
        if not reason and status is AttendanceStatus.ABSENT and reply is not None:
            if reply.answer == ReplyAnswer.DECLINE.value:
                reason = reply.reason
        deputy = ""
        if (
            reply is not None
            and reply.answer == ReplyAnswer.DEPUTY.value
            and reply.decision == DeputyDecision.ACCEPTED.value
        ):
            deputy = _deputy_text(reply)
        result.append(
            SiteAttendance(
                site_id=site.site_id,
                site_name=site.site_name,
                unit_id=site.unit_id,
                unit_name=site.unit_name,
                status=status,
                connections=connections,
                intervals=intervals,
                headcount=answer.headcount if answer is not None else None,
                roll_call=answer.status if answer is not None else None,
                roll_call_corrected=bool(answer.corrected) if answer is not None else False,
                reason=reason,
                deputy=deputy,
            )
        )
    return result


def invited_sites(session: Session, meeting_id: int) -> list[InvitedSite]:
    """The meeting's invited sites with their units, in the order they were invited."""
    rows = session.exec(
        select(Site, Unit)
        .join(MeetingSite, col(MeetingSite.site_id) == col(Site.id))
        .join(Unit, col(Unit.id) == col(Site.unit_id))
        .where(MeetingSite.meeting_id == meeting_id)
        .order_by(col(MeetingSite.id))
    ).all()
    return [InvitedSite(s.id, s.name, u.id, u.name) for s, u in rows if s.id is not None and u.id is not None]


@dataclass(frozen=True)
class _AtHostSite:
    """A presence of a person of the convening unit (the chair, the secretary…), who sits as themselves,
    counted for the convening unit's own invited site: they are in its meeting room."""

    site_id: int
    label: str
    joined_at: datetime
    left_at: datetime | None
    left_reason: str


def _with_host_site(
    session: Session, meeting: Meeting, sites: Sequence[InvitedSite], presence: Sequence[Presence]
) -> list[PresenceRow]:
    host = next((s.site_id for s in sites if s.unit_id == meeting.convening_unit_id), None)
    people = {row.person_id for row in presence if row.site_id is None and row.person_id is not None}
    of_host: set[int | None] = set()
    if host is not None and people:
        found = session.exec(select(Person).where(col(Person.id).in_(people))).all()
        of_host = {p.id for p in found if p.unit_id == meeting.convening_unit_id}
    rows: list[PresenceRow] = []
    for row in presence:
        if host is not None and row.site_id is None and row.person_id in of_host:
            rows.append(_AtHostSite(host, row.label, row.joined_at, row.left_at, row.left_reason))
        else:
            rows.append(row)
    return rows


def site_attendance(session: Session, meeting_id: int, *, now: datetime | None = None) -> list[SiteAttendance]:
    """The attendance of every site invited to the meeting, in the order they were invited. No access
    check: callers check the meeting is theirs to see (``scheduling.get_meeting``).

    The people of the convening unit who join as themselves (the chair, the secretary) count for its own
    invited site: it is their meeting room."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(N_("Không tìm thấy cuộc họp (mã %(id)s)."), id=meeting_id)
    replies = session.exec(select(InvitationReply).where(InvitationReply.meeting_id == meeting_id)).all()
    presence = session.exec(
        select(Presence).where(Presence.meeting_id == meeting_id).order_by(col(Presence.joined_at), col(Presence.id))
    ).all()
    roll_calls = session.exec(select(RollCall).where(RollCall.meeting_id == meeting_id)).all()
    sites = invited_sites(session, meeting_id)
    return build_attendance(
        sites,
        _with_host_site(session, meeting, sites, presence),
        roll_calls,
        replies,
        until=now or utcnow(),  # a connection still open counts up to now; the log closes them at the end
    )


def minutes_rows(attendance: Sequence[SiteAttendance]) -> list[AttendanceRow]:
    """The attendance table of the minutes: presence, headcount, and a note (the reason for an absence,
    the deputy sent)."""
    rows = []
    for a in attendance:
        notes = []
        if a.status is AttendanceStatus.ABSENT:
            notes.append(f"Lý do: {a.reason}" if a.reason else "Không báo lý do")
        if a.deputy:
            notes.append(f"Dự thay: {a.deputy}")
        rows.append(AttendanceRow(a.unit_name, a.status_label, a.headcount, "", "; ".join(notes)))
    return rows


def summary(attendance: Sequence[SiteAttendance]) -> str:
    """``2/3 điểm cầu có mặt, 14 người.``"""
    present = [a for a in attendance if a.present]
    people = sum(a.headcount or 0 for a in present)
    text = f"{len(present)}/{len(attendance)} điểm cầu có mặt"
    return f"{text}, {people} người." if people else f"{text}."


def span(attendance: Sequence[SiteAttendance]) -> Interval | None:
    """From the first join to the last leave of any site (the chart's time axis)."""
    starts = [a.intervals[0].start for a in attendance if a.intervals]
    ends = [a.intervals[-1].end for a in attendance if a.intervals]
    if not starts:
        return None
    return Interval(min(starts), max(max(ends), min(starts) + timedelta(minutes=1)))
