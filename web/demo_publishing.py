"""The demo's meetings, made and published as a secretary would (for ``giaoban demo``).

:mod:`meetings.demo_meetings` makes the drafts; the briefing and the urgent meeting are then published
through the web's own path (:func:`web.invitation_publish.publish_with_invitation_now`): numbered, signed
Giấy mời (the demo certificate authority in development), invitation mails enqueued in the outbox that
the service delivers once it runs (to the local mail folder by default), filing enqueued. Only in the
development and test environments: elsewhere they stay drafts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session

from meetings.demo_meetings import SECRETARY, DemoMeetings, seed_demo_meetings
from meetings.directory import person_by_username
from meetings.errors import DomainError
from meetings.meeting import Meeting
from meetings.records.fonts import FontMissing
from meetings.rules import format_span
from web.context import AppContext
from web.invitation_publish import publish_with_invitation_now
from web.invitation_signing import DEMO_ENVIRONMENTS
from web.settings import Settings


@dataclass
class DemoOutcome:
    """What was made: one line per meeting, and why a meeting could not be published, if one could not."""

    made: DemoMeetings | None = None
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _line(meeting: Meeting, tz: ZoneInfo) -> str:
    state = "published with its Giấy mời" if meeting.published_at else "draft"
    return f"- {meeting.title} ({format_span(meeting.start_at, meeting.end_at, tz)}): {state}"


def seed_and_publish(settings: Settings, engine: Engine, *, now: datetime) -> DemoOutcome:
    """Make the demo's meetings when the demo district has none, and publish those to publish.

    A meeting that cannot be published (a font missing, say) stays a draft and is reported: the secretary
    can publish it from its page once the cause is fixed."""
    tz = ZoneInfo(settings.time_zone)
    outcome = DemoOutcome()
    with Session(engine, expire_on_commit=False) as session:
        try:
            outcome.made = seed_demo_meetings(session, now=now, tz=tz)
        except DomainError as exc:  # the demo directory changed since it was seeded: a person left, say
            outcome.problems.append(f"demo meetings not made: {exc}")
        secretary = person_by_username(session, SECRETARY)
    made = outcome.made
    if made is None or secretary is None:
        return outcome
    if settings.environment not in DEMO_ENVIRONMENTS:
        # Publishing mails real servers and files into real systems: a person decides that, not the demo.
        outcome.problems.append(
            f"the demo's meetings are left as drafts in the {settings.environment} environment: publishing "
            "them would mail their invitations; publish them from their pages if that is wanted"
        )
    else:
        context = AppContext(settings, engine, settings.resolved_secret_key())
        for meeting_id in made.to_publish:
            try:
                publish_with_invitation_now(context, secretary, meeting_id, now=now, tz=tz)
            except (DomainError, FontMissing) as exc:
                outcome.problems.append(f"meeting {meeting_id} stays a draft: {exc}")
    with Session(engine) as session:
        for made_id in (made.briefing, made.thematic, made.urgent):
            meeting = session.get(Meeting, made_id) if made_id is not None else None
            if meeting is not None:
                outcome.lines.append(_line(meeting, tz))
    return outcome
