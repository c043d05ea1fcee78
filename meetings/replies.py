"""Answers to an invitation: attend, decline with a reason, or send a deputy — who may attend only with
the chair's consent (Decision 45/2018/QĐ-TTg: a head who cannot attend reports to the chair and may send
someone in their place only when the chair agrees).

The invitation mail carries a signed link naming the meeting and the respondent (an invited site's unit
or a person invited by name); the web layer checks the signature and calls :func:`record_reply`. One
answer per respondent and meeting: a later answer replaces the earlier one.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from enum import StrEnum

from sqlmodel import Column, Field, Session, SQLModel, UniqueConstraint, col, select

from meetings.audit import record
from meetings.errors import N_, Forbidden, NotFound, RuleViolation, ValidationError, as_message
from meetings.meeting import Meeting, MeetingInvitee, MeetingSite, MeetingState
from meetings.meeting_mail import enqueue_deputy_mail
from meetings.people import Person
from meetings.text import refuse_nul
from meetings.types import UTCDateTime, utcnow
from meetings.units import Site, Unit


class ReplyAnswer(StrEnum):
    ATTEND = "attend"
    DECLINE = "decline"
    DEPUTY = "deputy"


class DeputyDecision(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REFUSED = "refused"


class InvitationReply(SQLModel, table=True):
    __tablename__ = "invitation_reply"
    __table_args__ = (UniqueConstraint("meeting_id", "respondent"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    respondent: str = Field(max_length=50)
    """``site:<id>`` or ``person:<id>``, as in the signed link."""
    respondent_name: str = Field(default="", max_length=200)
    answer: str = Field(max_length=20)
    reason: str = Field(default="", max_length=500)
    deputy_name: str = Field(default="", max_length=200)
    deputy_position: str = Field(default="", max_length=200)
    decision: str = Field(default="", max_length=20)
    """For a deputy: pending until the chair accepts or refuses."""
    decision_note: str = Field(default="", max_length=500)
    decided_by_id: int | None = Field(default=None, foreign_key="person.id")
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    answered_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


_OPEN_STATES = frozenset({MeetingState.PUBLISHED, MeetingState.LIVE})


def _clean(value: str, field: str, label: str, limit: int) -> str:
    text = " ".join(unicodedata.normalize("NFC", refuse_nul(value, field, label)).split())
    if len(text) > limit:
        raise ValidationError(
            N_("%(label)s quá dài (tối đa %(max)d ký tự)."), field=field, label=as_message(label), max=limit
        )
    return text


def respondent_name(session: Session, meeting_id: int, respondent: str) -> str:
    """The invited unit's or person's name if ``respondent`` is invited to the meeting; NotFound otherwise."""
    kind, _, value = respondent.partition(":")
    if value.isdigit():
        if kind == "site":
            invited = session.exec(
                select(Unit.name)
                .join(Site, col(Site.unit_id) == col(Unit.id))
                .join(MeetingSite, col(MeetingSite.site_id) == col(Site.id))
                .where(MeetingSite.meeting_id == meeting_id, MeetingSite.site_id == int(value))
            ).first()
            if invited is not None:
                return invited
        elif kind == "person":
            person = session.exec(
                select(Person.full_name)
                .join(MeetingInvitee, col(MeetingInvitee.person_id) == col(Person.id))
                .where(MeetingInvitee.meeting_id == meeting_id, MeetingInvitee.person_id == int(value))
            ).first()
            if person is not None:
                return person
    raise NotFound(N_("Đơn vị hoặc người này không (còn) trong thành phần được mời dự cuộc họp."))


def open_meeting(session: Session, meeting_id: int) -> Meeting:
    """The meeting, if it still takes answers (published or under way)."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(N_("Không tìm thấy cuộc họp (mã %(id)s)."), id=meeting_id)
    if meeting.state == MeetingState.CANCELLED:
        raise RuleViolation(N_("Cuộc họp «%(title)s» đã bị huỷ."), title=meeting.title)
    if meeting.state not in _OPEN_STATES:
        raise RuleViolation(N_("Cuộc họp «%(title)s» đã kết thúc, không nhận trả lời nữa."), title=meeting.title)
    return meeting


def get_reply(session: Session, meeting_id: int, respondent: str) -> InvitationReply | None:
    return session.exec(
        select(InvitationReply).where(
            InvitationReply.meeting_id == meeting_id, InvitationReply.respondent == respondent
        )
    ).first()


def record_reply(
    session: Session,
    meeting_id: int,
    respondent: str,
    *,
    answer: ReplyAnswer | str,
    reason: str = "",
    deputy_name: str = "",
    deputy_position: str = "",
    now: datetime | None = None,
) -> InvitationReply:
    """Store ``respondent``'s answer (replacing an earlier one). A decline needs a reason, a deputy a
    name; a deputy waits for the chair's decision."""
    try:
        answer = ReplyAnswer(answer)
    except ValueError:
        raise ValidationError(N_("Hãy chọn tham dự, báo vắng hoặc cử người dự thay."), field="answer") from None
    meeting = open_meeting(session, meeting_id)
    name = respondent_name(session, meeting_id, respondent)
    reason = _clean(reason, "reason", N_("Lý do"), 500)
    deputy_name = _clean(deputy_name, "deputy_name", "Họ tên người dự thay", 200)
    deputy_position = _clean(deputy_position, "deputy_position", "Chức vụ người dự thay", 200)
    if answer is ReplyAnswer.DECLINE and not reason:
        raise ValidationError(N_("Báo vắng cần nêu lý do."), field="reason")
    if answer is ReplyAnswer.DEPUTY and not deputy_name:
        raise ValidationError(N_("Hãy ghi họ tên người dự thay."), field="deputy_name")
    if answer is not ReplyAnswer.DEPUTY:
        deputy_name = deputy_position = ""
    reply = get_reply(session, meeting_id, respondent) or InvitationReply(
        meeting_id=meeting_id, respondent=respondent, answer=answer.value
    )
    same_deputy = (
        reply.answer == ReplyAnswer.DEPUTY.value
        and reply.deputy_name == deputy_name
        and reply.deputy_position == deputy_position
    )
    reply.respondent_name = name
    reply.answer = answer.value
    reply.reason = reason
    reply.deputy_name = deputy_name
    reply.deputy_position = deputy_position
    if answer is ReplyAnswer.DEPUTY and not same_deputy:
        # A new deputy needs the chair's consent again.
        reply.decision = DeputyDecision.PENDING.value
        reply.decision_note = ""
        reply.decided_by_id = None
        reply.decided_at = None
    elif answer is not ReplyAnswer.DEPUTY:
        reply.decision = ""
    reply.answered_at = now or utcnow()
    session.add(reply)
    record(
        session,
        None,
        "reply",
        "meeting",
        meeting.id,
        respondent=respondent,
        answer=answer.value,
        reason=reason,
        deputy=deputy_name,
    )
    session.commit()
    return reply


def decide_deputy(
    session: Session, actor: Person, reply_id: int, *, accept: bool, note: str = "", now: datetime | None = None
) -> InvitationReply:
    """The chair accepts or refuses a deputy; the unit that proposed them is mailed the decision."""
    reply = session.get(InvitationReply, reply_id)
    if reply is None:
        raise NotFound(N_("Không tìm thấy trả lời (mã %(id)s)."), id=reply_id)
    meeting = open_meeting(session, reply.meeting_id)
    if actor.id is None or actor.id != meeting.chair_id or not actor.active:
        raise Forbidden(N_("Chỉ người chủ trì cuộc họp được đồng ý hoặc không đồng ý người dự thay."))
    if reply.answer != ReplyAnswer.DEPUTY.value:
        raise RuleViolation(N_("Trả lời này không đề nghị người dự thay."), field="decision")
    reply.decision = (DeputyDecision.ACCEPTED if accept else DeputyDecision.REFUSED).value
    reply.decision_note = _clean(note, "note", "Ghi chú", 500)
    reply.decided_by_id = actor.id
    reply.decided_at = now or utcnow()
    session.add(reply)
    record(
        session,
        actor.id,
        "decide_deputy",
        "meeting",
        meeting.id,
        respondent=reply.respondent,
        deputy=reply.deputy_name,
        decision=reply.decision,
    )
    assert reply.id is not None
    enqueue_deputy_mail(
        session,
        meeting,
        reply.respondent,
        reply_id=reply.id,
        deputy_name=reply.deputy_name,
        deputy_position=reply.deputy_position,
        accepted=accept,
        note=reply.decision_note,
        decided_at=reply.decided_at,
    )
    session.commit()
    return reply


def replies_for(session: Session, meeting_id: int) -> list[InvitationReply]:
    """The answers to the meeting's invitation, in the order they came."""
    return list(
        session.exec(
            select(InvitationReply)
            .where(InvitationReply.meeting_id == meeting_id)
            .order_by(col(InvitationReply.answered_at), col(InvitationReply.id))
        ).all()
    )
