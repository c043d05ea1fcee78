"""The minutes' package carries, beside the signed PDF, the attendance CSV and the links to the recordings."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from meetings.log.tables import Recording
from meetings.outbox import OutboxItem
from meetings.records.edxml_reader import parse_package
from meetings.records.filing import EDXML
from tests.minutes.test_approval import _approve, _write_minutes
from tests.minutes.world import ended_meeting
from tests.web.conftest import Directory, log_in
from web.filing_delivery import package_store

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def test_the_minutes_package_holds_the_attendance_csv_and_the_recording_links(
    app: Starlette, client: TestClient, people: Directory
) -> None:
    ended = ended_meeting(app, people)
    mid = ended.meeting_id
    with app.state.ctx.session() as session:
        done = Recording(
            meeting_id=mid,
            filename=f"recordings/meeting-{mid}.mp4",
            started_at=ended.start + timedelta(minutes=1),
            ended_at=ended.start + timedelta(minutes=61),
            size_bytes=250_000_000,
            duration_s=3600.0,
            status="done",
        )
        failed = Recording(meeting_id=mid, filename="recordings/x.mp4", started_at=ended.start, status="failed")
        session.add_all([done, failed])
        session.commit()
        recording_id = done.id
    _write_minutes(client, mid, ended.items)
    log_in(client, "chutich")
    code, page = _approve(client, mid)
    assert code == 200, page

    with app.state.ctx.session() as session:
        items = session.exec(select(OutboxItem).where(OutboxItem.meeting_id == mid, OutboxItem.kind == EDXML)).all()
    to_commune = next(i for i in items if i.destination == "000.01.12.H49")
    package = parse_package(package_store(app.state.ctx.settings).read(to_commune.data()["package"]))
    names = [a.name for a in package.attachments]
    assert names[1:] == ["diem-danh.csv", "ghi-hinh.txt"]
    assert names[0].endswith(".pdf")
    assert [a.content_id for a in package.attachments] == ["1", "2", "3"]

    attendance = package.attachments[1].data
    assert attendance.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(attendance.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["STT", "Điểm cầu", "Đơn vị", "Điểm danh"]
    by_site = {row[1]: row for row in rows[1:]}
    assert set(by_site) == {"Phòng họp trực tuyến huyện", "Hội trường xã Bum Nưa", "Hội trường xã Ka Lăng"}
    assert by_site["Hội trường xã Ka Lăng"][5] == "Đang ứng trực bão"
    assert by_site["Hội trường xã Bum Nưa"][4] == "5"
    # Bum Nưa joined 5 minutes after the start and stayed to the end of the two hours: 115 minutes.
    assert by_site["Hội trường xã Bum Nưa"][9] == "115"

    links = package.attachments[2].data.decode("utf-8").splitlines()
    started = (ended.start + timedelta(minutes=1)).astimezone(HANOI).strftime("%H:%M %d/%m/%Y")
    assert links[0] == "Bản ghi hình cuộc họp «Họp khẩn phòng chống bão số 3»"
    assert links[2:] == [
        f"1. Bắt đầu {started}, dài 60 phút, 250.0 MB: http://127.0.0.1:8000/meetings/{mid}/recordings/{recording_id}"
    ]


def test_a_meeting_not_recorded_files_the_attendance_only(
    app: Starlette, client: TestClient, people: Directory
) -> None:
    ended = ended_meeting(app, people)
    _write_minutes(client, ended.meeting_id, ended.items)
    log_in(client, "chutich")
    code, page = _approve(client, ended.meeting_id)
    assert code == 200, page
    with app.state.ctx.session() as session:
        item = session.exec(
            select(OutboxItem).where(OutboxItem.meeting_id == ended.meeting_id, OutboxItem.kind == EDXML)
        ).first()
    assert item is not None
    package = parse_package(package_store(app.state.ctx.settings).read(item.data()["package"]))
    assert [a.name for a in package.attachments][1:] == ["diem-danh.csv"]
