"""Reminders (enqueued when due, once per lead and start time), records circulated after a meeting, and
resending from the mail log."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from mailer.testserver import SmtpTestServer
from meetings.documents import DocumentStore
from meetings.errors import Forbidden, RuleViolation
from meetings.meeting import Meeting
from meetings.meeting_mail import (
    RecordAttachment,
    RecordMail,
    address_recipient,
    enqueue_due_reminders,
    enqueue_record_mail,
    resend_mail,
)
from meetings.scheduling import draft_of, update_meeting
from tests.outbox.test_invitations import run_worker
from tests.outbox.world import DOMAIN, HANOI, build_mail_world, items, mail_settings, publish, settled

LEADS = [timedelta(days=1), timedelta(minutes=30)]
PDF = b"%PDF-1.7\n% bien ban\n" + b"0" * 2000


def maildir_messages(folder: Path) -> list[EmailMessage]:
    messages = []
    for path in sorted((folder / "new").iterdir()):
        parsed = message_from_bytes(path.read_bytes(), policy=default)
        assert isinstance(parsed, EmailMessage)
        messages.append(parsed)
    return messages


def test_reminders_come_once_when_due_and_again_after_a_move(session: Session, engine: Engine) -> None:
    world = build_mail_world(session)
    meeting = publish(session, world)
    start = meeting.start_at

    assert enqueue_due_reminders(session, now=start - timedelta(days=2), leads=LEADS) == 0
    assert enqueue_due_reminders(session, now=start - timedelta(hours=23), leads=LEADS) == 4
    assert enqueue_due_reminders(session, now=start - timedelta(hours=22), leads=LEADS) == 0  # idempotent
    day_before = items(engine, purpose="reminder")
    assert {i.data()["lead_minutes"] for i in day_before} == {1440}

    assert enqueue_due_reminders(session, now=start - timedelta(minutes=29), leads=LEADS) == 4
    assert enqueue_due_reminders(session, now=start - timedelta(minutes=10), leads=LEADS) == 0
    assert enqueue_due_reminders(session, now=start + timedelta(minutes=1), leads=LEADS) == 0  # started

    # Moved one hour later: the 30-minute reminder for the new time is due again.
    draft = draft_of(session, meeting)
    draft.start_at += timedelta(hours=1)
    draft.end_at += timedelta(hours=1)
    update_meeting(session, world.secretary, meeting.id or 0, draft, tz=HANOI)
    assert enqueue_due_reminders(session, now=start + timedelta(minutes=31), leads=LEADS) == 4
    assert len(items(engine, purpose="reminder")) == 12


def test_a_worker_that_was_down_sends_only_the_most_imminent_reminder(session: Session, engine: Engine) -> None:
    meeting = publish(session, build_mail_world(session))
    assert enqueue_due_reminders(session, now=meeting.start_at - timedelta(minutes=20), leads=LEADS) == 4
    assert {i.data()["lead_minutes"] for i in items(engine, purpose="reminder")} == {30}


def test_no_reminder_earlier_than_the_publication(session: Session, engine: Engine) -> None:
    world = build_mail_world(session)
    meeting = publish(session, world)
    # Published less than a day before the start: the day-before reminder would come after the invitation.
    stored = session.get(Meeting, meeting.id)
    assert stored is not None
    stored.published_at = meeting.start_at - timedelta(hours=5)
    session.add(stored)
    session.commit()
    assert enqueue_due_reminders(session, now=meeting.start_at - timedelta(hours=4), leads=LEADS) == 0


async def test_a_reminder_is_delivered_with_the_time_left(engine: Engine, database_url: str, tmp_path: Path) -> None:
    settings = mail_settings(tmp_path, database_url)
    with Session(engine, expire_on_commit=False) as session:
        meeting = publish(session, build_mail_world(session), invitee_ids=[])
        enqueue_due_reminders(session, now=meeting.start_at - timedelta(minutes=30), leads=LEADS)
    await run_worker(settings, engine, settled(engine))
    reminders = [m for m in maildir_messages(settings.data_dir / "mail") if "Nhắc lịch họp" in str(m["Subject"])]
    assert len(reminders) == 3
    body = reminders[0].get_body(preferencelist=("plain",))
    assert body is not None
    assert "sẽ bắt đầu sau 30 phút" in body.get_content()
    assert not any(p.get_content_type() == "text/calendar" for p in reminders[0].walk())


async def test_records_go_with_their_pdf_except_for_a_confidential_meeting(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    settings = mail_settings(tmp_path, database_url)
    store = DocumentStore(settings.data_dir / "documents", max_bytes=10_000_000)
    record = RecordMail(
        kind="minutes", title="Biên bản họp giao ban", number="12/BB-UBND", signer_name="Nguyễn Văn Chủ"
    )
    with Session(engine, expire_on_commit=False) as session:
        world = build_mail_world(session, communes=1)
        open_meeting = publish(session, world, invitee_ids=[])
        secret_meeting = publish(
            session, world, invitee_ids=[], confidential=True, title="Họp mật", start_at=open_meeting.end_at,
            end_at=open_meeting.end_at + timedelta(hours=1),
        )  # fmt: skip
        for meeting in (open_meeting, secret_meeting):
            extra = [address_recipient(f"luutru@{DOMAIN}", "Văn thư lưu trữ")]
            enqueue_record_mail(
                session,
                meeting,
                record,
                key=f"minutes:{meeting.id}:v1",
                store=store,
                attachments=[RecordAttachment("Biên bản 12.pdf", "application/pdf", PDF)],
            )
            enqueue_record_mail(session, meeting, record, key=f"minutes:{meeting.id}:v1", store=store)  # again
            enqueue_record_mail(session, meeting, record, key=f"minutes:{meeting.id}:v1:archive", store=store,
                                recipients=extra)  # fmt: skip
        session.commit()
    assert len(items(engine, purpose="record")) == 4
    await run_worker(settings, engine, settled(engine))
    records = [m for m in maildir_messages(settings.data_dir / "mail") if "[Biên bản]" in str(m["Subject"])]
    assert len(records) == 4
    with_pdf = [m for m in records if any(p.get_filename() == "Biên bản 12.pdf" for p in m.iter_attachments())]
    assert len(with_pdf) == 1
    assert str(with_pdf[0]["To"]) == f"UBND xã Số 1 <ubnd.xa1@{DOMAIN}>"
    text = with_pdf[0].get_body(preferencelist=("plain",))
    assert text is not None and "Giao ban công tác tháng" in text.get_content()
    assert all(PDF not in m.as_bytes() for m in records if m not in with_pdf)


async def test_resend_from_the_mail_log(
    engine: Engine, database_url: str, smtp_server: SmtpTestServer, smtp_url: str, tmp_path: Path
) -> None:
    settings = mail_settings(tmp_path, database_url, smtp_url)
    with Session(engine, expire_on_commit=False) as session:
        world = build_mail_world(session, communes=1)
        world.communes[0].email = ""
        session.add(world.communes[0])
        session.commit()
        publish(session, world)
    await run_worker(settings, engine, settled(engine))
    no_address, delivered = items(engine)
    assert (no_address.status, delivered.status) == ("failed", "delivered")

    with Session(engine, expire_on_commit=False) as session:
        with pytest.raises(RuleViolation):
            resend_mail(session, world.secretary, no_address.id or 0)  # still no address
        world.communes[0].email = f"vanthu.xa1@{DOMAIN}"
        session.add(world.communes[0])
        session.commit()
        fixed = resend_mail(session, world.secretary, no_address.id or 0)
        again = resend_mail(session, world.secretary, delivered.id or 0)
        with pytest.raises(Forbidden):
            resend_mail(session, world.guest, delivered.id or 0)
    assert fixed.destination == f"vanthu.xa1@{DOMAIN}"
    assert fixed.idempotency_key == f"{no_address.idempotency_key}#1"
    assert again.message_id != delivered.message_id  # a new message, the first one did arrive
    await run_worker(settings, engine, settled(engine))
    assert sorted(m.rcpt_tos[0] for m in smtp_server.received) == sorted(
        [f"khach@{DOMAIN}", f"khach@{DOMAIN}", f"vanthu.xa1@{DOMAIN}"]
    )
