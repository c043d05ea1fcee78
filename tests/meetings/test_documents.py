"""Meeting documents: type and size limits, content checks, safe names, storage by hash, access."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from meetings.audit import AuditEntry
from meetings.documents import (
    DocumentStore,
    add_document,
    may_be_mailed,
    open_document,
    remove_document,
    sanitize_filename,
)
from meetings.errors import Forbidden, NotFound, RuleViolation, ValidationError
from meetings.meeting import Document, Meeting
from meetings.scheduling import cancel_meeting, create_meeting, meeting_detail, publish_meeting
from tests.meetings.world import HANOI, NOW, World, briefing, build_world

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


@pytest.fixture
def store(tmp_path: Path) -> DocumentStore:
    return DocumentStore(root=tmp_path / "documents", max_bytes=1000)


@pytest.fixture
def meeting_id(session: Session, world: World) -> int:
    meeting = create_meeting(session, world.person("secretary_d"), briefing(world), tz=HANOI)
    assert meeting.id is not None
    return meeting.id


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Báo cáo tháng 3.pdf", "Báo cáo tháng 3.pdf"),
        ("C:\\Users\\thuky\\Desktop\\Giấy mời.docx", "Giấy mời.docx"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("  ..hidden .txt  ", "hidden.txt"),
        ("a.pdf.", "a.pdf"),
        ('bao"cao<1>|?*.xlsx', "bao_cao_1____.xlsx"),
        ("evil\u202excod.pdf", "evilxcod.pdf"),  # right-to-left override removed
        ("dòng\r\nmới;name=x.txt", "dòngmới_name=x.txt"),
        ("Ba\u0300o ca\u0301o.pdf", "Bào cáo.pdf"),  # decomposed accents composed (NFC)
        (".pdf", "tai-lieu.pdf"),
        ("...", "tai-lieu"),
        ("a" * 300 + ".pdf", "a" * 251 + ".pdf"),
    ],
)
def test_sanitize_filename(given: str, expected: str) -> None:
    assert sanitize_filename(given) == expected


def test_upload_is_stored_once_by_hash_and_listed(
    session: Session, world: World, store: DocumentStore, meeting_id: int
) -> None:
    secretary = world.person("secretary_d")
    first = add_document(session, secretary, meeting_id, "Báo cáo.pdf", "application/octet-stream", PDF, store)
    second = add_document(session, secretary, meeting_id, "Bản sao.PDF", "application/pdf", PDF, store)
    sha = hashlib.sha256(PDF).hexdigest()
    assert (first.filename, first.content_type, first.size, first.sha256) == ("Báo cáo.pdf", "application/pdf", 48, sha)
    assert second.sha256 == sha and second.filename == "Bản sao.PDF"
    stored = store.root / sha[:2] / sha
    assert stored.read_bytes() == PDF
    assert sorted(p.name for p in store.root.rglob("*") if p.is_file()) == [sha]

    docx = add_document(session, secretary, meeting_id, "Dự thảo.docx", "", _docx(), store)
    assert docx.content_type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    png = add_document(session, secretary, meeting_id, "sơ đồ.png", "image/png", PNG, store)
    doc = add_document(session, secretary, meeting_id, "cũ.doc", "", OLE, store)
    txt = add_document(session, secretary, meeting_id, "ghi chú.txt", "", "Nội dung tiếng Việt".encode(), store)
    meeting = session.get(Meeting, meeting_id)
    assert meeting is not None
    assert [d.filename for d in meeting_detail(session, meeting).documents] == [
        "Báo cáo.pdf", "Bản sao.PDF", "Dự thảo.docx", "sơ đồ.png", "cũ.doc", "ghi chú.txt",
    ]  # fmt: skip
    assert (png.content_type, doc.content_type, txt.content_type) == (
        "image/png",
        "application/msword",
        "text/plain; charset=utf-8",
    )
    entry = session.exec(select(AuditEntry).where(AuditEntry.object_type == "document")).first()
    assert entry is not None and entry.action == "add" and entry.actor_id == world.pid("secretary_d")
    assert json.loads(entry.detail)["declared_type"] == "application/octet-stream"


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("virus.exe", b"MZ\x90\x00", "Không nhận tệp «virus.exe»: chỉ nhận các loại tệp .pdf, .doc, .docx, .xls, "
         ".xlsx, .ppt, .pptx, .odt, .ods, .odp, .png, .jpg, .jpeg, .txt, .zip."),
        ("trang.html", b"<html>", None),
        ("khong-duoi", PDF, None),
        ("rong.pdf", b"", "Tệp «rong.pdf» rỗng."),
        ("lon.pdf", PDF + b"x" * 2000, "Tệp «lon.pdf» có dung lượng 2 KB, vượt quá giới hạn 1000 byte."),
        ("gia.pdf", b"<html><script>alert(1)</script>", "Nội dung tệp «gia.pdf» không phải tệp PDF như phần "
         "mở rộng .pdf cho biết."),
        ("gia.docx", PDF, None),
        ("anh.jpg", PNG, None),
        ("nhi-phan.txt", b"abc\x00def", None),
        ("sai-ma.txt", b"\xff\xfe\xff", None),
    ],
)  # fmt: skip
def test_bad_uploads_are_refused_and_nothing_is_kept(
    session: Session,
    world: World,
    store: DocumentStore,
    meeting_id: int,
    filename: str,
    data: bytes,
    message: str | None,
) -> None:
    with pytest.raises(ValidationError) as refused:
        add_document(session, world.person("secretary_d"), meeting_id, filename, "application/pdf", data, store)
    assert refused.value.field == "file"
    if message is not None:
        assert refused.value.message == message
    assert session.exec(select(Document)).all() == []
    assert not store.root.exists() or not any(p.is_file() for p in store.root.rglob("*"))


def test_size_limit_in_megabytes(session: Session, world: World, tmp_path: Path, meeting_id: int) -> None:
    store = DocumentStore(root=tmp_path / "big", max_bytes=10 * 1024 * 1024)
    too_big = PDF + b"\x00" * (int(12.5 * 1024 * 1024) - len(PDF))
    with pytest.raises(ValidationError, match="có dung lượng 12,5 MB, vượt quá giới hạn 10 MB"):
        add_document(session, world.person("secretary_d"), meeting_id, "lon.pdf", "", too_big, store)
    exactly = PDF + b"\x00" * (10 * 1024 * 1024 - len(PDF))
    assert add_document(session, world.person("secretary_d"), meeting_id, "vua.pdf", "", exactly, store).size == (
        10 * 1024 * 1024
    )


def test_who_may_add_open_and_remove(session: Session, world: World, store: DocumentStore, meeting_id: int) -> None:
    with pytest.raises(Forbidden):
        add_document(session, world.person("official_d"), meeting_id, "a.pdf", "", PDF, store)
    with pytest.raises(NotFound):
        add_document(session, world.person("secretary_d"), 987654, "a.pdf", "", PDF, store)
    document = add_document(session, world.person("chair_d"), meeting_id, "a.pdf", "", PDF, store)
    assert document.id is not None

    # A draft is seen only by the convening unit's managers.
    with pytest.raises(Forbidden):
        open_document(session, world.person("official_a"), document.id, store)
    publish_meeting(session, world.person("chair_d"), meeting_id, now=NOW, tz=HANOI)
    opened, path = open_document(session, world.person("official_a"), document.id, store)
    assert opened.filename == "a.pdf" and path.read_bytes() == PDF
    with pytest.raises(Forbidden):
        open_document(session, world.person("official_c"), document.id, store)
    with pytest.raises(NotFound):
        open_document(session, world.person("admin"), 987654, store)

    with pytest.raises(Forbidden):
        remove_document(session, world.person("official_a"), document.id, store)
    remove_document(session, world.person("secretary_d"), document.id, store)
    assert session.get(Document, document.id) is None
    assert not path.exists()
    actions = session.exec(
        select(AuditEntry.action).where(AuditEntry.object_type == "document").order_by(col(AuditEntry.id))
    ).all()
    assert list(actions) == ["add", "delete"]


def test_shared_bytes_stay_until_the_last_document_goes(
    session: Session, world: World, store: DocumentStore, meeting_id: int
) -> None:
    secretary = world.person("secretary_d")
    one = add_document(session, secretary, meeting_id, "1.pdf", "", PDF, store)
    two = add_document(session, secretary, meeting_id, "2.pdf", "", PDF, store)
    assert one.id is not None and two.id is not None
    path = store.path_for(one.sha256)
    remove_document(session, secretary, one.id, store)
    assert path.exists()
    remove_document(session, secretary, two.id, store)
    assert not path.exists()


def test_cancelled_meeting_takes_no_documents_and_confidential_ones_are_not_mailed(
    session: Session, world: World, store: DocumentStore, meeting_id: int
) -> None:
    secretary = world.person("secretary_d")
    document = add_document(session, secretary, meeting_id, "a.pdf", "", PDF, store)
    assert document.id is not None
    cancel_meeting(session, secretary, meeting_id, "")
    with pytest.raises(RuleViolation, match="«Đã huỷ», không thay đổi tài liệu được nữa"):
        add_document(session, secretary, meeting_id, "b.pdf", "", PDF, store)
    with pytest.raises(RuleViolation):
        remove_document(session, secretary, document.id, store)

    secret = create_meeting(
        session, secretary, briefing(world, title="Họp mật", confidential=True, record_confidential=True), tz=HANOI
    )
    assert secret.confidential and secret.record_confidential
    assert not may_be_mailed(secret)
    plain = create_meeting(
        session,
        secretary,
        briefing(
            world,
            title="Họp thường",
            record_confidential=True,
            start_at=secret.end_at,
            end_at=secret.end_at.replace(hour=23),
        ),
        tz=HANOI,
    )
    assert may_be_mailed(plain) and not plain.record_confidential  # the flag only means something when mật


def test_utf16_text_is_accepted_and_a_lost_file_is_reported(
    session: Session, world: World, store: DocumentStore, meeting_id: int
) -> None:
    notes = add_document(
        session, world.person("secretary_d"), meeting_id, "ghi chú.txt", "", "Ghi chú".encode("utf-16"), store
    )
    assert notes.id is not None
    assert store.read(notes.sha256) == "Ghi chú".encode("utf-16")
    store.path_for(notes.sha256).unlink()
    with pytest.raises(NotFound, match=r"«ghi chú\.txt» không còn trong kho lưu trữ"):
        open_document(session, world.person("secretary_d"), notes.id, store)
    with pytest.raises(ValueError):
        store.path_for("../../etc/passwd")
