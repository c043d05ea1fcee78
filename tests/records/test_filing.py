"""Filing through the durable outbox: a real HTTP document system that refuses then accepts, the drop
folder, status packages, refusals and odd answers."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from meetings.errors import RuleViolation
from meetings.meeting import Meeting, MeetingKind, MeetingState
from meetings.outbox import OutboxItem, RetryPolicy
from meetings.outbox_worker import OutboxWorker
from meetings.people import Person
from meetings.records.edxml import build_package
from meetings.records.edxml_status import FilingState, StatusCodes, build_status
from meetings.records.filing import (
    EDXML,
    FilingStatusRecord,
    PackageStore,
    enqueue_filing,
    mark_filed_if_complete,
    meeting_filing,
    record_status,
    unmatched_statuses,
)
from meetings.records.filing_delivery import FilingDeliverer, read_statuses
from meetings.records.filing_transport import FilingTransport, FolderTransport, HttpTransport
from meetings.units import Unit, UnitLevel
from tests.records.docsystem import DocSystem, running
from tests.records.edxml_samples import HOA_SON, HOA_TIEN, minutes_package

FAST = RetryPolicy(max_attempts=10, base=timedelta(milliseconds=50), cap=timedelta(milliseconds=200))


def _meeting(session: Session, *, confidential: bool = False, state: MeetingState = MeetingState.ENDED) -> Meeting:
    unit = Unit(name="Ủy ban nhân dân huyện Hòa Vang", code="000.00.12.H49", level=UnitLevel.DISTRICT)
    session.add(unit)
    session.flush()
    chair = Person(username="chair", full_name="Nguyễn Văn An", unit_id=unit.id or 0, roles="chair")
    session.add(chair)
    session.flush()
    meeting = Meeting(
        title="Giao ban tháng 3",
        kind=MeetingKind.BRIEFING,
        start_at=datetime(2026, 3, 5, 1, 0, tzinfo=UTC),
        end_at=datetime(2026, 3, 5, 4, 30, tzinfo=UTC),
        convening_unit_id=unit.id or 0,
        chair_id=chair.id or 0,
        confidential=confidential,
        state=state,
    )
    session.add(meeting)
    session.commit()
    return meeting


def _items(engine: Engine) -> list[OutboxItem]:
    with Session(engine) as session:
        return list(session.exec(select(OutboxItem).order_by(col(OutboxItem.id))).all())


async def _until(check: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(check):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def _worker(engine: Engine, transport: FilingTransport, store: PackageStore) -> OutboxWorker:
    deliverer = FilingDeliverer(engine, transport, store)
    return OutboxWorker(engine, {EDXML: deliverer}, poll=0.05, policy=FAST, lease=timedelta(seconds=30))


async def test_a_system_that_refuses_then_accepts_gets_every_package_once_in_order(
    engine: Engine, tmp_path: Path
) -> None:
    store = PackageStore(tmp_path / "packages")
    with Session(engine, expire_on_commit=False) as session:
        meeting = _meeting(session, state=MeetingState.MINUTES_APPROVED)
        for number in ("05", "06", "07", "08", "09"):
            enqueue_filing(session, meeting=meeting, package=minutes_package(number), store=store, purpose="minutes")
        session.commit()
    expected = [f"000.00.12.H49,2026/03/05,{n}/BB-UBND" for n in ("05", "06", "07", "08", "09")]

    with running(DocSystem(refuse_first=4)) as system:
        worker = _worker(engine, HttpTransport(system.url), store)
        worker.start()
        try:
            await _until(lambda: all(i.status == "delivered" for i in _items(engine)), "every package delivered")
        finally:
            await worker.stop()

    assert len(system.received) == 10 + 4  # four refusals, then each package once
    accepted = system.accepted()
    assert Counter((r.destination, r.document_id) for r in accepted) == Counter(
        {(d, doc): 1 for d in (HOA_TIEN.organ_id, HOA_SON.organ_id) for doc in expected}
    )
    for destination in (HOA_TIEN.organ_id, HOA_SON.organ_id):
        assert [r.document_id for r in accepted if r.destination == destination] == expected
    # A retry carries the same idempotency key as the refused attempt.
    items = {i.message_id for i in _items(engine)}
    assert {r.idempotency_key for r in system.received} == items
    # Each accepted package was answered with "arrived", recorded against its item; the meeting is filed.
    with Session(engine) as session:
        packages = meeting_filing(session, meeting.id or 0)
        assert len(packages) == 10 and all(p.delivered for p in packages)
        assert all(p.latest is not None and p.latest.state == FilingState.ARRIVED for p in packages)
        assert session.get(Meeting, meeting.id).state == MeetingState.FILED  # type: ignore[union-attr]


async def test_garbage_and_refusals_from_the_document_system(engine: Engine, tmp_path: Path) -> None:
    store = PackageStore(tmp_path / "packages")
    with Session(engine, expire_on_commit=False) as session:
        meeting = _meeting(session)
        enqueue_filing(session, meeting=meeting, package=minutes_package(), store=store, purpose="minutes")
        session.commit()
    with running(DocSystem(answer="garbage")) as system:
        worker = _worker(engine, HttpTransport(system.url), store)
        worker.start()
        try:
            await _until(lambda: all(i.status == "delivered" for i in _items(engine)), "delivery")
        finally:
            await worker.stop()
    for item in _items(engine):
        # Taken by the receiver, so delivered; its odd answer is kept for a person to read.
        assert item.last_code == 200
        assert "Phản hồi kèm theo không đọc được: Gói tin trạng thái không phải XML hợp lệ" in item.last_reply
    with Session(engine) as session:
        assert session.exec(select(FilingStatusRecord)).all() == []

    with Session(engine, expire_on_commit=False) as session:
        enqueue_filing(session, meeting=meeting, package=minutes_package("10"), store=store, purpose="minutes")
        session.commit()
    with running(DocSystem(refuse_first=100, refuse_with=400)) as system:
        worker = _worker(engine, HttpTransport(system.url), store)
        worker.start()
        try:
            await _until(lambda: sum(i.status == "failed" for i in _items(engine)) == 2, "permanent refusals")
        finally:
            await worker.stop()
    failed = [i for i in _items(engine) if i.status == "failed"]
    assert [i.last_reply for i in failed] == ["HTTP 400: busy, try later"] * 2 and len(system.received) == 2


async def test_an_unreachable_system_is_tried_again_and_nothing_is_lost(engine: Engine, tmp_path: Path) -> None:
    store = PackageStore(tmp_path / "packages")
    with Session(engine, expire_on_commit=False) as session:
        enqueue_filing(session, meeting=_meeting(session), package=minutes_package(), store=store, purpose="minutes")
        session.commit()
    with running(DocSystem()) as system:
        url = system.url  # a port that was just closed: the connection is refused
    worker = _worker(engine, HttpTransport(url, timeout=2), store)
    worker.start()
    try:
        await _until(lambda: all(i.attempts >= 2 for i in _items(engine)), "two attempts")
    finally:
        await worker.stop()
    for item in _items(engine):
        assert item.status in ("pending", "dead") and item.last_reply.startswith("Không kết nối được")


def test_confidential_meetings_are_not_filed(session: Session, tmp_path: Path) -> None:
    meeting = _meeting(session, confidential=True)
    with pytest.raises(RuleViolation, match="cuộc họp mật"):
        enqueue_filing(session, meeting=meeting, package=minutes_package(), store=PackageStore(tmp_path), purpose="x")


def test_filing_the_same_document_twice_sends_it_once(session: Session, tmp_path: Path) -> None:
    store = PackageStore(tmp_path)
    meeting = _meeting(session)
    first = enqueue_filing(session, meeting=meeting, package=minutes_package(), store=store, purpose="minutes")
    again = enqueue_filing(session, meeting=meeting, package=minutes_package(), store=store, purpose="minutes")
    session.commit()
    assert [i.id for i in first] == [i.id for i in again]
    assert len(session.exec(select(OutboxItem)).all()) == 2
    assert store.read(first[0].data()["package"]) == build_package(minutes_package())


def _status(code: str, document_id: str = "000.00.12.H49,2026/03/05,05/BB-UBND", organ: str = "000.05.12.H49") -> bytes:
    return build_status(
        document_id=document_id, code=code, promulgation_date=date(2026, 3, 5), responder_id=organ,
        responder_name="UBND xã Hòa Tiến", at=datetime(2026, 3, 5, 6, 0, tzinfo=UTC), description="Ghi chú",
        staff="Văn thư xã",
    )  # fmt: skip


def test_statuses_are_recorded_once_linked_and_shown(session: Session, tmp_path: Path) -> None:
    meeting = _meeting(session, state=MeetingState.MINUTES_APPROVED)
    items = enqueue_filing(
        session, meeting=meeting, package=minutes_package(), store=PackageStore(tmp_path), purpose="minutes"
    )
    session.commit()
    codes = StatusCodes.parse("arrived=01,rejected=02,registered=03,assigned=04,in_progress=05,done=06")
    first = record_status(session, _status("03"), codes=codes)
    again = record_status(session, _status("03"), codes=codes)
    session.commit()
    assert first.id == again.id and first.state == "registered" and first.outbox_item_id == items[0].id
    rejected = record_status(session, _status("-02"), codes=codes)
    session.commit()
    assert rejected.state == "rejected" and rejected.meeting_id == meeting.id
    (hoa_tien, hoa_son) = meeting_filing(session, meeting.id or 0)
    assert hoa_tien.rejected and [s.code for s in hoa_tien.statuses] == ["03", "-02"]
    assert hoa_son.statuses == []
    # A rejected filing does not make the meeting filed, even when delivered.
    for item in items:
        item.status = "delivered"
        session.add(item)
    session.commit()
    assert not mark_filed_if_complete(session, meeting.id or 0)
    # A status for a package giaoban never sent is kept, for an administrator.
    stray = record_status(session, _status("99", document_id="000.00.12.H49,2026/01/02,01/TB-UBND"), codes=codes)
    session.commit()
    assert stray.state == FilingState.UNKNOWN and stray.outbox_item_id is None
    assert [s.id for s in unmatched_statuses(session)] == [stray.id]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"not xml at all", "không phải XML hợp lệ"),
        (b"<Status><StatusCode>01</StatusCode></Status>", "ResponseFor/DocumentId"),
        (b"<html><body>Error</body></html>", "không có phần tử Status"),
    ],
)
def test_garbage_statuses_are_refused_with_a_reason(session: Session, data: bytes, reason: str) -> None:
    from meetings.records.edxml import EdxmlError

    with pytest.raises(EdxmlError) as refused:
        record_status(session, data)
    assert reason in refused.value.message


# --- the drop folder ------------------------------------------------------------------------------------


async def test_drop_folder_delivers_complete_files_only(engine: Engine, tmp_path: Path) -> None:
    store = PackageStore(tmp_path / "packages")
    outgoing, incoming = tmp_path / "out", tmp_path / "in"
    big = bytes(range(256)) * 4096 * 4  # 4 MiB attachments: writing takes a while
    with Session(engine, expire_on_commit=False) as session:
        meeting = _meeting(session)
        for n in range(1, 9):
            package = minutes_package(f"{n:02d}")
            package = replace(package, attachments=[replace(package.attachments[0], data=big + bytes([n]))])
            enqueue_filing(session, meeting=meeting, package=package, store=store, purpose="minutes")
        session.commit()

    seen: dict[str, int] = {}
    partial: list[str] = []
    stop = False

    def watch() -> None:
        # What the vendor's connector does: list the folder, take every file not hidden.
        while not stop:
            if outgoing.is_dir():
                for path in outgoing.iterdir():
                    if path.name.startswith("."):
                        continue
                    data = path.read_bytes()
                    if not data.rstrip().endswith(b"</edXML>"):
                        partial.append(path.name)
                    seen[path.name] = len(data)

    watcher = asyncio.create_task(asyncio.to_thread(watch))
    worker = _worker(engine, FolderTransport(outgoing, incoming), store)
    worker.start()
    try:
        await _until(lambda: all(i.status == "delivered" for i in _items(engine)), "every package in the folder")
    finally:
        await worker.stop()
        stop = True
        await watcher
    assert partial == []
    files = sorted(p.name for p in outgoing.iterdir())
    assert len(files) == 16 and not any(name.startswith(".") for name in files)
    assert files[0] == "000.00.12.H49_2026-03-05_01-BB-UBND__000.05.12.H49__" + files[0].split("__")[2]
    assert set(seen) <= set(files)


def test_a_writer_killed_mid_write_leaves_no_visible_file(tmp_path: Path) -> None:
    import multiprocessing

    from tests.records.approvals import write_forever

    context = multiprocessing.get_context("spawn")
    writer = context.Process(target=write_forever, args=(str(tmp_path),))
    writer.start()
    deadline = time.monotonic() + 30
    while not any(p.name.startswith(".") for p in tmp_path.iterdir()):
        assert time.monotonic() < deadline, "the writer never started"
        time.sleep(0.01)
    time.sleep(0.05)
    writer.kill()
    writer.join(timeout=10)
    visible = [p for p in tmp_path.iterdir() if not p.name.startswith(".")]
    for path in visible:  # whatever finished before the kill is whole
        assert path.read_bytes().endswith(b"</edXML>\n")


def test_status_packages_from_the_inbox_folder(session: Session, engine: Engine, tmp_path: Path) -> None:
    meeting = _meeting(session)
    enqueue_filing(session, meeting=meeting, package=minutes_package(), store=PackageStore(tmp_path), purpose="m")
    session.commit()
    incoming = tmp_path / "in"
    incoming.mkdir()
    (incoming / "a-arrived.xml").write_bytes(_status("01"))
    (incoming / "b-garbage.xml").write_bytes(b"\x00\x01 not a status")
    (incoming / ".c-being-written.xml").write_bytes(b"<Sta")
    (incoming / "notes.txt").write_text("ignored")
    transport = FolderTransport(tmp_path / "out", incoming)
    assert read_statuses(transport)(engine, datetime.now(UTC)) == 1
    assert sorted(p.name for p in (incoming / "processed").iterdir()) == ["a-arrived.xml"]
    rejected = sorted(p.name for p in (incoming / "rejected").iterdir())
    assert rejected == ["b-garbage.xml", "b-garbage.xml.reason.txt"]
    assert "không phải XML hợp lệ" in (incoming / "rejected" / "b-garbage.xml.reason.txt").read_text()
    assert sorted(p.name for p in incoming.iterdir()) == [".c-being-written.xml", "notes.txt", "processed", "rejected"]
    (hoa_tien, _) = meeting_filing(session, meeting.id or 0)
    assert [s.state for s in hoa_tien.statuses] == ["arrived"]
