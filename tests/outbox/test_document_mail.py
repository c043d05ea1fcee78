"""Documents added after a meeting was published, sent to those invited: through the outbox worker to a real
SMTP server (aiosmtpd with STARTTLS), the mails parsed back; sending again sends only what is new; a
confidential meeting's documents never leave; only those who manage the meeting may send."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from mailer.testserver import SmtpTestServer
from meetings.audit import AuditEntry
from meetings.document_mail import send_documents, unsent_documents
from meetings.documents import DocumentStore, add_document
from meetings.errors import Forbidden, RuleViolation
from meetings.meeting import Document
from meetings.scheduling import create_meeting, draft_of, publish_meeting, update_meeting
from tests.outbox.test_invitations import run_worker, text_of, to_address
from tests.outbox.world import DOMAIN, HANOI, briefing, build_mail_world, items, mail_settings, settled
from web.room.tokens import read_token

BASE = "https://giaoban.ngockhe.sonha.gov.vn"
# With attachments limited to 8 KB the report is attached and the plan (20 KB) is linked.
REPORT = b"%PDF-1.4\n% bao cao so ket quy\n" + bytes(range(256)) * 12
PLAN = b"PK\x03\x04" + bytes(range(256)) * 80
NOTE = b"%PDF-1.4\n% ghi chu bo sung\n" + bytes(reversed(range(256))) * 4


def attachments_of(message: EmailMessage) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for part in message.iter_attachments():
        name = part.get_filename()
        content = part.get_content()
        assert name is not None and isinstance(content, bytes)
        found[name] = content
    return found


async def test_documents_added_after_publishing_go_to_every_site_once(
    engine: Engine, database_url: str, smtp_server: SmtpTestServer, smtp_url: str, tmp_path: Path
) -> None:
    settings = mail_settings(tmp_path, database_url, smtp_url, mail_attach_max_kb=8)
    store = DocumentStore(settings.data_dir / "documents", max_bytes=10_000_000)
    with Session(engine, expire_on_commit=False) as session:
        world = build_mail_world(session)
        meeting = create_meeting(session, world.secretary, briefing(world), tz=HANOI)
        assert meeting.id is not None
        publish_meeting(session, world.secretary, meeting.id, now=datetime.now(UTC), tz=HANOI)
        report = add_document(
            session, world.secretary, meeting.id, "Báo cáo sơ kết quý.pdf", "application/pdf", REPORT, store
        )
        plan = add_document(session, world.secretary, meeting.id, "Dự thảo kế hoạch.docx", "", PLAN, store)
        assert [d.filename for d in unsent_documents(session, meeting.id)] == [report.filename, plan.filename]

        sent = send_documents(session, world.secretary, meeting.id)
        assert [d.filename for d in sent.documents] == ["Báo cáo sơ kết quý.pdf", "Dự thảo kế hoạch.docx"]
        assert sent.mails == 4  # three communes' units and the guest invited by name
        assert unsent_documents(session, meeting.id) == []
        stored = session.exec(select(Document).where(Document.meeting_id == meeting.id)).all()
        assert {d.mailed_at for d in stored} == {sent.sent_at}
        audit = session.exec(select(AuditEntry).where(AuditEntry.action == "send_documents")).one()
        assert (audit.actor_id, audit.object_type, audit.object_id) == (world.secretary.id, "meeting", meeting.id)
        assert '"Báo cáo sơ kết quý.pdf"' in audit.detail and '"recipients": 4' in audit.detail

        # Pressed again: nothing new, nothing sent, nothing audited.
        again = send_documents(session, world.secretary, meeting.id)
        assert (again.documents, again.mails) == ([], 0)
        assert len(session.exec(select(AuditEntry).where(AuditEntry.action == "send_documents")).all()) == 1

    queued = items(engine, purpose="documents")
    assert sorted(i.destination for i in queued) == sorted(
        [f"ubnd.xa1@{DOMAIN}", f"ubnd.xa2@{DOMAIN}", f"ubnd.xa3@{DOMAIN}", f"khach@{DOMAIN}"]
    )
    await run_worker(settings, engine, settled(engine))
    received = smtp_server.wait_for(8)
    assert len(received) == 8  # four invitations, then four documents mails
    mails = {to_address(m): m.message for m in received if m.message["X-Giaoban-Key"].startswith("mail:documents:")}
    assert sorted(mails) == sorted(i.destination for i in queued)
    commune = mails[f"ubnd.xa1@{DOMAIN}"]
    assert str(commune["Subject"]).startswith("[Tài liệu họp] Giao ban công tác tháng – 08:00 ngày ")
    assert str(commune["To"]) == f"UBND xã Số 1 <ubnd.xa1@{DOMAIN}>"
    assert commune["Content-Language"] == "vi"
    assert attachments_of(commune) == {"Báo cáo sơ kết quý.pdf": REPORT}  # byte for byte; the plan is too large
    assert not [p for p in commune.walk() if p.get_content_type() == "text/calendar"]  # not a calendar change
    text = text_of(commune)
    link = re.search(rf"{re.escape(BASE)}/join/([^\s/]+)(\s|$)", text)
    assert link is not None
    grant = read_token(settings.resolved_secret_key(), link.group(1), now=datetime.now(UTC))
    assert (grant.meeting_id, grant.site_id) == (meeting.id, world.sites[1].id)
    assert "Báo cáo sơ kết quý.pdf (đính kèm thư này)" in text
    # The site's meeting-room PC has no log-in: the plan is downloaded through the site's join link.
    assert f"Dự thảo kế hoạch.docx: {BASE}/join/{link.group(1)}/documents/{plan.id} [20 kB]" in text
    assert f"xem trên trang cuộc họp: {BASE}/meetings/{meeting.id}." in text

    english = mails[f"khach@{DOMAIN}"]
    assert str(english["Subject"]).startswith("[Meeting documents] Giao ban công tác tháng")
    assert english["Content-Language"] == "en"
    assert attachments_of(english) == {"Báo cáo sơ kết quý.pdf": REPORT}
    assert "Documents too large to attach" in text_of(english)
    assert f"{BASE}/meetings/{meeting.id}" in text_of(english)  # a person invited by name logs in on the page

    # A note added later goes out alone.
    with Session(engine, expire_on_commit=False) as session:
        note = add_document(session, world.secretary, meeting.id, "Ghi chú.pdf", "application/pdf", NOTE, store)
        third = send_documents(session, world.secretary, meeting.id)
        assert [d.id for d in third.documents] == [note.id]
    await run_worker(settings, engine, settled(engine))
    later = smtp_server.wait_for(12)[8:]
    assert len(smtp_server.received) == 12
    for mail in later:
        assert attachments_of(mail.message) == {"Ghi chú.pdf": NOTE}
        assert "Báo cáo sơ kết quý.pdf" not in text_of(mail.message)
    assert {i.status for i in items(engine)} == {"delivered"}


def test_the_invitation_and_an_update_count_as_sending_what_they_carry(engine: Engine, tmp_path: Path) -> None:
    store = DocumentStore(tmp_path / "documents", max_bytes=10_000_000)
    with Session(engine, expire_on_commit=False) as session:
        world = build_mail_world(session)
        meeting = create_meeting(session, world.secretary, briefing(world), tz=HANOI)
        assert meeting.id is not None
        before = add_document(session, world.secretary, meeting.id, "Báo cáo.pdf", "", REPORT, store)
        assert before.mailed_at is None  # a draft's documents wait for the invitation
        published_at = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
        publish_meeting(session, world.secretary, meeting.id, now=published_at, tz=HANOI)
        session.refresh(before)
        assert before.mailed_at == published_at
        after = add_document(session, world.secretary, meeting.id, "Kế hoạch.docx", "", PLAN, store)
        assert [d.id for d in unsent_documents(session, meeting.id)] == [after.id]
        # Any change mails an update carrying every document, so the plan goes out with it.
        draft = draft_of(session, meeting)
        draft.place = "Hội trường lớn"
        update_meeting(session, world.secretary, meeting.id, draft, tz=HANOI)
        session.refresh(after)
        session.refresh(before)
        assert after.mailed_at is not None and after.mailed_at > published_at
        assert before.mailed_at == published_at  # kept: it went out first with the invitation
        assert unsent_documents(session, meeting.id) == []


def test_a_confidential_meetings_documents_are_never_mailed(engine: Engine, tmp_path: Path) -> None:
    store = DocumentStore(tmp_path / "documents", max_bytes=10_000_000)
    with Session(engine, expire_on_commit=False) as session:
        world = build_mail_world(session)
        meeting = create_meeting(session, world.secretary, briefing(world, confidential=True), tz=HANOI)
        assert meeting.id is not None
        first = add_document(session, world.secretary, meeting.id, "Báo cáo mật.pdf", "", REPORT, store)
        publish_meeting(session, world.secretary, meeting.id, now=datetime.now(UTC), tz=HANOI)
        add_document(session, world.secretary, meeting.id, "Phụ lục mật.pdf", "", NOTE, store)
        with pytest.raises(RuleViolation, match="Cuộc họp mật: tài liệu không gửi qua thư điện tử") as refused:
            send_documents(session, world.secretary, meeting.id)
        assert refused.value.status_code == 409
        session.refresh(first)
        assert first.mailed_at is None  # the invitation went out without it
        assert len(unsent_documents(session, meeting.id)) == 2
    assert items(engine, purpose="documents") == []
    assert all("Báo cáo mật" not in i.payload for i in items(engine))


def test_only_those_who_manage_the_meeting_send_and_only_while_it_is_announced(engine: Engine, tmp_path: Path) -> None:
    store = DocumentStore(tmp_path / "documents", max_bytes=10_000_000)
    with Session(engine, expire_on_commit=False) as session:
        world = build_mail_world(session)
        meeting = create_meeting(session, world.secretary, briefing(world), tz=HANOI)
        assert meeting.id is not None
        add_document(session, world.secretary, meeting.id, "Báo cáo.pdf", "", REPORT, store)
        with pytest.raises(RuleViolation, match="chỉ gửi tài liệu cho các điểm cầu khi giấy mời đã phát hành"):
            send_documents(session, world.secretary, meeting.id)  # a draft: the invitation will carry it
        publish_meeting(session, world.secretary, meeting.id, now=datetime.now(UTC), tz=HANOI)
        add_document(session, world.secretary, meeting.id, "Kế hoạch.docx", "", PLAN, store)
        with pytest.raises(Forbidden):
            send_documents(session, world.guest, meeting.id)  # a commune official invited to it
        assert len(unsent_documents(session, meeting.id)) == 1
        sent = send_documents(session, world.chair, meeting.id)  # the chair manages it too
        assert [d.filename for d in sent.documents] == ["Kế hoạch.docx"]
        actors = session.exec(select(AuditEntry.actor_id).where(col(AuditEntry.action) == "send_documents")).all()
        assert actors == [world.chair.id]
