"""Every table of the domain, imported in one place so ``SQLModel.metadata`` is complete."""

from __future__ import annotations

from meetings.audit import AuditEntry
from meetings.log.tables import (
    AgendaTurn,
    ChatLine,
    FloorTurn,
    MeetingEvent,
    Presence,
    Recording,
    RollCall,
    Vote,
    VoteAnswer,
)
from meetings.meeting import (
    AgendaItem,
    Document,
    Meeting,
    MeetingInvitee,
    MeetingKind,
    MeetingSite,
    MeetingState,
)
from meetings.minutes.tables import ConclusionRecord, MinutesRecord, MinutesVersion
from meetings.outbox import OutboxItem
from meetings.people import ApiToken, Person, Role
from meetings.records.filing import FilingStatusRecord
from meetings.records.numbering import AgencyRecordsSetting, DocumentCounter, IssuedNumber
from meetings.replies import InvitationReply
from meetings.rooms import DeviceCheck, RoomOptions
from meetings.units import Site, Unit, UnitLevel
from meetings.workdays import Holiday, MakeupDay

__all__ = [
    "AgencyRecordsSetting",
    "AgendaItem",
    "AgendaTurn",
    "ApiToken",
    "AuditEntry",
    "ChatLine",
    "ConclusionRecord",
    "DeviceCheck",
    "Document",
    "DocumentCounter",
    "FilingStatusRecord",
    "FloorTurn",
    "Holiday",
    "InvitationReply",
    "IssuedNumber",
    "MakeupDay",
    "Meeting",
    "MeetingEvent",
    "MeetingInvitee",
    "MeetingKind",
    "MeetingSite",
    "MeetingState",
    "MinutesRecord",
    "MinutesVersion",
    "OutboxItem",
    "Person",
    "Presence",
    "Recording",
    "Role",
    "RollCall",
    "RoomOptions",
    "Site",
    "Unit",
    "UnitLevel",
    "Vote",
    "VoteAnswer",
]
