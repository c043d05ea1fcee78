"""Publishing, editing and cancelling a meeting, delivered through the outbox worker to a real SMTP server
(STARTTLS, AUTH, trustme certificates): headers, parts, attachments and the calendar part."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from icalendar import Calendar
from sqlalchemy.engine import Engine
from sqlmodel import Session

from mailer.testserver import ReceivedMail, SmtpTestServer
from meetings.documents import DocumentStore, add_document
from meetings.scheduling import cancel_meeting, create_meeting, draft_of, publish_meeting, update_meeting
from tests.outbox.world import DOMAIN, HANOI, briefing, build_mail_world, items, mail_settings, settled, wait_until
from web.mail_delivery import outbox_worker
from web.room.tokens import read_token
from web.settings import Settings

PDF = b"%PDF-1.4\n% bao cao thang\n" + bytes(range(256)) * 16
BASE = "https://giaoban.ngockhe.sonha.gov.vn"


def calendar_of(message: EmailMessage) -> tuple[str, str, int, list[str], str]:
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    calendar = Calendar.from_ical(part.get_content())
    event = calendar.walk("VEVENT")[0]
    attendees = event.get("ATTENDEE")
    attendees = attendees if isinstance(attendees, list) else [attendees]
    return (
        str(calendar["METHOD"]),
        str(event["UID"]),
        int(event.decoded("SEQUENCE")),
        sorted(str(a).removeprefix("mailto:") for a in attendees),
        part.get_param("method") or "",
    )


def to_address(mail: ReceivedMail) -> str:
    return mail.rcpt_tos[0]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content


async def run_worker(settings: Settings, engine: Engine, until: Callable[[], bool], timeout: float = 20.0) -> None:
    worker = outbox_worker(settings, engine, settings.resolved_secret_key())
    worker.start()
    try:
        await wait_until(until, timeout, "the outbox to settle")
    finally:
        await worker.stop()


async def test_publishing_sends_each_invitation_with_its_calendar_and_documents(
    engine: Engine, database_url: str, smtp_server: SmtpTestServer, smtp_url: str, tmp_path: Path
) -> None:
    settings = mail_settings(tmp_path, database_url, smtp_url)
    store = DocumentStore(settings.data_dir / "documents", max_bytes=10_000_000)
    with Session(engine, expire_on_commit=False) as session:
        world = build_mail_world(session)
        meeting = create_meeting(session, world.secretary, briefing(world), tz=HANOI)
        assert meeting.id is not None
        add_document(session, world.secretary, meeting.id, "Báo cáo tháng.pdf", "application/pdf", PDF, store)
        publish_meeting(session, world.secretary, meeting.id, now=datetime.now(UTC), tz=HANOI)

    queued = items(engine)
    assert [(i.purpose, i.destination, i.status) for i in queued] == [
        ("invitation", f"ubnd.xa1@{DOMAIN}", "pending"),
        ("invitation", f"ubnd.xa2@{DOMAIN}", "pending"),
        ("invitation", f"ubnd.xa3@{DOMAIN}", "pending"),
        ("invitation", f"khach@{DOMAIN}", "pending"),
    ]
    await run_worker(settings, engine, settled(engine))

    received = {to_address(m): m for m in smtp_server.wait_for(4)}
    assert len(smtp_server.received) == 4
    assert all(m.tls and m.authenticated_as == "giaoban" for m in received.values())
    first = received[f"ubnd.xa1@{DOMAIN}"].message
    item = next(i for i in items(engine) if i.destination == f"ubnd.xa1@{DOMAIN}")
    assert (item.status, item.attempts, item.last_code) == ("delivered", 1, 250)
    assert first["Message-ID"] == item.message_id
    assert first["X-Giaoban-Key"] == item.idempotency_key
    assert str(first["From"]) == f"UBND huyện Ngọc Khê <giaoban@{DOMAIN}>"
    assert str(first["To"]) == f"UBND xã Số 1 <ubnd.xa1@{DOMAIN}>"
    assert str(first["Reply-To"]) == f"Trần Thị Liên <lienhe@{DOMAIN}>"
    assert str(first["Subject"]).startswith("[Giấy mời] Giao ban công tác tháng – 08:00 ngày ")
    assert first["Content-Language"] == "vi"
    assert first["Auto-Submitted"] == "auto-generated"

    assert first.get_content_type() == "multipart/mixed"
    alternative, attachment = first.iter_parts()
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "text/html", "text/calendar"]
    assert attachment.get_filename() == "Báo cáo tháng.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == PDF

    text = text_of(first)
    # The site's meeting-room PC joins by its own signed link, for this meeting and this site only.
    link = re.search(rf"{re.escape(BASE)}/join/(\S+)", text)
    assert link is not None
    grant = read_token(settings.resolved_secret_key(), link.group(1), now=datetime.now(UTC))
    assert (grant.kind, grant.meeting_id, grant.site_id) == ("site", meeting.id, world.sites[1].id)  # xã Số 1's room
    assert f"{BASE}/reply/" in text
    assert "Hội trường UBND xã Số 1" in text
    assert "Báo cáo tình hình — Văn phòng (20 phút)" in text
    assert "Báo cáo tóm tắt của từng xã." in text
    assert "Người liên hệ: Trần Thị Liên" in text
    assert "Báo cáo tháng.pdf (đính kèm thư này)" in text

    method, uid, sequence, attendees, part_method = calendar_of(first)
    assert (method, part_method, uid, sequence) == ("REQUEST", "REQUEST", meeting.uid, 0)
    assert attendees == [f"ubnd.xa1@{DOMAIN}"]

    english = received[f"khach@{DOMAIN}"].message
    assert str(english["Subject"]).startswith("[Invitation] Giao ban công tác tháng")
    assert english["Content-Language"] == "en"
    assert "Báo cáo tháng.pdf" in text_of(english)


async def test_an_update_and_a_cancellation_keep_the_uid_and_raise_the_sequence(
    engine: Engine, database_url: str, smtp_server: SmtpTestServer, smtp_url: str, tmp_path: Path
) -> None:
    settings = mail_settings(tmp_path, database_url, smtp_url)
    with Session(engine, expire_on_commit=False) as session:
        world = build_mail_world(session)
        meeting = create_meeting(session, world.secretary, briefing(world), tz=HANOI)
        assert meeting.id is not None
        publish_meeting(session, world.secretary, meeting.id, now=datetime.now(UTC), tz=HANOI)
    await run_worker(settings, engine, settled(engine))
    assert len(smtp_server.wait_for(4)) == 4

    # Commune 3 is dropped, the district's own site joins, the place changes.
    with Session(engine, expire_on_commit=False) as session:
        draft = draft_of(session, meeting)
        draft.place = "Hội trường lớn UBND huyện"
        draft.site_ids = world.site_ids(0, 1, 2)
        update_meeting(session, world.secretary, meeting.id, draft, tz=HANOI)
    await run_worker(settings, engine, settled(engine))
    after_update = smtp_server.wait_for(9)[4:]
    by_address = {to_address(m): m.message for m in after_update}
    assert sorted(by_address) == sorted(
        [f"ubnd.xa1@{DOMAIN}", f"ubnd.xa2@{DOMAIN}", f"ubnd.xa3@{DOMAIN}", f"khach@{DOMAIN}", f"vanphong@{DOMAIN}"]
    )
    update = by_address[f"ubnd.xa1@{DOMAIN}"]
    assert str(update["Subject"]).startswith("[Thay đổi lịch họp]")
    assert calendar_of(update)[:3] == ("REQUEST", meeting.uid, 1)
    assert "Địa điểm" in text_of(update) and "Thành phần điểm cầu" in text_of(update)
    newcomer = by_address[f"vanphong@{DOMAIN}"]
    assert str(newcomer["Subject"]).startswith("[Giấy mời]")
    assert calendar_of(newcomer)[:3] == ("REQUEST", meeting.uid, 1)
    dropped = by_address[f"ubnd.xa3@{DOMAIN}"]
    assert str(dropped["Subject"]).startswith("[Hủy cuộc họp]")
    assert calendar_of(dropped)[:3] == ("CANCEL", meeting.uid, 1)
    assert "Không còn trong thành phần được mời" in text_of(dropped)

    with Session(engine, expire_on_commit=False) as session:
        cancel_meeting(session, world.secretary, meeting.id, "Trùng lịch làm việc với đoàn công tác của tỉnh")
    await run_worker(settings, engine, settled(engine))
    cancellations = smtp_server.wait_for(13)[9:]
    assert sorted(to_address(m) for m in cancellations) == sorted(
        [f"ubnd.xa1@{DOMAIN}", f"ubnd.xa2@{DOMAIN}", f"vanphong@{DOMAIN}", f"khach@{DOMAIN}"]
    )
    for mail in cancellations:
        assert calendar_of(mail.message)[:3] == ("CANCEL", meeting.uid, 2)
        assert "Trùng lịch làm việc với đoàn công tác của tỉnh" in text_of(mail.message)
    assert len(smtp_server.received) == 13  # nothing twice
    assert {i.status for i in items(engine)} == {"delivered"}


async def test_mails_to_one_destination_arrive_in_the_order_they_were_written(
    engine: Engine,
    database_url: str,
    make_smtp_server: Callable[..., SmtpTestServer],
    tmp_path: Path,
) -> None:
    server = make_smtp_server(delay=0.01)
    settings = mail_settings(tmp_path, database_url, server.url(connections="4"))
    with Session(engine, expire_on_commit=False) as session:
        world = build_mail_world(session)
        meeting = create_meeting(session, world.secretary, briefing(world), tz=HANOI)
        assert meeting.id is not None
        publish_meeting(session, world.secretary, meeting.id, now=datetime.now(UTC), tz=HANOI)
        for place in ("Phòng 1", "Phòng 2"):
            draft = draft_of(session, meeting)
            draft.place = place
            update_meeting(session, world.secretary, meeting.id, draft, tz=HANOI)
        cancel_meeting(session, world.secretary, meeting.id, "Hoãn")
    await run_worker(settings, engine, settled(engine))
    received = server.wait_for(16)
    assert len(received) == 16
    for address in (f"ubnd.xa1@{DOMAIN}", f"ubnd.xa2@{DOMAIN}", f"ubnd.xa3@{DOMAIN}", f"khach@{DOMAIN}"):
        sequences = [calendar_of(m.message)[2] for m in received if to_address(m) == address]
        assert sequences == [0, 1, 2, 3], address
    assert server.connections >= 2  # several connections at once, order kept per destination


async def test_a_huge_document_is_linked_and_a_small_one_attached(
    engine: Engine, database_url: str, smtp_server: SmtpTestServer, smtp_url: str, tmp_path: Path
) -> None:
    settings = mail_settings(tmp_path, database_url, smtp_url, mail_attach_max_kb=64)
    store = DocumentStore(settings.data_dir / "documents", max_bytes=10_000_000)
    huge = b"%PDF-1.7\n" + b"x" * 300_000
    with Session(engine, expire_on_commit=False) as session:
        world = build_mail_world(session)
        meeting = create_meeting(session, world.secretary, briefing(world, invitee_ids=[]), tz=HANOI)
        assert meeting.id is not None
        small_doc = add_document(session, world.secretary, meeting.id, "Giấy mời.pdf", "application/pdf", PDF, store)
        huge_doc = add_document(session, world.secretary, meeting.id, "Phụ lục lớn.pdf", "application/pdf", huge, store)
        publish_meeting(session, world.secretary, meeting.id, now=datetime.now(UTC), tz=HANOI)
    await run_worker(settings, engine, settled(engine))
    message = smtp_server.wait_for(3)[0].message
    attached = [p.get_filename() for p in message.iter_attachments()]
    assert attached == ["Giấy mời.pdf"]
    text = text_of(message)
    # Linked through the site's own join link: its meeting-room PC has no log-in.
    linked = re.search(rf"Phụ lục lớn\.pdf: {re.escape(BASE)}/join/([^\s/]+)/documents/{huge_doc.id}", text)
    assert linked is not None
    grant = read_token(settings.resolved_secret_key(), linked.group(1), now=datetime.now(UTC))
    assert (grant.kind, grant.meeting_id) == ("site", meeting.id)
    assert "Giấy mời.pdf (đính kèm thư này)" in text
    assert small_doc.id is not None
    assert len(smtp_server.received[0].data) < 100_000


async def test_a_confidential_meeting_sends_no_documents(
    engine: Engine, database_url: str, smtp_server: SmtpTestServer, smtp_url: str, tmp_path: Path
) -> None:
    settings = mail_settings(tmp_path, database_url, smtp_url)
    store = DocumentStore(settings.data_dir / "documents", max_bytes=10_000_000)
    with Session(engine, expire_on_commit=False) as session:
        world = build_mail_world(session)
        draft = briefing(world, confidential=True, invitee_ids=[])
        meeting = create_meeting(session, world.secretary, draft, tz=HANOI)
        assert meeting.id is not None
        add_document(session, world.secretary, meeting.id, "Tài liệu mật.pdf", "application/pdf", PDF, store)
        publish_meeting(session, world.secretary, meeting.id, now=datetime.now(UTC), tz=HANOI)
    assert all(i.data()["meeting"]["documents"] == [] for i in items(engine))
    await run_worker(settings, engine, settled(engine))
    for mail in smtp_server.wait_for(3):
        assert list(mail.message.iter_attachments()) == []
        assert b"%PDF" not in mail.data
        text = text_of(mail.message)
        assert "cuộc họp mật" in text
        assert "Tài liệu mật.pdf" not in text


async def test_a_unit_without_an_address_is_logged_as_failed_at_once(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        world = build_mail_world(session)
        world.communes[1].email = ""
        session.add(world.communes[1])
        session.commit()
        meeting = create_meeting(session, world.secretary, briefing(world), tz=HANOI)
        publish_meeting(session, world.secretary, meeting.id or 0, now=datetime.now(UTC), tz=HANOI)
    missing = items(engine, recipient_ref=f"site:{world.sites[2].id}")
    assert [(i.status, i.destination, i.last_reply) for i in missing] == [
        ("failed", "", "UBND xã Số 2 chưa có địa chỉ thư điện tử trong danh bạ.")
    ]
    assert len(items(engine, status="pending")) == 3


async def test_without_a_mail_server_the_mails_land_in_the_maildir(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    settings = mail_settings(tmp_path, database_url)
    with Session(engine, expire_on_commit=False) as session:
        world = build_mail_world(session)
        meeting = create_meeting(session, world.secretary, briefing(world), tz=HANOI)
        publish_meeting(session, world.secretary, meeting.id or 0, now=datetime.now(UTC), tz=HANOI)
    await run_worker(settings, engine, settled(engine))
    files = sorted((settings.data_dir / "mail" / "new").iterdir())
    assert len(files) == 4
    assert all(i.status == "delivered" and i.last_reply.startswith("maildir ") for i in items(engine))


async def test_line_breaks_and_encoded_words_in_names_cannot_add_headers(
    engine: Engine, database_url: str, smtp_server: SmtpTestServer, smtp_url: str, tmp_path: Path
) -> None:
    settings = mail_settings(tmp_path, database_url, smtp_url)
    with Session(engine, expire_on_commit=False) as session:
        world = build_mail_world(session, communes=1)
        # Written straight into the tables, as a careless import could have left them.
        world.district.name = "UBND huyện =?utf-8?q?Ng=E1=BB=8Dc_Kh=C3=AA=0D=0ABcc:_spy@evil.vn?="
        world.communes[0].name = "UBND xã\r\nBcc: spy@evil.vn"
        session.add_all([world.district, world.communes[0]])
        session.commit()
        meeting = create_meeting(session, world.secretary, briefing(world, invitee_ids=[]), tz=HANOI)
        publish_meeting(session, world.secretary, meeting.id or 0, now=datetime.now(UTC), tz=HANOI)
    await run_worker(settings, engine, settled(engine))
    [mail] = smtp_server.wait_for(1)
    assert mail.rcpt_tos == [f"ubnd.xa1@{DOMAIN}"]
    message = mail.message
    assert message["Bcc"] is None and message["Cc"] is None
    headers = mail.data.split(b"\r\n\r\n", 1)[0]
    assert b"\nBcc:" not in headers
    assert "Kính gửi: UBND xã Bcc: spy@evil.vn" in text_of(message)  # one line in the body too
    assert str(message["To"]) == f'"UBND xã Bcc: spy@evil.vn" <ubnd.xa1@{DOMAIN}>'
    assert "\n" not in str(message["From"])
