"""Meetings through the API: list what the caller may see, read one, create, edit, publish, cancel, and the
agenda as a sub-resource. Access and the rules are the domain's (meetings.scheduling); this module only
turns JSON into drafts and meetings back into JSON.
"""

from __future__ import annotations

from pydantic import BaseModel, Field
from sqlmodel import Session

from meetings import rules, scheduling
from meetings.drafts import AgendaItemDraft, MeetingDraft, draft_of
from meetings.meeting import Meeting
from meetings.types import utcnow
from meetings.viewing import MeetingDetail
from web.api.meeting_models import (
    NULLABLE_UPDATE_FIELDS,
    AgendaIn,
    AgendaItemIn,
    AgendaItemOut,
    CancelRequest,
    DocumentOut,
    MeetingCreate,
    MeetingOut,
    MeetingQuery,
    MeetingSummary,
    MeetingUpdate,
    PersonRef,
    SiteRef,
)
from web.api.routing import Call, Operation
from web.i18n import translate
from web.invitation_publish import publish_with_invitation_now, update_with_invitation_now


def _agenda_drafts(items: list[AgendaItemIn]) -> list[AgendaItemDraft]:
    return [AgendaItemDraft(title=i.title, presenter=i.presenter, planned_minutes=i.planned_minutes) for i in items]


def meeting_out(detail: MeetingDetail, warnings: list[str] | None = None) -> MeetingOut:
    meeting = detail.meeting
    summary = MeetingSummary.of(meeting).model_dump()
    return MeetingOut(
        **summary,
        contact_id=meeting.contact_id,
        description=meeting.description,
        preparation=meeting.preparation,
        urgent_reason=meeting.urgent_reason,
        record_confidential=meeting.record_confidential,
        last_n=meeting.last_n,
        created_at=meeting.created_at,
        updated_at=meeting.updated_at,
        published_at=meeting.published_at,
        cancelled_reason=meeting.cancelled_reason,
        site_ids=[s.site.id for s in detail.sites if s.site.id is not None],
        invitee_ids=[p.id for p in detail.invitees if p.id is not None],
        sites=[
            SiteRef(id=s.site.id or 0, unit_id=s.site.unit_id, name=s.site.name, unit_name=s.unit.name)
            for s in detail.sites
        ],
        invitees=[
            PersonRef(id=p.id or 0, full_name=p.full_name, position=p.position, unit_id=p.unit_id)
            for p in detail.invitees
        ],
        agenda=[AgendaItemOut.of(a) for a in detail.agenda],
        documents=[DocumentOut.of(d) for d in detail.documents],
        warnings=warnings or [],
    )


def _warnings(call: Call, meeting: Meeting) -> list[str]:
    """Clashes with other drafts: worth telling the client, not a reason to refuse."""
    site_ids = scheduling.site_ids_of(call.session, meeting.id or 0)
    found = rules.conflict_warnings(
        call.session,
        meeting_id=meeting.id,
        start_at=meeting.start_at,
        end_at=meeting.end_at,
        chair_id=meeting.chair_id,
        site_ids=site_ids,
        tz=call.tz,
    )
    return [translate(call.request, w) for w in found]


def _detail(session: Session, meeting: Meeting) -> MeetingDetail:
    return scheduling.meeting_detail(session, meeting)


def list_meetings(call: Call) -> list[MeetingSummary]:
    query = call.query_as(MeetingQuery)
    meetings = scheduling.list_meetings(call.session, call.person, upcoming=query.upcoming, now=utcnow())
    return [MeetingSummary.of(m) for m in meetings if query.state is None or m.state == query.state]


def get_meeting(call: Call) -> MeetingOut:
    meeting = scheduling.get_meeting(call.session, call.person, call.id("meeting_id"))
    return meeting_out(_detail(call.session, meeting))


def create_meeting(call: Call) -> MeetingOut:
    body = call.body_as(MeetingCreate)
    draft = MeetingDraft(**body.model_dump(exclude={"agenda"}), agenda=_agenda_drafts(body.agenda))
    meeting = scheduling.create_meeting(call.session, call.person, draft, tz=call.tz)
    return meeting_out(_detail(call.session, meeting), _warnings(call, meeting))


def update_meeting(call: Call) -> MeetingOut:
    meeting_id = call.id("meeting_id")
    meeting = scheduling.get_meeting(call.session, call.person, meeting_id)
    body = call.body_as(MeetingUpdate)
    draft = draft_of(call.session, meeting)
    for name in call.sent & set(MeetingUpdate.model_fields):
        value = getattr(body, name)
        if value is None and name not in NULLABLE_UPDATE_FIELDS:
            continue
        setattr(draft, name, _agenda_drafts(value) if name == "agenda" else value)
    # A published meeting whose change alters what its Giấy mời says gets a new one (web.invitation_publish).
    call.session.rollback()  # end this session's reads: the change is saved in the step's own sessions
    number = call.query_as(PublishQuery).number
    if update_with_invitation_now(
        call.context, call.person, meeting_id, draft, now=utcnow(), tz=call.tz, entered=number
    ):
        meeting = scheduling.get_meeting(call.session, call.person, meeting_id)
    else:
        meeting = scheduling.update_meeting(call.session, call.person, meeting_id, draft, tz=call.tz)
    return meeting_out(_detail(call.session, meeting), _warnings(call, meeting))


class PublishQuery(BaseModel):
    number: str = Field(
        default="",
        max_length=10,
        description=(
            "Số giấy mời văn thư lấy từ sổ đăng ký (chỉ khi đơn vị dùng cách cấp số «register»): khi phát hành, "
            "và khi sửa cuộc họp đã phát hành làm thay đổi nội dung giấy mời (giấy mời mới được ban hành)."
        ),
    )


def publish_meeting(call: Call) -> MeetingOut:
    """Publish with the Giấy mời (numbered, signed, attached to the invitation mails, filed)."""
    meeting = scheduling.get_meeting(call.session, call.person, call.id("meeting_id"))
    number = call.query_as(PublishQuery).number
    publish_with_invitation_now(call.context, call.person, meeting.id or 0, now=utcnow(), tz=call.tz, entered=number)
    call.session.rollback()  # published in the publishing step's own sessions: read afresh
    meeting = scheduling.get_meeting(call.session, call.person, meeting.id or 0)
    return meeting_out(_detail(call.session, meeting))


def cancel_meeting(call: Call) -> MeetingOut:
    meeting = scheduling.get_meeting(call.session, call.person, call.id("meeting_id"))
    reason = call.body_as(CancelRequest).reason
    meeting = scheduling.cancel_meeting(call.session, call.person, meeting.id or 0, reason)
    return meeting_out(_detail(call.session, meeting))


# ---- agenda ----------------------------------------------------------------------------------------------


def get_agenda(call: Call) -> list[AgendaItemOut]:
    meeting = scheduling.get_meeting(call.session, call.person, call.id("meeting_id"))
    return [AgendaItemOut.of(a) for a in scheduling.agenda_of(call.session, meeting.id or 0)]


def replace_agenda(call: Call) -> list[AgendaItemOut]:
    meeting_id = call.id("meeting_id")
    meeting = scheduling.get_meeting(call.session, call.person, meeting_id)
    draft = draft_of(call.session, meeting)
    draft.agenda = _agenda_drafts(call.body_as(AgendaIn).root)
    scheduling.update_meeting(call.session, call.person, meeting_id, draft, tz=call.tz)
    return [AgendaItemOut.of(a) for a in scheduling.agenda_of(call.session, meeting_id)]


def add_agenda_item(call: Call) -> AgendaItemOut:
    meeting_id = call.id("meeting_id")
    meeting = scheduling.get_meeting(call.session, call.person, meeting_id)
    draft = draft_of(call.session, meeting)
    draft.agenda = [*draft.agenda, *_agenda_drafts([call.body_as(AgendaItemIn)])]
    scheduling.update_meeting(call.session, call.person, meeting_id, draft, tz=call.tz)
    return AgendaItemOut.of(scheduling.agenda_of(call.session, meeting_id)[-1])


MANAGE_ERRORS = (401, 403, 404, 409, 422)

OPERATIONS: list[Operation] = [
    Operation(
        "GET",
        "/meetings",
        list_meetings,
        "Các cuộc họp người gọi được xem",
        "meetings",
        query=MeetingQuery,
        response=list[MeetingSummary],
        errors=(401, 422),
    ),
    Operation(
        "POST",
        "/meetings",
        create_meeting,
        "Tạo cuộc họp (dự thảo)",
        "meetings",
        body=MeetingCreate,
        response=MeetingOut,
        status=201,
        errors=MANAGE_ERRORS,
        description="Chủ trì, thư ký của đơn vị triệu tập hoặc quản trị viên. Trùng lịch với cuộc họp đã phát "
        "hành → 409, thông báo nêu tên cuộc họp kia.",
    ),
    Operation(
        "GET",
        "/meetings/{meeting_id:int}",
        get_meeting,
        "Một cuộc họp, đầy đủ chi tiết",
        "meetings",
        response=MeetingOut,
        errors=(401, 403, 404),
    ),
    Operation(
        "PATCH",
        "/meetings/{meeting_id:int}",
        update_meeting,
        "Sửa cuộc họp",
        "meetings",
        body=MeetingUpdate,
        query=PublishQuery,
        response=MeetingOut,
        errors=MANAGE_ERRORS,
        description=(
            "Chỉ các trường gửi lên được thay đổi; `agenda` thay toàn bộ chương trình. Cuộc họp đã phát hành "
            "mà thay đổi nội dung giấy mời (thời gian, địa điểm, thành phần…) thì được ban hành giấy mời mới."
        ),
    ),
    Operation(
        "POST",
        "/meetings/{meeting_id:int}/publish",
        publish_meeting,
        "Phát hành giấy mời",
        "meetings",
        query=PublishQuery,
        response=MeetingOut,
        errors=MANAGE_ERRORS,
        description=(
            "Giấy mời phải đến ít nhất 3 ngày làm việc trước ngày họp, trừ họp đột xuất có lý do → 409. "
            "Giấy mời (PDF, có số và ký số) được lưu vào tài liệu của cuộc họp, gửi kèm thư mời và gửi liên thông; "
            "đơn vị do văn thư cấp số thì phải gửi `number` → 422 nếu thiếu, 409 nếu số đã dùng."
        ),
    ),
    Operation(
        "POST",
        "/meetings/{meeting_id:int}/cancel",
        cancel_meeting,
        "Huỷ cuộc họp",
        "meetings",
        body=CancelRequest,
        response=MeetingOut,
        errors=MANAGE_ERRORS,
    ),
    Operation(
        "GET",
        "/meetings/{meeting_id:int}/agenda",
        get_agenda,
        "Chương trình cuộc họp",
        "agenda",
        response=list[AgendaItemOut],
        errors=(401, 403, 404),
    ),
    Operation(
        "PUT",
        "/meetings/{meeting_id:int}/agenda",
        replace_agenda,
        "Thay toàn bộ chương trình",
        "agenda",
        body=AgendaIn,
        response=list[AgendaItemOut],
        errors=MANAGE_ERRORS,
    ),
    Operation(
        "POST",
        "/meetings/{meeting_id:int}/agenda",
        add_agenda_item,
        "Thêm một mục vào cuối chương trình",
        "agenda",
        body=AgendaItemIn,
        response=AgendaItemOut,
        status=201,
        errors=MANAGE_ERRORS,
    ),
]
