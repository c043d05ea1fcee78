"""The bodies of the meeting API: what a client sends to create or edit a meeting, and what it gets back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, RootModel, Strict

from meetings.drafts import MAX_LAST_N, MAX_PLANNED_MINUTES
from meetings.meeting import AgendaItem, Document, Meeting, MeetingKind, MeetingState
from web.api.routing import MAX_ID

Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _to_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


# A time with its zone, written as an ISO 8601 string (never a bare number of seconds).
ZonedTime = Annotated[AwareDatetime, Strict()]

# Answers always give times in UTC ("Z"), whatever zone the client wrote them in.
UtcDateTime = Annotated[datetime, AfterValidator(_to_utc)]
# Enough for any real meeting; bounds keep a careless client from sending a million ids.
MAX_SITES = 500
MAX_INVITEES = 500
MAX_AGENDA = 100


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class AgendaItemIn(_In):
    title: str = Field(min_length=1, max_length=300)
    presenter: str = Field(default="", max_length=200)
    planned_minutes: int = Field(default=10, ge=1, le=MAX_PLANNED_MINUTES)


class AgendaItemOut(_Out):
    id: int
    position: int
    title: str
    presenter: str
    planned_minutes: int

    @classmethod
    def of(cls, item: AgendaItem) -> AgendaItemOut:
        return cls.model_validate(item)


class MeetingCreate(_In):
    """A new meeting (a draft until it is published)."""

    title: str = Field(min_length=1, max_length=300)
    kind: MeetingKind
    start_at: ZonedTime = Field(examples=["2026-03-10T08:00:00+07:00"])
    end_at: ZonedTime = Field(examples=["2026-03-10T11:00:00+07:00"])
    convening_unit_id: Id
    chair_id: Id
    secretary_id: Id | None = None
    contact_id: Id | None = None
    description: str = Field(default="", max_length=20_000)
    preparation: str = Field(default="", max_length=20_000)
    place: str = Field(default="", max_length=300)
    urgent: bool = False
    urgent_reason: str = Field(default="", max_length=500)
    confidential: bool = False
    record_confidential: bool = False
    site_ids: list[Id] = Field(default_factory=list, max_length=MAX_SITES)
    invitee_ids: list[Id] = Field(default_factory=list, max_length=MAX_INVITEES)
    agenda: list[AgendaItemIn] = Field(default_factory=list, max_length=MAX_AGENDA)
    last_n: int = Field(default=8, ge=1, le=MAX_LAST_N, description="Số điểm cầu hiển thị hình cùng lúc")


class MeetingUpdate(_In):
    """The fields to change; those not sent stay as they are. ``agenda`` replaces the whole agenda."""

    title: str | None = Field(default=None, min_length=1, max_length=300)
    kind: MeetingKind | None = None
    start_at: ZonedTime | None = None
    end_at: ZonedTime | None = None
    convening_unit_id: Id | None = None
    chair_id: Id | None = None
    secretary_id: Id | None = None
    contact_id: Id | None = None
    description: str | None = Field(default=None, max_length=20_000)
    preparation: str | None = Field(default=None, max_length=20_000)
    place: str | None = Field(default=None, max_length=300)
    urgent: bool | None = None
    urgent_reason: str | None = Field(default=None, max_length=500)
    confidential: bool | None = None
    record_confidential: bool | None = None
    site_ids: list[Id] | None = Field(default=None, max_length=MAX_SITES)
    invitee_ids: list[Id] | None = Field(default=None, max_length=MAX_INVITEES)
    agenda: list[AgendaItemIn] | None = Field(default=None, max_length=MAX_AGENDA)
    last_n: int | None = Field(default=None, ge=1, le=MAX_LAST_N)


# Fields of MeetingUpdate where an explicit null means "none" rather than "unchanged".
NULLABLE_UPDATE_FIELDS = frozenset({"secretary_id", "contact_id"})


class CancelRequest(_In):
    reason: str = Field(
        default="", max_length=500, description="Lý do huỷ, gửi kèm thông báo huỷ; bắt buộc khi đã phát hành"
    )


class AgendaIn(RootModel[list[AgendaItemIn]]):
    """The whole agenda, in order."""

    root: list[AgendaItemIn] = Field(max_length=MAX_AGENDA)


class MeetingQuery(_In):
    upcoming: bool | None = Field(default=None, description="true: chưa kết thúc; false: đã kết thúc; bỏ trống: tất cả")
    state: MeetingState | None = None


class DocumentOut(_Out):
    id: int
    meeting_id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_by_id: int | None
    uploaded_at: UtcDateTime
    mailed_at: UtcDateTime | None = Field(
        description="Khi tài liệu được gửi thư cho các điểm cầu (kèm giấy mời, thư thay đổi hoặc thư gửi tài liệu); "
        "null: chưa gửi (cuộc họp mật: không bao giờ gửi)"
    )

    @classmethod
    def of(cls, document: Document) -> DocumentOut:
        return cls.model_validate(document)


class DocumentsSent(BaseModel):
    """What one sending of a meeting's documents did."""

    documents: list[DocumentOut] = Field(description="Các tài liệu lần này gửi đi; rỗng khi mọi tài liệu đã gửi")
    mails: int = Field(description="Số thư đưa vào hộp thư đi: một thư cho mỗi điểm cầu và mỗi người được mời")
    sent_at: UtcDateTime | None


class SiteRef(BaseModel):
    id: int
    unit_id: int
    name: str
    unit_name: str


class PersonRef(BaseModel):
    id: int
    full_name: str
    position: str
    unit_id: int


class MeetingSummary(_Out):
    """A meeting in a list."""

    id: int
    uid: str
    title: str
    kind: MeetingKind
    state: MeetingState
    start_at: UtcDateTime
    end_at: UtcDateTime
    convening_unit_id: int
    chair_id: int
    secretary_id: int | None
    place: str
    urgent: bool
    confidential: bool
    sequence: int

    @classmethod
    def of(cls, meeting: Meeting) -> MeetingSummary:
        return cls.model_validate(meeting)


class MeetingOut(MeetingSummary):
    """A meeting with everything that belongs to it."""

    contact_id: int | None
    description: str
    preparation: str
    urgent_reason: str
    record_confidential: bool
    last_n: int
    created_at: UtcDateTime
    updated_at: UtcDateTime
    published_at: UtcDateTime | None
    cancelled_reason: str
    site_ids: list[int]
    invitee_ids: list[int]
    sites: list[SiteRef]
    invitees: list[PersonRef]
    agenda: list[AgendaItemOut]
    documents: list[DocumentOut]
    warnings: list[str] = Field(
        default_factory=list, description="Trùng lịch với các dự thảo khác: chưa phải lỗi, nhưng nên xem lại"
    )
