"""The iCalendar (RFC 5545/5546) part of meeting mails: ``METHOD:REQUEST`` to invite or update,
``METHOD:CANCEL`` to cancel.

Calendar programs match an update or a cancellation to the event they already hold by its ``UID`` and
take it only when its ``SEQUENCE`` is higher, so a meeting keeps one UID for life (``meeting_uid``) and
the caller raises the sequence on every change that is mailed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from icalendar import Calendar, Event, vCalAddress, vText

from mailer.errors import InvalidMailError
from mailer.headers import clean_header_text
from mailer.recipient import Recipient

PRODID = "-//giaoban//Giao ban truc tuyen//VI"


class CalendarMethod(StrEnum):
    REQUEST = "REQUEST"
    CANCEL = "CANCEL"


def meeting_uid(meeting_id: int | str, domain: str) -> str:
    """The UID of a meeting's calendar event, the same in every mail about that meeting."""
    return f"meeting-{meeting_id}@{domain}"


@dataclass(frozen=True)
class CalendarInvite:
    uid: str
    sequence: int
    method: CalendarMethod
    summary: str
    start: datetime
    end: datetime
    organizer: Recipient
    """The convening unit (its name and mail address)."""
    attendees: Sequence[Recipient]
    description: str = ""
    location: str = ""
    url: str = ""
    stamp: datetime | None = None
    """DTSTAMP: when this version of the event was made; now when not given."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "attendees", tuple(self.attendees))
        object.__setattr__(self, "method", CalendarMethod(self.method))
        if not self.uid or clean_header_text(self.uid) != self.uid or " " in self.uid:
            raise InvalidMailError(f"UID lịch không hợp lệ: {self.uid!r}")
        if self.sequence < 0:
            raise InvalidMailError("SEQUENCE của lịch phải không âm.")
        for moment in (self.start, self.end, self.stamp):
            if moment is not None and moment.utcoffset() is None:
                raise InvalidMailError("Thời gian trong lịch phải có múi giờ.")
        if self.end <= self.start:
            raise InvalidMailError("Thời gian kết thúc phải sau thời gian bắt đầu.")


def _address(person: Recipient) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.address}")
    if person.name:
        address.params["CN"] = vText(person.name)
    return address


def build_calendar(invite: CalendarInvite) -> Calendar:
    """The ``VCALENDAR`` with one ``VEVENT`` for the invite."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", invite.method.value)

    event = Event()
    event.add("uid", invite.uid)
    event.add("sequence", invite.sequence)
    event.add("dtstamp", (invite.stamp or datetime.now(UTC)).astimezone(UTC))
    event.add("dtstart", invite.start.astimezone(UTC))
    event.add("dtend", invite.end.astimezone(UTC))
    event.add("summary", clean_header_text(invite.summary))
    if invite.description:
        # Descriptions may have line breaks; icalendar escapes them as \n inside the value.
        event.add("description", invite.description)
    if invite.location:
        event.add("location", clean_header_text(invite.location))
    if invite.url:
        event.add("url", clean_header_text(invite.url))
    event.add("status", "CANCELLED" if invite.method is CalendarMethod.CANCEL else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("organizer", _address(invite.organizer))
    for person in invite.attendees:
        attendee = _address(person)
        attendee.params["CUTYPE"] = "INDIVIDUAL"
        attendee.params["ROLE"] = "REQ-PARTICIPANT"
        attendee.params["PARTSTAT"] = "NEEDS-ACTION"
        attendee.params["RSVP"] = "TRUE" if invite.method is CalendarMethod.REQUEST else "FALSE"
        event.add("attendee", attendee)
    calendar.add_component(event)
    return calendar


def calendar_text(invite: CalendarInvite) -> str:
    """The ``.ics`` text of the invite."""
    ical: bytes = build_calendar(invite).to_ical()
    return ical.decode("utf-8")
