"""What giaoban already knows for the minutes, from the meeting and its log (meetings.log): time, place,
sites, chair and secretary, attendance per site (roll call, else presence), who held the floor under each
agenda item, and the votes with their counts.

The facts are shown beside the editor while the minutes are drafted and frozen (as JSON) when they are
approved, so the approved PDF can be made again identically.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from meetings.log.tables import FloorTurn, MeetingEvent, Vote, VoteAnswer
from meetings.meeting import Meeting
from meetings.records.attendance import minutes_rows, site_attendance, summary
from meetings.viewing import meeting_detail

OTHER_ITEM = 0
"""Speakers and votes under no agenda item go under this key."""


@dataclass(frozen=True)
class SiteAttendance:
    site: str
    unit: str
    presence: str
    """``Trực tuyến``, ``Trực tiếp`` or ``Vắng``."""
    headcount: int | None = None
    note: str = ""
    minutes_present: int = 0


@dataclass(frozen=True)
class ItemFacts:
    agenda_item_id: int
    title: str
    presenter: str = ""
    speakers: list[str] = field(default_factory=list)
    votes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class MinutesFacts:
    title: str
    start_at: datetime
    end_at: datetime
    place: str
    online_sites: list[str]
    chair: str
    chair_position: str
    secretary: str
    attendance: list[SiteAttendance]
    attendance_summary: str
    items: list[ItemFacts]
    other_speakers: list[str] = field(default_factory=list)
    other_votes: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        data = asdict(self)
        data["start_at"], data["end_at"] = self.start_at.isoformat(), self.end_at.isoformat()
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> MinutesFacts:
        data: dict[str, Any] = json.loads(text)
        data["start_at"] = datetime.fromisoformat(data["start_at"])
        data["end_at"] = datetime.fromisoformat(data["end_at"])
        data["attendance"] = [SiteAttendance(**a) for a in data["attendance"]]
        data["items"] = [ItemFacts(**i) for i in data["items"]]
        return cls(**data)


def _ordered_unique(values: list[str]) -> list[str]:
    seen: set[str] = set()
    return [v for v in values if not (v in seen or seen.add(v))]  # type: ignore[func-returns-value]


def vote_line(vote: Vote, answers: list[VoteAnswer]) -> str:
    """``Thông qua kế hoạch?: Đồng ý 5, Không đồng ý 1 (6/6 phiếu theo điểm cầu)``."""
    options = json.loads(vote.options_json or "[]")
    counts = [0] * len(options)
    for answer in answers:
        if 0 <= answer.choice < len(counts):
            counts[answer.choice] += 1
    per = "điểm cầu" if vote.per == "site" else "người"
    tally = ", ".join(f"{label} {n}" for label, n in zip(options, counts, strict=True))
    return f"{vote.question}: {tally} ({sum(counts)} phiếu, biểu quyết theo {per})"


def gather_facts(session: Session, meeting: Meeting) -> MinutesFacts:
    """The facts of ``meeting`` as the log has them now."""
    assert meeting.id is not None
    detail = meeting_detail(session, meeting)
    ended = session.exec(
        select(MeetingEvent)
        .where(MeetingEvent.meeting_id == meeting.id, MeetingEvent.kind == "ended")
        .order_by(col(MeetingEvent.at).desc())
    ).first()
    end_at = ended.at if ended is not None else meeting.end_at
    # The attendance helper's reading of the log (presence merged, roll call, deputies accepted).
    sites = site_attendance(session, meeting.id, now=end_at)
    notes = [row.note for row in minutes_rows(sites)]
    attendance = [
        SiteAttendance(a.site_name, a.unit_name, a.status_label, a.headcount, note, a.present_minutes)
        for a, note in zip(sites, notes, strict=True)
    ]
    turns = session.exec(
        select(FloorTurn).where(FloorTurn.meeting_id == meeting.id).order_by(col(FloorTurn.started_at))
    ).all()
    votes = session.exec(select(Vote).where(Vote.meeting_id == meeting.id).order_by(col(Vote.opened_at))).all()
    answers: dict[int, list[VoteAnswer]] = {}
    if votes:
        vote_ids = [v.id for v in votes]
        for given in session.exec(select(VoteAnswer).where(col(VoteAnswer.vote_id).in_(vote_ids))).all():
            answers.setdefault(given.vote_id, []).append(given)
    agenda_ids = {a.id for a in detail.agenda}

    def speakers_of(item_id: int | None) -> list[str]:
        return _ordered_unique([t.label for t in turns if t.agenda_item_id == item_id])

    def votes_of(item_id: int | None) -> list[str]:
        return [vote_line(v, answers.get(v.id or 0, [])) for v in votes if v.agenda_item_id == item_id]

    items = [ItemFacts(a.id or 0, a.title, a.presenter, speakers_of(a.id), votes_of(a.id)) for a in detail.agenda]
    stray_turns = [t.label for t in turns if t.agenda_item_id not in agenda_ids]
    stray_votes = [vote_line(v, answers.get(v.id or 0, [])) for v in votes if v.agenda_item_id not in agenda_ids]
    return MinutesFacts(
        title=meeting.title,
        start_at=meeting.start_at,
        end_at=end_at,
        place=meeting.place,
        online_sites=[s.site.name for s in detail.sites],
        chair=detail.chair.full_name,
        chair_position=detail.chair.position,
        secretary=detail.secretary.full_name if detail.secretary else "",
        attendance=attendance,
        attendance_summary=summary(sites),
        items=items,
        other_speakers=_ordered_unique(stray_turns),
        other_votes=stray_votes,
    )
