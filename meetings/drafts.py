"""What a chair or secretary fills in to schedule a meeting, and its validation against the rules."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from meetings import rules
from meetings.errors import N_, Message, ValidationError, joined
from meetings.meeting import AgendaItem, Meeting, MeetingInvitee, MeetingKind, MeetingSite
from meetings.text import refuse_nul

KIND_LABELS: dict[MeetingKind, str] = {
    MeetingKind.ADVISORY: "Họp tham mưu, tư vấn",
    MeetingKind.RESOLUTION: "Họp giải quyết công việc",
    MeetingKind.PROFESSIONAL: "Họp chuyên môn",
    MeetingKind.BRIEFING: "Họp giao ban",
    MeetingKind.REVIEW: "Họp sơ kết, tổng kết",
}

MAX_LAST_N = 25  # how many sites' video a participant receives at once (last-N)
MAX_PLANNED_MINUTES = 600


@dataclass
class AgendaItemDraft:
    title: str
    presenter: str = ""
    planned_minutes: int = 10


@dataclass
class MeetingDraft:
    title: str
    kind: MeetingKind
    start_at: datetime
    end_at: datetime
    convening_unit_id: int
    chair_id: int
    secretary_id: int | None = None
    contact_id: int | None = None
    description: str = ""
    preparation: str = ""
    place: str = ""
    urgent: bool = False
    urgent_reason: str = ""
    confidential: bool = False
    record_confidential: bool = False
    site_ids: list[int] = field(default_factory=list)
    invitee_ids: list[int] = field(default_factory=list)
    agenda: list[AgendaItemDraft] = field(default_factory=list)
    last_n: int = 8


def _one_line(value: str, *, field_name: str, label: str, max_length: int, required: bool = False) -> str:
    value = " ".join(refuse_nul(value, field_name, label).split())
    if required and not value:
        raise ValidationError(N_("%(label)s không được để trống."), field=field_name, label=label)
    if len(value) > max_length:
        raise ValidationError(N_("%(label)s dài quá %(max)d ký tự."), field=field_name, label=label, max=max_length)
    return value


def _unique(ids: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(ids))


def _kind(value: MeetingKind | str) -> MeetingKind:
    try:
        return MeetingKind(value)
    except ValueError:
        # The kinds' labels are in the catalog already (web.labels).
        choices = [
            Message("%(value)s (%(label)s)", {"value": k.value, "label": Message(label)})
            for k, label in KIND_LABELS.items()
        ]
        raise ValidationError(
            N_("Loại cuộc họp «%(value)s» không hợp lệ; chọn một trong: %(choices)s."),
            field="kind",
            value=value,
            choices=joined(choices, "; "),
        ) from None


def _agenda(items: list[AgendaItemDraft]) -> list[AgendaItemDraft]:
    cleaned = []
    for number, item in enumerate(items, start=1):
        item_title = Message(N_("Mục %(n)d của chương trình: nội dung"), {"n": number})
        title = _one_line(item.title, field_name="agenda", label=item_title, max_length=300, required=True)
        item_presenter = Message(N_("Mục %(n)d của chương trình: người trình bày"), {"n": number})
        presenter = _one_line(item.presenter, field_name="agenda", label=item_presenter, max_length=200)
        if not 1 <= item.planned_minutes <= MAX_PLANNED_MINUTES:
            raise ValidationError(
                N_("Mục %(n)d của chương trình: thời lượng phải từ 1 đến %(max)d phút."),
                field="agenda",
                n=number,
                max=MAX_PLANNED_MINUTES,
            )
        cleaned.append(AgendaItemDraft(title=title, presenter=presenter, planned_minutes=item.planned_minutes))
    return cleaned


def clean_draft(session: Session, draft: MeetingDraft, *, meeting_id: int | None, tz: ZoneInfo) -> MeetingDraft:
    """Normalise ``draft`` and check every rule that does not depend on when it is published.

    Returns a copy with whitespace tidied and repeated ids removed. Raises ValidationError for bad
    fields and RuleViolation when the chair or a site is already taken (see :func:`rules.check_conflicts`).
    """
    title = _one_line(draft.title, field_name="title", label=Message(N_("Tên cuộc họp")), max_length=300, required=True)
    kind = _kind(draft.kind)
    description = refuse_nul(draft.description, "description", Message(N_("Nội dung cuộc họp"))).strip()
    preparation = refuse_nul(draft.preparation, "preparation", Message(N_("Các đơn vị cần chuẩn bị"))).strip()
    rules.check_times(draft.start_at, draft.end_at)
    rules.check_urgent_reason(draft.urgent, draft.urgent_reason)
    urgent_reason = (
        _one_line(
            draft.urgent_reason, field_name="urgent_reason", label=Message(N_("Lý do họp đột xuất")), max_length=500
        )
        if draft.urgent
        else ""
    )
    place = _one_line(draft.place, field_name="place", label=Message(N_("Địa điểm")), max_length=300)
    if not 1 <= draft.last_n <= MAX_LAST_N:
        raise ValidationError(
            N_("Số điểm cầu hiển thị cùng lúc phải từ 1 đến %(max)d."), field="last_n", max=MAX_LAST_N
        )
    agenda = _agenda(draft.agenda)
    site_ids, invitee_ids = _unique(draft.site_ids), _unique(draft.invitee_ids)
    rules.check_people(
        session,
        convening_unit_id=draft.convening_unit_id,
        chair_id=draft.chair_id,
        secretary_id=draft.secretary_id,
        contact_id=draft.contact_id,
    )
    rules.check_sites(session, convening_unit_id=draft.convening_unit_id, site_ids=site_ids)
    rules.check_invitees(session, convening_unit_id=draft.convening_unit_id, invitee_ids=invitee_ids)
    rules.check_conflicts(
        session,
        meeting_id=meeting_id,
        start_at=draft.start_at,
        end_at=draft.end_at,
        chair_id=draft.chair_id,
        site_ids=site_ids,
        tz=tz,
    )
    return replace(
        draft,
        title=title,
        kind=kind,
        urgent_reason=urgent_reason,
        place=place,
        description=description,
        preparation=preparation,
        record_confidential=draft.record_confidential and draft.confidential,
        site_ids=site_ids,
        invitee_ids=invitee_ids,
        agenda=agenda,
    )


def site_ids_of(session: Session, meeting_id: int) -> list[int]:
    rows = session.exec(
        select(MeetingSite.site_id).where(MeetingSite.meeting_id == meeting_id).order_by(col(MeetingSite.id))
    )
    return list(rows.all())


def invitee_ids_of(session: Session, meeting_id: int) -> list[int]:
    rows = session.exec(
        select(MeetingInvitee.person_id).where(MeetingInvitee.meeting_id == meeting_id).order_by(col(MeetingInvitee.id))
    )
    return list(rows.all())


def agenda_of(session: Session, meeting_id: int) -> list[AgendaItem]:
    rows = session.exec(
        select(AgendaItem)
        .where(AgendaItem.meeting_id == meeting_id)
        .order_by(col(AgendaItem.position), col(AgendaItem.id))
    )
    return list(rows.all())


def draft_of(session: Session, meeting: Meeting) -> MeetingDraft:
    """The draft that would recreate ``meeting``: what an edit form starts from."""
    assert meeting.id is not None
    return MeetingDraft(
        title=meeting.title,
        kind=meeting.kind,
        start_at=meeting.start_at,
        end_at=meeting.end_at,
        convening_unit_id=meeting.convening_unit_id,
        chair_id=meeting.chair_id,
        secretary_id=meeting.secretary_id,
        contact_id=meeting.contact_id,
        description=meeting.description,
        preparation=meeting.preparation,
        place=meeting.place,
        urgent=meeting.urgent,
        urgent_reason=meeting.urgent_reason,
        confidential=meeting.confidential,
        record_confidential=meeting.record_confidential,
        site_ids=site_ids_of(session, meeting.id),
        invitee_ids=invitee_ids_of(session, meeting.id),
        agenda=[
            AgendaItemDraft(title=a.title, presenter=a.presenter, planned_minutes=a.planned_minutes)
            for a in agenda_of(session, meeting.id)
        ],
        last_n=meeting.last_n,
    )
