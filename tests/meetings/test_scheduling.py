"""Creating, editing, publishing and cancelling meetings: validation, notice, lifecycle, audit, access."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from meetings.audit import AuditEntry
from meetings.documents import DocumentStore
from meetings.errors import Forbidden, NotFound, RuleViolation, ValidationError
from meetings.meeting import AgendaItem, Meeting, MeetingState
from meetings.minutes import approval
from meetings.minutes.editing import save_minutes
from meetings.minutes.issuing import IssueServices
from meetings.minutes.signers import DemoSigningKeys
from meetings.outbox import OutboxItem
from meetings.outbox_worker import OutboxWorker
from meetings.records.filing import EDXML, PackageStore, mark_filed_if_complete
from meetings.records.filing_delivery import FilingDeliverer
from meetings.records.filing_transport import FolderTransport
from meetings.scheduling import (
    AgendaItemDraft,
    cancel_meeting,
    create_meeting,
    draft_of,
    end_meeting,
    get_meeting,
    list_meetings,
    meeting_detail,
    publish_meeting,
    start_meeting,
    update_meeting,
)
from meetings.workdays import add_holiday
from tests.meetings.world import HANOI, NOW, World, briefing, build_world, local


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def _audit(session: Session) -> list[tuple[str, str, int | None]]:
    entries = session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all()
    return [(e.action, e.object_type, e.object_id) for e in entries]


def _state(session: Session, meeting_id: int) -> MeetingState:
    session.expire_all()
    meeting = session.get(Meeting, meeting_id)
    assert meeting is not None
    return meeting.state


def _count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Meeting)).one()


def test_create_stores_a_draft_with_sites_agenda_and_people(session: Session, world: World) -> None:
    draft = briefing(
        world,
        title="  Giao ban   tháng 3 ",
        invitee_ids=[world.pid("official_b"), world.pid("official_b")],
        site_ids=[world.site("district"), world.site("a"), world.site("a")],
    )
    meeting = create_meeting(session, world.person("secretary_d"), draft, tz=HANOI)
    assert meeting.id is not None
    assert meeting.title == "Giao ban tháng 3"
    assert meeting.state == MeetingState.DRAFT
    assert meeting.sequence == 0
    assert meeting.created_by_id == world.pid("secretary_d")

    detail = meeting_detail(session, meeting)
    assert detail.unit.name == "UBND huyện Ngọc Khê"
    assert detail.chair.full_name == "Nguyễn Văn Chủ"
    assert detail.secretary is not None and detail.secretary.full_name == "Lê Thị Thư"
    assert detail.contact is not None and detail.contact.username == "official_d"
    assert [(s.site.name, s.unit.name) for s in detail.sites] == [
        ("Phòng họp UBND huyện Ngọc Khê", "UBND huyện Ngọc Khê"),
        ("Hội trường xã An Phú", "UBND xã An Phú"),
    ]
    assert [p.username for p in detail.invitees] == ["official_b"]
    assert [(a.position, a.title, a.presenter, a.planned_minutes) for a in detail.agenda] == [
        (1, "Báo cáo tình hình tháng 2", "Văn phòng", 20),
        (2, "Ý kiến các xã", "", 60),
    ]
    assert detail.documents == []
    assert _audit(session) == [("create", "meeting", meeting.id)]

    # Read back from the database: times are aware and equal to what was given.
    session.expire_all()
    again = session.get(Meeting, meeting.id)
    assert again is not None and again.start_at == local(2026, 3, 9, 8)
    assert draft_of(session, again).site_ids == [world.site("district"), world.site("a")]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": "   "}, "title", "Tên cuộc họp không được để trống."),
        ({"title": "x" * 301}, "title", "Tên cuộc họp dài quá 300 ký tự."),
        ({"kind": "party"}, "kind", None),
        ({"end_at": local(2026, 3, 9, 8)}, "end_at", "Thời gian kết thúc phải sau thời gian bắt đầu."),
        ({"end_at": local(2026, 3, 9, 7)}, "end_at", "Thời gian kết thúc phải sau thời gian bắt đầu."),
        ({"start_at": datetime(2026, 3, 9, 8)}, "start_at", "Thời gian bắt đầu phải kèm múi giờ."),
        ({"urgent": True, "urgent_reason": ""}, "urgent_reason", "Họp đột xuất phải ghi rõ lý do."),
        ({"chair_id": 999_999}, "chair_id", "Không tìm thấy người chủ trì (mã 999999)."),
        ("chair_a", "chair_id",
         "Hoàng Văn An không thuộc đơn vị triệu tập «UBND huyện Ngọc Khê», không thể làm người chủ trì."),
        ("secretary_d", "chair_id", "Lê Thị Thư không có vai trò người chủ trì trong danh bạ."),
        ("retired", "chair_id", "Tài khoản của Cán bộ đã nghỉ đã ngừng hoạt động, không thể làm người chủ trì."),
        ({"secretary_id": "chair_d"}, "secretary_id", "Thư ký phải là người khác với người chủ trì."),
        ({"secretary_id": "official_d"}, "secretary_id", "Phạm Văn Cán không có vai trò thư ký trong danh bạ."),
        ({"contact_id": "official_a"}, "contact_id", None),
        ({"site_ids": ["c"]}, "site_ids",
         "Điểm cầu «Phòng họp xã Cát Tiên» không thuộc đơn vị «UBND huyện Ngọc Khê» hay đơn vị cấp dưới của nó."),
        ({"site_ids": ["province"]}, "site_ids", None),  # the parent's room is not below
        ({"site_ids": ["a_closed"]}, "site_ids", "Điểm cầu «Phòng cũ xã An Phú» đã ngừng sử dụng."),
        ({"site_ids": [424242]}, "site_ids", "Không tìm thấy điểm cầu (mã 424242)."),
        ({"invitee_ids": ["official_c"]}, "invitee_ids",
         "Ngô Thị Cát không thuộc đơn vị «UBND huyện Ngọc Khê» hay đơn vị cấp dưới của nó."),
        ({"last_n": 0}, "last_n", None),
        ({"end_at": datetime(2026, 3, 9, 11)}, "end_at", "Thời gian kết thúc phải kèm múi giờ."),
        ({"convening_unit_id": 777}, "convening_unit_id", "Không tìm thấy đơn vị triệu tập (mã 777)."),
        ({"invitee_ids": ["retired"]}, "invitee_ids", "Tài khoản của Cán bộ đã nghỉ đã ngừng hoạt động."),
        ({"contact_id": 555_555}, "contact_id", "Không tìm thấy người liên hệ (mã 555555)."),
        ({"place": "p" * 301}, "place", "Địa điểm dài quá 300 ký tự."),
        ({"agenda": [AgendaItemDraft("")]}, "agenda", "Mục 1 của chương trình: nội dung không được để trống."),
        ({"agenda": [AgendaItemDraft("A"), AgendaItemDraft("B", planned_minutes=0)]}, "agenda",
         "Mục 2 của chương trình: thời lượng phải từ 1 đến 600 phút."),
    ],
)  # fmt: skip
def test_bad_drafts_are_refused_with_the_field_and_nothing_is_written(
    session: Session, world: World, changes: dict[str, object] | str, field: str, message: str | None
) -> None:
    if isinstance(changes, str):  # a person key for the chair
        changes = {"chair_id": world.pid(changes)}
    resolved: dict[str, object] = {}
    for name, value in changes.items():  # names of sites and people become their ids
        if name == "site_ids" and isinstance(value, list):
            resolved[name] = [world.site(v) if isinstance(v, str) else v for v in value]
        elif name == "invitee_ids" and isinstance(value, list):
            resolved[name] = [world.pid(v) for v in value]
        elif name in ("secretary_id", "contact_id") and isinstance(value, str):
            resolved[name] = world.pid(value)
        else:
            resolved[name] = value
    with pytest.raises(ValidationError) as refused:
        create_meeting(session, world.person("admin"), briefing(world, **resolved), tz=HANOI)
    assert refused.value.field == field
    if message is not None:
        assert refused.value.message == message
    assert _count(session) == 0
    assert _audit(session) == []


def test_units_below_at_any_depth_and_in_the_two_level_structure(session: Session, world: World) -> None:
    province_meeting = briefing(
        world,
        title="Hội nghị trực tuyến toàn tỉnh",
        convening_unit_id=world.province.id,
        chair_id=world.pid("chair_p"),
        secretary_id=world.pid("secretary_p"),
        contact_id=None,
        # The province's own room, a commune two levels down, and a commune right under the province.
        site_ids=[world.site("province"), world.site("a"), world.site("x")],
        invitee_ids=[world.pid("official_c")],
    )
    meeting = create_meeting(session, world.person("chair_p"), province_meeting, tz=HANOI)
    assert [s.unit.name for s in meeting_detail(session, meeting).sites] == [
        "UBND tỉnh Sơn Hà",
        "UBND xã An Phú",
        "UBND xã Xuân Lộc",
    ]


def test_publish_checks_the_notice_and_records_it(session: Session, world: World) -> None:
    secretary = world.person("secretary_d")
    soon = create_meeting(
        session, secretary, briefing(world, start_at=local(2026, 3, 5, 8), end_at=local(2026, 3, 5, 10)), tz=HANOI
    )
    assert soon.id is not None
    with pytest.raises(RuleViolation) as refused:
        publish_meeting(session, secretary, soon.id, now=NOW, tz=HANOI)
    assert refused.value.field == "start_at"
    assert "chỉ còn 2 ngày làm việc" in refused.value.message
    assert "sang ngày 06/03/2026" in refused.value.message

    # Urgent, with a reason: allowed the next day.
    urgent = briefing(
        world, start_at=local(2026, 3, 3, 8), end_at=local(2026, 3, 3, 9), urgent=True, urgent_reason="Ứng phó bão"
    )
    update_meeting(session, secretary, soon.id, urgent, tz=HANOI)
    published = publish_meeting(session, secretary, soon.id, now=NOW, tz=HANOI)
    assert published.state == MeetingState.PUBLISHED
    assert published.published_at == NOW
    assert published.sequence == 0
    assert [a for a, _, _ in _audit(session)] == ["create", "update", "publish"]


def test_holidays_declared_later_count_at_publish_time(session: Session, world: World) -> None:
    secretary = world.person("secretary_d")
    meeting = create_meeting(session, secretary, briefing(world), tz=HANOI)  # Monday 09/03: 4 working days
    assert meeting.id is not None
    add_holiday(session, world.person("admin"), local(2026, 3, 4).date(), "Ngày nghỉ giả định")
    add_holiday(session, world.person("admin"), local(2026, 3, 5).date(), "Ngày nghỉ giả định")
    with pytest.raises(RuleViolation, match="chỉ còn 2 ngày làm việc"):
        publish_meeting(session, secretary, meeting.id, now=NOW, tz=HANOI)


def _issue_services(folder: Path) -> IssueServices:
    return IssueServices(
        keys=DemoSigningKeys(folder / "pki"),
        documents=DocumentStore(folder / "documents", max_bytes=10 * 1024 * 1024),
        packages=PackageStore(folder / "packages"),
        tz=HANOI,
    )


def _deliver_filing(engine: Engine, folder: Path) -> int:
    """What the app's outbox worker does: hand every due filing package to the document system (here its
    drop folder). Returns how many packages went."""
    transport = FolderTransport(folder / "drop", folder / "inbox")
    worker = OutboxWorker(engine, {EDXML: FilingDeliverer(engine, transport, PackageStore(folder / "packages"))})
    return asyncio.run(worker.run_once())


def test_lifecycle_to_filed(session: Session, engine: Engine, world: World, tmp_path: Path) -> None:
    chair = world.person("chair_d")
    meeting = create_meeting(session, chair, briefing(world), tz=HANOI)
    mid = meeting.id
    assert mid is not None
    with pytest.raises(RuleViolation) as early:
        start_meeting(session, chair, mid, now=NOW)
    assert early.value.message == (
        "Cuộc họp «Giao ban tháng 3» đang ở trạng thái «Dự thảo», không thể chuyển sang «Đang họp». "
        "Từ trạng thái này chỉ có thể chuyển sang: Đã huỷ, Đã phát hành giấy mời."
    )
    publish_meeting(session, chair, mid, now=NOW, tz=HANOI)
    with pytest.raises(RuleViolation, match="không thể chuyển sang «Đã phát hành giấy mời»"):
        publish_meeting(session, chair, mid, now=NOW, tz=HANOI)
    assert start_meeting(session, chair, mid, now=local(2026, 3, 9, 7, 55)).state == MeetingState.LIVE
    with pytest.raises(RuleViolation, match="«Đang họp», không thể chuyển sang «Đã huỷ»"):
        cancel_meeting(session, chair, mid, "Đổi ý")
    with pytest.raises(RuleViolation, match="không sửa được nữa"):
        update_meeting(session, chair, mid, briefing(world, title="Đổi tên"), tz=HANOI, now=NOW)
    assert end_meeting(session, chair, mid, now=local(2026, 3, 9, 11)).state == MeetingState.ENDED
    # Nothing here skips the minutes: the records cannot be filed before they are approved, and they are
    # approved only by the chair's approval of the secretary's minutes (meetings.minutes.approval).
    assert not mark_filed_if_complete(session, mid)
    services = _issue_services(tmp_path)
    with pytest.raises(RuleViolation, match="Biên bản chưa có nội dung"):
        approval.approve(session, chair, mid, services=services, now=local(2026, 3, 9, 11, 30))
    assert _state(session, mid) == MeetingState.ENDED
    first_item = session.exec(select(AgendaItem.id).where(AgendaItem.meeting_id == mid)).first()
    content = {"items": {str(first_item): "Văn phòng báo cáo."}, "conclusions": "Các xã hoàn thành trong tháng 3."}
    save_minutes(session, world.person("secretary_d"), mid, content, base_version=0, now=local(2026, 3, 9, 11, 20))
    minutes = approval.approve(session, chair, mid, services=services, now=local(2026, 3, 9, 11, 30))
    assert minutes.document_id is not None  # numbered, rendered and signed
    assert _state(session, mid) == MeetingState.MINUTES_APPROVED
    # Filed only once the document system has taken the Biên bản's packages: not while they wait.
    filing = select(OutboxItem).where(OutboxItem.meeting_id == mid, OutboxItem.kind == EDXML)
    packages = session.exec(filing.order_by(col(OutboxItem.id))).all()
    # The district's own register and the two communes invited.
    assert [(p.destination, p.status) for p in packages] == [
        ("000.00.12.H49", "pending"), ("000.01.12.H49", "pending"), ("000.02.12.H49", "pending"),
    ]  # fmt: skip
    assert not mark_filed_if_complete(session, mid)
    assert _state(session, mid) == MeetingState.MINUTES_APPROVED
    assert _deliver_filing(engine, tmp_path) == 3
    assert len(list((tmp_path / "drop").iterdir())) == 3
    assert _state(session, mid) == MeetingState.FILED
    with pytest.raises(RuleViolation, match=r"«Đã lưu hồ sơ», không thể chuyển sang «Đã huỷ»\.$"):
        cancel_meeting(session, chair, mid, "x")
    entries = session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all()
    assert [(e.action, e.actor_id) for e in entries] == [
        ("create", chair.id), ("publish", chair.id), ("start", chair.id), ("end", chair.id),
        ("approve_minutes", chair.id), ("issue_minutes", chair.id), ("file", None),
    ]  # fmt: skip


def test_updating_a_published_meeting_raises_its_sequence(session: Session, world: World) -> None:
    chair = world.person("chair_d")
    meeting = create_meeting(session, chair, briefing(world), tz=HANOI)
    mid = meeting.id
    assert mid is not None
    update_meeting(session, chair, mid, briefing(world, place="Hội trường lớn"), tz=HANOI, now=NOW)
    assert meeting.sequence == 0  # drafts have no sequence yet
    publish_meeting(session, chair, mid, now=NOW, tz=HANOI)

    unchanged = update_meeting(session, chair, mid, briefing(world, place="Hội trường lớn"), tz=HANOI, now=NOW)
    assert unchanged.sequence == 0  # nothing changed, nothing to resend

    later = briefing(world, place="Hội trường lớn", start_at=local(2026, 3, 9, 14), end_at=local(2026, 3, 9, 16))
    assert update_meeting(session, chair, mid, later, tz=HANOI, now=local(2026, 3, 6, 9)).sequence == 1
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "update")).all()[-1]
    assert json.loads(entry.detail) == {"changed": ["start_at", "end_at"], "sequence": 1}

    # Earlier again, on Friday 06/03: Monday has no notice left (0 working days in between).
    earlier = briefing(world, place="Hội trường lớn")
    with pytest.raises(RuleViolation, match="chỉ còn 0 ngày làm việc"):
        update_meeting(session, chair, mid, earlier, tz=HANOI, now=local(2026, 3, 6, 9))
    with pytest.raises(ValidationError, match="Không đổi được đơn vị triệu tập"):
        update_meeting(session, chair, mid, briefing(world, convening_unit_id=world.commune_a.id), tz=HANOI)
    assert session.get(Meeting, mid).sequence == 1  # type: ignore[union-attr]

    cancelled = cancel_meeting(session, chair, mid, "  Trùng   lịch họp của tỉnh ")
    assert cancelled.state == MeetingState.CANCELLED
    assert cancelled.cancelled_reason == "Trùng lịch họp của tỉnh"
    assert cancelled.sequence == 2


def test_cancelling_a_published_meeting_needs_a_reason(session: Session, world: World) -> None:
    chair = world.person("chair_d")
    draft_only = create_meeting(session, chair, briefing(world, title="Nháp"), tz=HANOI)
    assert draft_only.id is not None
    assert cancel_meeting(session, chair, draft_only.id, "").state == MeetingState.CANCELLED
    meeting = create_meeting(session, chair, briefing(world), tz=HANOI)
    assert meeting.id is not None
    publish_meeting(session, chair, meeting.id, now=NOW, tz=HANOI)
    with pytest.raises(ValidationError) as refused:
        cancel_meeting(session, chair, meeting.id, "   ")
    assert refused.value.field == "reason"
    with pytest.raises(ValidationError, match=r"Lý do huỷ dài quá 500 ký tự\."):
        cancel_meeting(session, chair, meeting.id, "x" * 501)


def test_only_the_convening_units_managers_may_change_a_meeting(session: Session, world: World) -> None:
    with pytest.raises(Forbidden):
        create_meeting(session, world.person("official_d"), briefing(world), tz=HANOI)
    with pytest.raises(Forbidden):
        create_meeting(session, world.person("chair_a"), briefing(world), tz=HANOI)
    meeting = create_meeting(session, world.person("secretary_d"), briefing(world), tz=HANOI)
    mid = meeting.id
    assert mid is not None
    for outsider in ("official_d", "chair_a", "official_a", "chair_p"):
        who = world.person(outsider)
        with pytest.raises(Forbidden):
            update_meeting(session, who, mid, briefing(world, title="Sửa trộm"), tz=HANOI)
        with pytest.raises(Forbidden):
            publish_meeting(session, who, mid, now=NOW, tz=HANOI)
        with pytest.raises(Forbidden):
            cancel_meeting(session, who, mid, "x")
    with pytest.raises(NotFound, match="Không tìm thấy cuộc họp"):
        publish_meeting(session, world.person("admin"), 987654, now=NOW, tz=HANOI)
    assert publish_meeting(session, world.person("admin"), mid, now=NOW, tz=HANOI).state == MeetingState.PUBLISHED


def test_a_meeting_ended_before_its_planned_end_is_past_not_upcoming(session: Session, world: World) -> None:
    chair = world.person("chair_d")
    meeting = create_meeting(session, chair, briefing(world), tz=HANOI)  # planned 08:00-11:00, 9 March
    mid = meeting.id
    assert mid is not None
    publish_meeting(session, chair, mid, now=NOW, tz=HANOI)
    start_meeting(session, chair, mid, now=local(2026, 3, 9, 8))
    during = local(2026, 3, 9, 9, 30)

    def titles(upcoming: bool) -> list[str]:
        return [m.title for m in list_meetings(session, chair, upcoming=upcoming, now=during)]

    assert titles(upcoming=True) == ["Giao ban tháng 3"]
    assert titles(upcoming=False) == []
    end_meeting(session, chair, mid, now=during)
    assert titles(upcoming=True) == []
    assert titles(upcoming=False) == ["Giao ban tháng 3"]


def test_who_sees_which_meeting(session: Session, world: World) -> None:
    chair = world.person("chair_d")
    published = create_meeting(session, chair, briefing(world), tz=HANOI)
    assert published.id is not None
    publish_meeting(session, chair, published.id, now=NOW, tz=HANOI)
    draft = create_meeting(
        session,
        chair,
        briefing(world, title="Dự thảo họp tháng 4", start_at=local(2026, 4, 6, 8), end_at=local(2026, 4, 6, 10)),
        tz=HANOI,
    )
    named = create_meeting(
        session,
        chair,
        briefing(
            world,
            title="Họp với cán bộ xã Bình Minh",
            start_at=local(2026, 3, 9, 14),
            end_at=local(2026, 3, 9, 15),
            site_ids=[world.site("district")],
            invitee_ids=[world.pid("official_b")],
        ),
        tz=HANOI,
    )
    assert named.id is not None
    publish_meeting(session, chair, named.id, now=NOW, tz=HANOI)

    def titles(who: str, upcoming: bool | None = True) -> list[str]:
        return [m.title for m in list_meetings(session, world.person(who), upcoming=upcoming, now=NOW)]

    everything = ["Giao ban tháng 3", "Họp với cán bộ xã Bình Minh", "Dự thảo họp tháng 4"]
    assert titles("admin") == everything
    assert titles("chair_d") == everything
    assert titles("secretary_d") == everything
    assert titles("official_d") == ["Giao ban tháng 3", "Họp với cán bộ xã Bình Minh"]
    assert titles("official_a") == ["Giao ban tháng 3"]
    assert titles("operator_a") == ["Giao ban tháng 3"]
    assert titles("official_b") == ["Giao ban tháng 3", "Họp với cán bộ xã Bình Minh"]
    assert titles("official_c") == []
    assert titles("chair_p") == []  # the province is above, not invited
    assert titles("admin", upcoming=False) == []
    after = local(2026, 3, 31)
    assert [m.title for m in list_meetings(session, world.person("admin"), upcoming=False, now=after)] == [
        "Họp với cán bộ xã Bình Minh",
        "Giao ban tháng 3",
    ]
    assert [m.title for m in list_meetings(session, world.person("official_a"), upcoming=None, now=after)] == [
        "Giao ban tháng 3"
    ]

    assert get_meeting(session, world.person("official_a"), published.id).title == "Giao ban tháng 3"
    assert draft.id is not None
    with pytest.raises(Forbidden):
        get_meeting(session, world.person("official_a"), draft.id)
    with pytest.raises(Forbidden):
        get_meeting(session, world.person("official_c"), published.id)
    with pytest.raises(NotFound):
        get_meeting(session, world.person("admin"), 987654)
