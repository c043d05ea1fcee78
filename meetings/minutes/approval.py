"""The chair approves the minutes: they are frozen, numbered, and issued (signed PDF, filing, mail).

Two steps, each safe to repeat:

1. one transaction: the minutes' row locked, frozen with the facts of the log as they are now, the meeting
   moved to "minutes approved", the number given (``numbering.issue_number``; in ``register`` mode the
   number the clerk entered) — committed;
2. outside it, the PDF rendered and signed (secretary left, chair right, the agency's seal); then one
   transaction keeps the PDF, enqueues the filing and the mails (meetings.minutes.issuing).

When step 2 fails (a missing certificate, a wrong password…) the minutes stay approved and numbered, and
approving again runs step 2 only. Approving minutes that are fully issued is refused.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from meetings.audit import record
from meetings.errors import N_, Conflict, Forbidden, RuleViolation, ValidationError
from meetings.lifecycle import check_transition
from meetings.meeting import Meeting, MeetingState
from meetings.minutes.content import MinutesContent
from meetings.minutes.editing import can_approve_minutes
from meetings.minutes.facts import MinutesFacts, gather_facts
from meetings.minutes.filed_with import minutes_attachments
from meetings.minutes.forms import minutes_form
from meetings.minutes.issuing import (
    IssueServices,
    attach_once,
    check_renderable,
    sign_document,
    store_file_and_mail,
)
from meetings.minutes.tables import MinutesRecord, MinutesState
from meetings.people import Person
from meetings.records.forms import DocumentType, Minutes
from meetings.records.numbering import IssuedNumber, issue_number, lock_for_numbering
from meetings.types import utcnow
from meetings.units import Unit
from meetings.viewing import get_meeting


def _freeze(
    session: Session,
    actor: Person,
    meeting: Meeting,
    minutes: MinutesRecord,
    *,
    services: IssueServices,
    entered: str | None,
    seen_version: int | None,
    now: datetime,
) -> None:
    if minutes.version == 0:
        raise RuleViolation(N_("Biên bản chưa có nội dung; thư ký cần soạn trước khi chủ tọa duyệt."), field="content")
    if seen_version is not None and seen_version != minutes.version:
        raise Conflict(
            N_("Biên bản vừa được sửa (phiên bản %(version)d) sau khi anh/chị mở; hãy xem lại trước khi duyệt."),
            field="version",
            version=minutes.version,
        )
    check_transition(meeting, MeetingState.MINUTES_APPROVED)
    unit = session.get(Unit, meeting.convening_unit_id)
    assert unit is not None
    facts = gather_facts(session, meeting)
    issued_on = now.astimezone(services.tz).date()
    content = MinutesContent.from_json(minutes.content_json)
    # An emoji in the text, or no official font on the server: refused now, while the text can be fixed.
    check_renderable(minutes_form(unit, facts, content, number=None, issued_on=issued_on, tz=services.tz))
    issued = issue_number(
        session,
        unit=unit,
        document_type=DocumentType.MINUTES,
        issued_on=issued_on,
        meeting_id=meeting.id,
        actor_id=actor.id,
        entered=entered or None,
    )
    minutes.state = MinutesState.APPROVED.value
    minutes.approved_at, minutes.approved_by_id = now, actor.id
    minutes.facts_json = facts.to_json()
    minutes.issued_number_id = issued.id
    meeting.state = MeetingState.MINUTES_APPROVED
    meeting.updated_at = now
    session.add_all([minutes, meeting])
    record(
        session, actor.id, "approve_minutes", "meeting", meeting.id, number=str(issued.number_and_symbol()),
        version=minutes.version,
    )  # fmt: skip


def approved_form(session: Session, minutes: MinutesRecord, services: IssueServices) -> Minutes:
    """The form of approved minutes, from what was frozen at approval."""
    meeting = session.get(Meeting, minutes.meeting_id)
    unit = session.get(Unit, meeting.convening_unit_id) if meeting else None
    issued = session.get(IssuedNumber, minutes.issued_number_id) if minutes.issued_number_id else None
    assert unit is not None and issued is not None
    return minutes_form(
        unit,
        MinutesFacts.from_json(minutes.facts_json),
        MinutesContent.from_json(minutes.content_json),
        number=issued.number,
        issued_on=issued.issued_on,
        tz=services.tz,
    )


def approve(
    session: Session,
    actor: Person,
    meeting_id: int,
    *,
    services: IssueServices,
    entered_number: str | None = None,
    seen_version: int | None = None,
    now: datetime | None = None,
) -> MinutesRecord:
    """The chair approves the minutes of ``meeting_id`` (see the module's description). Returns the
    minutes, issued. Raises ``SigningError`` (and leaves the minutes approved) when a key cannot sign."""
    now = now or utcnow()
    session.rollback()  # start afresh: on SQLite the writer's lock must come before any read
    try:
        lock_for_numbering(session)
        meeting = get_meeting(session, actor, meeting_id)
        if not can_approve_minutes(actor, meeting):
            raise Forbidden(N_("Chỉ chủ tọa cuộc họp được duyệt biên bản."))
        minutes = session.exec(
            select(MinutesRecord).where(MinutesRecord.meeting_id == meeting_id).with_for_update()
        ).first()
        if minutes is None:
            raise RuleViolation(
                N_("Biên bản chưa có nội dung; thư ký cần soạn trước khi chủ tọa duyệt."), field="content"
            )
        if minutes.state == MinutesState.APPROVED and minutes.document_id is not None:
            raise Conflict(N_("Biên bản đã được duyệt và phát hành; không duyệt lại được."), field="state")
        if minutes.state != MinutesState.APPROVED:
            if entered_number is not None and not isinstance(entered_number, str):
                raise ValidationError(N_("Số văn bản không hợp lệ."), field="number")
            _freeze(
                session, actor, meeting, minutes, services=services, entered=entered_number,
                seen_version=seen_version, now=now,
            )  # fmt: skip
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return _issue(session, actor, meeting, minutes, services=services, now=now)


def _issue(
    session: Session, actor: Person, meeting: Meeting, minutes: MinutesRecord, *, services: IssueServices, now: datetime
) -> MinutesRecord:
    form = approved_form(session, minutes, services)
    unit = session.get(Unit, meeting.convening_unit_id)
    chair = session.get(Person, meeting.chair_id)
    secretary = session.get(Person, meeting.secretary_id) if meeting.secretary_id else None
    assert unit is not None and chair is not None
    signers = [("chair", services.keys.for_person(chair, unit))]
    if secretary is not None:
        signers.insert(0, ("secretary", services.keys.for_person(secretary, unit)))
    agency, place = services.keys.for_agency(unit), unit.place_name or unit.name
    session.rollback()  # no transaction held while rendering and signing
    signed = sign_document(form, signers, agency, place=place)
    try:
        document = store_file_and_mail(
            session, meeting=meeting, form=form, signed=signed, kind="minutes", signer=chair, actor_id=actor.id,
            services=services, now=now,
            attachments=[] if meeting.confidential else minutes_attachments(
                session, meeting, services.tz, services.base_url
            ),
        )  # fmt: skip
        assert document.id is not None and minutes.id is not None
        if not attach_once(session, MinutesRecord, minutes.id, document.id):
            session.rollback()  # a concurrent retry issued them
        else:
            record(session, actor.id, "issue_minutes", "meeting", meeting.id, document_id=document.id)
            session.commit()
    except BaseException:
        session.rollback()
        raise
    session.refresh(minutes)
    return minutes
