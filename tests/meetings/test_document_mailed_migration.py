"""Migration 0008 on a database with meetings: a document an invitation or update mail carried is marked
mailed at that mail's time; one added since, or a confidential meeting's, stays unsent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from sqlmodel import Session, col, select

from meetings import db
from meetings.documents import DocumentStore, add_document
from meetings.meeting import Document
from meetings.outbox import OutboxItem
from meetings.scheduling import create_meeting, publish_meeting
from tests.outbox.world import HANOI, briefing, build_mail_world, meeting_day

PDF = b"%PDF-1.4\n% bao cao\n"


def test_documents_already_mailed_are_found_in_the_outbox(empty_database_url: str, tmp_path: Path) -> None:
    db.upgrade(empty_database_url)
    store = DocumentStore(tmp_path / "documents", max_bytes=1_000_000)
    engine = db.make_engine(empty_database_url)
    with Session(engine, expire_on_commit=False) as session:
        world = build_mail_world(session)
        meeting = create_meeting(session, world.secretary, briefing(world), tz=HANOI)
        assert meeting.id is not None
        carried = add_document(session, world.secretary, meeting.id, "Báo cáo.pdf", "", PDF, store)
        publish_meeting(session, world.secretary, meeting.id, now=datetime.now(UTC), tz=HANOI)
        later = add_document(session, world.secretary, meeting.id, "Kế hoạch.pdf", "", PDF + b"1", store)
        start = meeting_day(17)  # a week after the other: the same chair
        secret_draft = briefing(world, confidential=True, start_at=start, end_at=start + timedelta(hours=2))
        secret = create_meeting(session, world.secretary, secret_draft, tz=HANOI)
        assert secret.id is not None
        kept = add_document(session, world.secretary, secret.id, "Mật.pdf", "", PDF + b"2", store)
        publish_meeting(session, world.secretary, secret.id, now=datetime.now(UTC), tz=HANOI)
        first_invitation = session.exec(
            select(OutboxItem.created_at)
            .where(OutboxItem.meeting_id == meeting.id, OutboxItem.purpose == "invitation")
            .order_by(col(OutboxItem.id))
        ).first()
    engine.dispose()

    command.downgrade(db.alembic_config(empty_database_url), "0007")
    db.upgrade(empty_database_url)

    engine = db.make_engine(empty_database_url)
    with Session(engine) as session:
        mailed = {d.id: d.mailed_at for d in session.exec(select(Document)).all()}
    engine.dispose()
    assert first_invitation is not None
    assert mailed == {carried.id: first_invitation, later.id: None, kept.id: None}
