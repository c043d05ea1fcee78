"""A new Giấy mời when a published meeting changes what the invitation says (its time, place, chair,
content, the sites or people invited…): the one sent before would mislead, so the update mails carry a
new one, with its own number, filed like the first.

The steps are those of publishing (meetings.records.invitation_issue): check the change and reserve the
number (committed), lay out and sign outside any transaction, then save the change with an ``attach``
step that, in the saving transaction, takes the superseded Giấy mời off the meeting's documents (it
stays in the register of numbers, the document store and the audit log) and adds the new one.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from meetings.access import require_manage_meeting
from meetings.audit import record
from meetings.documents import DocumentStore
from meetings.drafts import MeetingDraft, clean_draft, draft_of
from meetings.lifecycle import check_editable
from meetings.meeting import Meeting, MeetingState
from meetings.people import Person
from meetings.records.filing import PackageStore
from meetings.records.forms import Invitation
from meetings.records.invitation_form import invitation_form
from meetings.records.invitation_issue import (
    ProducedInvitation,
    attach_invitation,
    invitation_documents,
    take_number,
)
from meetings.records.numbering import lock_for_numbering
from meetings.scheduling import load_meeting, update_meeting

PRINTED_FIELDS = frozenset(
    {
        "title",
        "kind",
        "start_at",
        "end_at",
        "chair_id",
        "contact_id",
        "description",
        "preparation",
        "place",
        "site_ids",
        "invitee_ids",
        "confidential",
    }
)
"""The draft's fields the Giấy mời prints (or that decide where it goes)."""

_COPIED = ("title", "kind", "start_at", "end_at", "chair_id", "contact_id", "description", "preparation", "place")


def printed_changes(before: MeetingDraft, after: MeetingDraft) -> list[str]:
    return sorted(name for name in PRINTED_FIELDS if getattr(before, name) != getattr(after, name))


def prepare_reissue(
    session: Session,
    actor: Person,
    meeting_id: int,
    draft: MeetingDraft,
    *,
    now: datetime,
    tz: ZoneInfo,
    join_link: str = "",
    entered: str | None = None,
) -> Invitation | None:
    """For a published meeting whose ``draft`` changes what its Giấy mời says: the draft is checked, the
    new Giấy mời's number reserved (committed) and its form returned. None when no new one is needed
    (a draft meeting, or a change the Giấy mời does not print); nothing is written then."""
    try:
        lock_for_numbering(session)
        meeting = load_meeting(session, meeting_id)
        require_manage_meeting(actor, meeting)
        check_editable(meeting)
        if meeting.state != MeetingState.PUBLISHED:
            session.rollback()
            return None
        clean = clean_draft(session, draft, meeting_id=meeting_id, tz=tz)
        if not printed_changes(draft_of(session, meeting), clean):
            session.rollback()
            return None
        number = take_number(session, actor, meeting, now=now, tz=tz, entered=entered)
        session.commit()
        # The meeting as it will be, not added to the session: the form is laid out before it is saved.
        future = Meeting.model_validate(meeting.model_dump())
        for name in _COPIED:
            setattr(future, name, getattr(clean, name))
        return invitation_form(
            session,
            future,
            number,
            tz=tz,
            join_link=join_link,
            site_ids=clean.site_ids,
            invitee_ids=clean.invitee_ids,
        )
    except BaseException:
        session.rollback()
        raise


def update_with_invitation(
    session: Session,
    actor: Person,
    meeting_id: int,
    draft: MeetingDraft,
    produced: ProducedInvitation,
    *,
    now: datetime,
    tz: ZoneInfo,
    documents: DocumentStore,
    packages: PackageStore,
) -> Meeting:
    """Save the change with the new Giấy mời (commits)."""

    def attach(s: Session, meeting: Meeting, changed: list[str]) -> None:
        assert meeting.id is not None
        for old in invitation_documents(s, meeting.id):
            record(
                s, actor.id, "supersede_invitation", "document", old.id, meeting_id=meeting.id, filename=old.filename
            )
            s.delete(old)
        s.flush()
        attach_invitation(s, meeting, produced, actor=actor, documents=documents, packages=packages, now=now, tz=tz)

    return update_meeting(session, actor, meeting_id, draft, tz=tz, now=now, attach=attach)
