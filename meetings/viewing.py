"""Reading meetings: one meeting with everything that belongs to it, and the list a person may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, or_, select

from meetings.access import can_view_meeting, is_administrator, require_view_meeting
from meetings.errors import N_, NotFound
from meetings.meeting import AgendaItem, Document, Meeting, MeetingInvitee, MeetingSite, MeetingState
from meetings.people import Person
from meetings.units import Site, Unit


@dataclass(frozen=True)
class InvitedSite:
    site: Site
    unit: Unit


@dataclass(frozen=True)
class MeetingDetail:
    meeting: Meeting
    unit: Unit
    chair: Person
    secretary: Person | None
    contact: Person | None
    sites: list[InvitedSite]
    invitees: list[Person]
    agenda: list[AgendaItem]
    documents: list[Document]


def invited_unit_ids(session: Session, meeting_id: int) -> set[int]:
    """The units owning the meeting's invited sites."""
    rows = session.exec(
        select(Site.unit_id)
        .join(MeetingSite, col(MeetingSite.site_id) == col(Site.id))
        .where(MeetingSite.meeting_id == meeting_id)
    )
    return set(rows.all())


def invitee_ids(session: Session, meeting_id: int) -> set[int]:
    return set(session.exec(select(MeetingInvitee.person_id).where(MeetingInvitee.meeting_id == meeting_id)).all())


def may_view(session: Session, person: Person, meeting: Meeting) -> bool:
    assert meeting.id is not None
    return can_view_meeting(person, meeting, invited_unit_ids(session, meeting.id), invitee_ids(session, meeting.id))


def get_meeting(session: Session, actor: Person, meeting_id: int) -> Meeting:
    """The meeting if ``actor`` may see it: NotFound when there is none, Forbidden when hidden."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(N_("Không tìm thấy cuộc họp (mã %(id)s)."), id=meeting_id)
    require_view_meeting(actor, meeting, invited_unit_ids(session, meeting_id), invitee_ids(session, meeting_id))
    return meeting


def meeting_detail(session: Session, meeting: Meeting) -> MeetingDetail:
    """Everything a meeting page shows. No access check: call :func:`get_meeting` first."""
    assert meeting.id is not None
    unit = session.get(Unit, meeting.convening_unit_id)
    chair = session.get(Person, meeting.chair_id)
    assert unit is not None and chair is not None  # foreign keys
    sites = session.exec(
        select(Site, Unit)
        .join(MeetingSite, col(MeetingSite.site_id) == col(Site.id))
        .join(Unit, col(Unit.id) == col(Site.unit_id))
        .where(MeetingSite.meeting_id == meeting.id)
        .order_by(col(MeetingSite.id))
    ).all()
    invitees = session.exec(
        select(Person)
        .join(MeetingInvitee, col(MeetingInvitee.person_id) == col(Person.id))
        .where(MeetingInvitee.meeting_id == meeting.id)
        .order_by(col(MeetingInvitee.id))
    ).all()
    agenda = session.exec(
        select(AgendaItem)
        .where(AgendaItem.meeting_id == meeting.id)
        .order_by(col(AgendaItem.position), col(AgendaItem.id))
    ).all()
    documents = session.exec(
        select(Document).where(Document.meeting_id == meeting.id).order_by(col(Document.uploaded_at), col(Document.id))
    ).all()
    return MeetingDetail(
        meeting=meeting,
        unit=unit,
        chair=chair,
        secretary=session.get(Person, meeting.secretary_id) if meeting.secretary_id else None,
        contact=session.get(Person, meeting.contact_id) if meeting.contact_id else None,
        sites=[InvitedSite(site=s, unit=u) for s, u in sites],
        invitees=list(invitees),
        agenda=list(agenda),
        documents=list(documents),
    )


OVER_STATES = frozenset({MeetingState.ENDED, MeetingState.MINUTES_APPROVED, MeetingState.FILED})


def list_meetings(session: Session, actor: Person, *, upcoming: bool | None, now: datetime) -> list[Meeting]:
    """The meetings ``actor`` may see.

    ``upcoming=True``: not yet over (planned end at or after ``now``, and not ended by the chair earlier),
    soonest first; ``False``: over, latest first; ``None``: all, in order of start.
    """
    query = select(Meeting)
    # A meeting the chair has ended is over even before its planned end: not "upcoming" any more.
    ended = col(Meeting.state).in_(OVER_STATES)
    if upcoming is True:
        query = query.where(col(Meeting.end_at) >= now, ~ended).order_by(col(Meeting.start_at), col(Meeting.id))
    elif upcoming is False:
        query = query.where(or_(col(Meeting.end_at) < now, ended)).order_by(
            col(Meeting.start_at).desc(), col(Meeting.id).desc()
        )
    else:
        query = query.order_by(col(Meeting.start_at), col(Meeting.id))
    if not is_administrator(actor):
        # Narrow in SQL to the meetings that could concern the actor; can_view_meeting decides.
        invited = (
            select(MeetingSite.meeting_id)
            .join(Site, col(Site.id) == col(MeetingSite.site_id))
            .where(Site.unit_id == actor.unit_id)
        )
        named = select(MeetingInvitee.meeting_id).where(MeetingInvitee.person_id == actor.id)
        query = query.where(
            or_(
                col(Meeting.convening_unit_id) == actor.unit_id,
                col(Meeting.id).in_(invited),
                col(Meeting.id).in_(named),
                col(Meeting.chair_id) == actor.id,
                col(Meeting.secretary_id) == actor.id,
                col(Meeting.contact_id) == actor.id,
            )
        )
    candidates = list(session.exec(query).all())
    ids = [m.id for m in candidates if m.id is not None]
    units: dict[int, set[int]] = {}
    for mid, uid in session.exec(
        select(MeetingSite.meeting_id, Site.unit_id)
        .join(Site, col(Site.id) == col(MeetingSite.site_id))
        .where(col(MeetingSite.meeting_id).in_(ids))
    ).all():
        units.setdefault(mid, set()).add(uid)
    people: dict[int, set[int]] = {}
    for mid, pid in session.exec(
        select(MeetingInvitee.meeting_id, MeetingInvitee.person_id).where(col(MeetingInvitee.meeting_id).in_(ids))
    ).all():
        people.setdefault(mid, set()).add(pid)
    return [
        m for m in candidates if can_view_meeting(actor, m, units.get(m.id or 0, set()), people.get(m.id or 0, set()))
    ]
