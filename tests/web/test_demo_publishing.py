"""The demo's meetings published as the secretary would: signed Giấy mời, invitation mails delivered to the
local mail folder by the service's own outbox worker, filing packages; and nothing more the second time."""

from __future__ import annotations

import asyncio
import mailbox
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from meetings.demo import seed_demo
from meetings.meeting import Document, Meeting, MeetingState
from meetings.records.filing import EDXML
from meetings.records.signing import load_trust_roots
from meetings.records.verification import check_signatures_async
from tests.meetings.test_demo import FAST
from tests.outbox.world import items, mail_settings, settled, wait_until
from web.context import document_store
from web.demo_publishing import seed_and_publish
from web.mail_delivery import outbox_worker

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
# Wednesday 28/04/2027, 09:10 in Hà Nội: the briefing goes to Thursday 06/05 (30/04 and 03/05 are holidays),
# the urgent meeting is at 10:00 the same morning.
NOW = datetime(2027, 4, 28, 9, 10, tzinfo=HCM)
COMMUNES = [f"000.{n:02d}.12.H49" for n in range(1, 11)]
MOUNTAIN = ["000.04.12.H49", "000.08.12.H49", "000.09.12.H49", "000.10.12.H49"]


def _meetings(engine: Engine) -> list[Meeting]:
    with Session(engine) as session:
        return list(session.exec(select(Meeting).order_by(col(Meeting.id))).all())


def _documents(engine: Engine, meeting_id: int) -> list[Document]:
    with Session(engine) as session:
        return list(session.exec(select(Document).where(Document.meeting_id == meeting_id)).all())


async def test_the_demo_publishes_the_briefing_and_the_urgent_meeting(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    settings = mail_settings(tmp_path, database_url)  # no SMTP server: the local mail folder
    with Session(engine) as session:
        seed_demo(session, hasher=FAST)
    outcome = await asyncio.to_thread(seed_and_publish, settings, engine, now=NOW)
    assert outcome.problems == []
    assert outcome.lines == [
        "- Giao ban công tác tuần với các xã, thị trấn (08:00–10:00 ngày 06/05/2027): published with its Giấy mời",
        "- Họp chuyên đề chuyển đổi số cấp xã (14:00–16:30 ngày 10/05/2027): draft",
        "- Triển khai ứng phó mưa lớn, lũ quét (10:00–11:00 ngày 28/04/2027): published with its Giấy mời",
    ]
    briefing, thematic, urgent = _meetings(engine)
    assert [m.state for m in (briefing, thematic, urgent)] == [
        MeetingState.PUBLISHED, MeetingState.DRAFT, MeetingState.PUBLISHED,
    ]  # fmt: skip
    assert briefing.published_at == NOW and urgent.published_at == NOW
    assert _documents(engine, thematic.id or 0) == []

    # Each published meeting has its Giấy mời, numbered in order and signed by the chair and the district
    # with the demo certificate authority's certificates.
    trust = load_trust_roots([settings.data_dir / "pki" / "demo-ca.pem"])
    pdfs = {}
    for meeting, number in ((briefing, "01"), (urgent, "02")):
        [document] = _documents(engine, meeting.id or 0)
        assert document.filename == f"Giay-moi-{number}-GM-UBND.pdf"
        pdf = document_store(settings).read(document.sha256)
        check = await check_signatures_async(pdf, trust, now=NOW)
        assert [(s.field_name, s.signer, s.intact, s.valid, s.trusted) for s in check.signatures] == [
            ("signer", "Hoàng Văn Minh", True, True, True),
            ("agency", "UBND huyện Ngọc Khê", True, True, True),
        ]
        pdfs[document.filename] = pdf

    # Invitations to the district's office and each invited commune, the Giấy mời filed with the communes.
    mails = items(engine, kind="mail")
    assert [(i.meeting_id, i.destination) for i in mails] == [
        (briefing.id, "vanphong@ngockhe.sonha.gov.vn"), (briefing.id, "ubnd.tt-ngoc-khe@ngockhe.sonha.gov.vn"),
        (briefing.id, "ubnd.xa-tan-lap@ngockhe.sonha.gov.vn"), (briefing.id, "ubnd.xa-hoa-binh@ngockhe.sonha.gov.vn"),
        (briefing.id, "ubnd.xa-phuc-son@ngockhe.sonha.gov.vn"), (briefing.id, "ubnd.xa-dong-tam@ngockhe.sonha.gov.vn"),
        (briefing.id, "ubnd.xa-thanh-van@ngockhe.sonha.gov.vn"),
        (briefing.id, "ubnd.xa-minh-khai@ngockhe.sonha.gov.vn"),
        (briefing.id, "ubnd.xa-yen-thinh@ngockhe.sonha.gov.vn"),
        (briefing.id, "ubnd.xa-ban-giang@ngockhe.sonha.gov.vn"),
        (briefing.id, "ubnd.xa-quyet-tien@ngockhe.sonha.gov.vn"),
        (urgent.id, "vanphong@ngockhe.sonha.gov.vn"), (urgent.id, "ubnd.xa-phuc-son@ngockhe.sonha.gov.vn"),
        (urgent.id, "ubnd.xa-yen-thinh@ngockhe.sonha.gov.vn"), (urgent.id, "ubnd.xa-ban-giang@ngockhe.sonha.gov.vn"),
        (urgent.id, "ubnd.xa-quyet-tien@ngockhe.sonha.gov.vn"),
    ]  # fmt: skip
    assert {i.purpose for i in mails} == {"invitation"}
    filing = items(engine, kind=EDXML)
    assert [(i.meeting_id, i.destination) for i in filing] == [
        *((briefing.id, code) for code in COMMUNES), *((urgent.id, code) for code in MOUNTAIN),
    ]  # fmt: skip

    # The service's outbox worker takes them like any other: the mails land in the local mail folder,
    # each with its meeting's Giấy mời.
    worker = outbox_worker(settings, engine, settings.resolved_secret_key())
    worker.start()
    try:
        await wait_until(settled(engine), what="the demo's invitations and filing packages", timeout=60)
    finally:
        await worker.stop()
    assert {i.status for i in items(engine)} == {"delivered"}
    folder = mailbox.Maildir(settings.data_dir / "mail", create=False)
    received = [message_from_bytes(m.as_bytes(), policy=policy.default) for m in folder]
    assert len(received) == 16
    subjects = set()
    for message in received:
        assert isinstance(message, EmailMessage)
        subjects.add(str(message["Subject"]))
        [attachment] = [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
        assert attachment.get_content() == pdfs[str(attachment.get_filename())]
    assert subjects == {
        "[Giấy mời] Giao ban công tác tuần với các xã, thị trấn – 08:00 ngày 06/05/2027",
        "[Giấy mời họp đột xuất] Triển khai ứng phó mưa lớn, lũ quét – 10:00 ngày 28/04/2027",
    }

    # Seeding again makes and publishes nothing more.
    again = await asyncio.to_thread(seed_and_publish, settings, engine, now=NOW)
    assert (again.made, again.lines, again.problems) == (None, [], [])
    assert len(_meetings(engine)) == 3 and len(items(engine)) == 16 + 14


def test_outside_development_the_demo_publishes_nothing(engine: Engine, database_url: str, tmp_path: Path) -> None:
    # A demo seeded on a production server must not mail anyone: its meetings stay drafts.
    settings = mail_settings(tmp_path, database_url).model_copy(update={"environment": "production"})
    with Session(engine) as session:
        seed_demo(session, hasher=FAST)
    outcome = seed_and_publish(settings, engine, now=NOW)
    assert outcome.problems == [
        "the demo's meetings are left as drafts in the production environment: publishing them would mail "
        "their invitations; publish them from their pages if that is wanted"
    ]
    assert [line.rsplit(": ", 1)[1] for line in outcome.lines] == ["draft", "draft", "draft"]
    assert {m.state for m in _meetings(engine)} == {MeetingState.DRAFT}
    assert items(engine) == []
