"""The Giấy mời produced when a meeting is published: numbered, in the Decree 30 form, signed by the demo
certificates, kept as the meeting's document, attached to the invitation mails as a real SMTP server
receives them, and filed to every invited commune — except for a confidential meeting."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from mailer.testserver import SmtpTestServer
from meetings.errors import Conflict, ValidationError
from meetings.meeting import Document, Meeting, MeetingState
from meetings.outbox import OutboxItem
from meetings.people import Person
from meetings.records.filing import EDXML
from meetings.records.numbering import NumberingMode, set_numbering_mode
from meetings.records.signing import load_trust_roots
from meetings.records.verification import check_signatures_async
from meetings.records.vndates import day_month_year
from meetings.scheduling import AgendaItemDraft, create_meeting
from tests.outbox.world import (
    HANOI,
    MailWorld,
    briefing,
    build_mail_world,
    items,
    mail_settings,
    meeting_day,
    settled,
    wait_until,
)
from tests.records.pdfread import flat_text
from tests.smtp_server import make_smtp_server, server_tls_context, tls_ca
from web.context import AppContext, document_store
from web.invitation_publish import publish_meeting_with_invitation, update_with_invitation_now
from web.mail_delivery import outbox_worker
from web.settings import Settings

__all__ = ["make_smtp_server", "server_tls_context", "tls_ca"]  # the SMTP server fixtures


def _world(session: Session) -> MailWorld:
    world = build_mail_world(session)
    world.district.place_name = "Ngọc Khê"
    session.add(world.district)
    session.commit()
    return world


def _draft(session: Session, world: MailWorld, **changes: object) -> int:
    return create_meeting(session, world.secretary, briefing(world, **changes), tz=HANOI).id or 0


def _documents(engine: Engine, meeting_id: int) -> list[Document]:
    with Session(engine) as session:
        return list(session.exec(select(Document).where(Document.meeting_id == meeting_id)).all())


async def test_publishing_issues_a_signed_invitation_that_is_mailed_and_filed(
    engine: Engine, database_url: str, make_smtp_server: Callable[..., SmtpTestServer], tmp_path: Path
) -> None:
    server = make_smtp_server()
    settings = mail_settings(tmp_path, database_url, server.url())
    with Session(engine, expire_on_commit=False) as session:
        world = _world(session)
        meeting_id = _draft(session, world)
    context = AppContext(settings, engine, settings.resolved_secret_key())
    now = datetime.now(UTC)
    await publish_meeting_with_invitation(context, world.secretary, meeting_id, now=now, tz=HANOI)

    [document] = _documents(engine, meeting_id)
    assert (document.filename, document.content_type) == ("Giay-moi-01-GM-UBND.pdf", "application/pdf")
    pdf = document_store(settings).read(document.sha256)
    text = flat_text(pdf)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "UBND HUYỆN NGỌC KHÊ" in text
    assert "Số: 01/GM-UBND" in text
    assert f"Ngọc Khê, {day_month_year(now.astimezone(HANOI).date())}" in text
    assert "GIẤY MỜI" in text and "Giao ban công tác tháng" in text
    assert "Lãnh đạo UBND xã Số 1" in text and "Đồng chí Phạm Văn Khách" in text
    assert f"https://giaoban.ngockhe.sonha.gov.vn/meetings/{meeting_id}" in text

    check = await check_signatures_async(pdf, load_trust_roots([settings.data_dir / "pki" / "demo-ca.pem"]))
    assert [(s.field_name, s.intact, s.valid, s.trusted) for s in check.signatures] == [
        ("signer", True, True, True),
        ("agency", True, True, True),
    ]
    assert check.signatures[0].signer == "Nguyễn Văn Chủ"

    with Session(engine) as session:
        meeting = session.get(Meeting, meeting_id)
        assert meeting is not None and meeting.state == MeetingState.PUBLISHED
    filing = items(engine, kind=EDXML)
    assert sorted(i.destination for i in filing) == ["000.01.12.H49", "000.02.12.H49", "000.03.12.H49"]
    assert {i.purpose for i in filing} == {"invitation"}
    mails = items(engine, kind="mail")
    assert len(mails) == 4  # three communes and the guest
    assert all(i.data()["meeting"]["documents"][0]["sha256"] == document.sha256 for i in mails)

    worker = outbox_worker(settings, engine, settings.resolved_secret_key())
    worker.start()
    try:
        await wait_until(settled(engine), what="the invitations and filing packages", timeout=60)
    finally:
        await worker.stop()
    assert {i.status for i in items(engine)} == {"delivered"}
    assert len(server.received) == 4
    for received in server.received:
        attachments = [p for p in received.message.iter_attachments() if p.get_filename() == document.filename]
        assert len(attachments) == 1, received.rcpt_tos
        assert attachments[0].get_content_type() == "application/pdf"
        assert attachments[0].get_content() == pdf


async def test_a_confidential_meetings_invitation_is_kept_but_neither_mailed_nor_filed(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    settings = mail_settings(tmp_path, database_url)
    with Session(engine, expire_on_commit=False) as session:
        world = _world(session)
        meeting_id = _draft(session, world, confidential=True)
    context = AppContext(settings, engine, settings.resolved_secret_key())
    await publish_meeting_with_invitation(context, world.secretary, meeting_id, now=datetime.now(UTC), tz=HANOI)
    [document] = _documents(engine, meeting_id)
    assert "Số: 01/GM-UBND" in flat_text(document_store(settings).read(document.sha256))
    assert items(engine, kind=EDXML) == []
    mails = items(engine, kind="mail")
    assert mails and all(i.data()["meeting"]["documents"] == [] for i in mails)


def _admin(session: Session, world: MailWorld) -> Person:
    admin = Person(username="quantri", full_name="Quản Trị", unit_id=world.district.id or 0, roles="administrator")
    session.add(admin)
    session.commit()
    return admin


async def test_the_clerk_enters_the_number_from_the_register(engine: Engine, database_url: str, tmp_path: Path) -> None:
    settings = mail_settings(tmp_path, database_url)
    with Session(engine, expire_on_commit=False) as session:
        world = _world(session)
        set_numbering_mode(session, _admin(session, world), world.district.id or 0, NumberingMode.REGISTER)
        session.commit()
        meeting_id = _draft(session, world)
    context = AppContext(settings, engine, settings.resolved_secret_key())
    now = datetime.now(UTC)
    with pytest.raises(ValidationError) as missing:
        await publish_meeting_with_invitation(context, world.secretary, meeting_id, now=now, tz=HANOI)
    assert missing.value.field == "number" and "sổ đăng ký" in missing.value.message
    assert _documents(engine, meeting_id) == [] and items(engine) == []

    await publish_meeting_with_invitation(context, world.secretary, meeting_id, now=now, tz=HANOI, entered="7")
    [document] = _documents(engine, meeting_id)
    assert document.filename == "Giay-moi-07-GM-UBND.pdf"
    assert "Số: 07/GM-UBND" in flat_text(document_store(settings).read(document.sha256))

    with Session(engine, expire_on_commit=False) as session:
        day = meeting_day(12)
        other = _draft(session, world, title="Họp chuyên đề", start_at=day, end_at=day + timedelta(hours=2))
    with pytest.raises(Conflict) as used:
        await publish_meeting_with_invitation(context, world.secretary, other, now=now, tz=HANOI, entered="07")
    assert used.value.field == "number" and "07/GM-UBND" in used.value.message


async def test_a_retry_after_a_failure_reuses_the_reserved_number(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    settings = mail_settings(tmp_path, database_url)
    with Session(engine, expire_on_commit=False) as session:
        world = _world(session)
        meeting_id = _draft(session, world)
    broken = Settings(**{**settings.model_dump(), "signing_agency_p12": tmp_path / "missing.p12"})
    context = AppContext(broken, engine, settings.resolved_secret_key())
    now = datetime.now(UTC)
    with pytest.raises(ValidationError) as refused:
        await publish_meeting_with_invitation(context, world.secretary, meeting_id, now=now, tz=HANOI)
    assert refused.value.field == "certificate" and "missing.p12" in refused.value.message
    assert _documents(engine, meeting_id) == [] and items(engine) == []

    context = AppContext(settings, engine, settings.resolved_secret_key())
    await publish_meeting_with_invitation(context, world.secretary, meeting_id, now=now, tz=HANOI)
    [document] = _documents(engine, meeting_id)
    assert document.filename == "Giay-moi-01-GM-UBND.pdf"  # not 02: the number was kept for the meeting
    with Session(engine) as session:
        numbers = session.exec(select(OutboxItem.id).where(col(OutboxItem.kind) == EDXML)).all()
        assert len(numbers) == 3


async def test_a_change_to_what_the_invitation_says_issues_a_new_one(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    settings = mail_settings(tmp_path, database_url)
    with Session(engine, expire_on_commit=False) as session:
        world = _world(session)
        meeting_id = _draft(session, world)
    context = AppContext(settings, engine, settings.resolved_secret_key())
    now = datetime.now(UTC)
    await publish_meeting_with_invitation(context, world.secretary, meeting_id, now=now, tz=HANOI)
    [first] = _documents(engine, meeting_id)

    # The agenda is not printed on the Giấy mời: no new one, the change is saved as usual by the caller.
    agenda_only = briefing(world, agenda=[AgendaItemDraft("Báo cáo tình hình", "Văn phòng", 30)])
    assert not await asyncio.to_thread(
        update_with_invitation_now, context, world.secretary, meeting_id, agenda_only, now=now, tz=HANOI
    )
    assert [d.filename for d in _documents(engine, meeting_id)] == ["Giay-moi-01-GM-UBND.pdf"]

    later = meeting_day() + timedelta(hours=1)
    moved = briefing(world, start_at=later, end_at=later + timedelta(hours=3), place="Hội trường B")
    assert await asyncio.to_thread(
        update_with_invitation_now, context, world.secretary, meeting_id, moved, now=now, tz=HANOI
    )
    [second] = _documents(engine, meeting_id)  # the first one is superseded
    assert second.filename == "Giay-moi-02-GM-UBND.pdf"
    text = flat_text(document_store(settings).read(second.sha256))
    assert "Số: 02/GM-UBND" in text and "Hội trường B" in text and "09 giờ 00 phút" in text
    assert document_store(settings).read(first.sha256)  # kept in the store
    updates = items(engine, kind="mail", purpose="update")
    assert len(updates) == 4
    assert all([d["sha256"] for d in i.data()["meeting"]["documents"]] == [second.sha256] for i in updates)
    filing = items(engine, kind=EDXML)
    assert len(filing) == 6 and sum("02/GM-UBND" in i.data()["document_id"] for i in filing) == 3
