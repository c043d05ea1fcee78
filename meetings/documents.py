"""Meeting documents: uploads limited in size and type, stored once by their SHA-256 under a root folder.

The browser's declared content type is not trusted: the type comes from the file name's extension, and
the first bytes must match it (a ``.pdf`` must start like a PDF), so a page cannot be smuggled in as a
report. A confidential meeting's documents are kept like any other; the mail side must not send them
(see :func:`may_be_mailed`).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, col, func, select, update

from meetings.access import require_manage_meeting
from meetings.audit import record
from meetings.errors import N_, Message, NotFound, RuleViolation, ValidationError, as_message
from meetings.lifecycle import STATE_LABELS
from meetings.meeting import Document, Meeting, MeetingState
from meetings.people import Person
from meetings.records.invitation_form import issued_invitation_number
from meetings.types import utcnow
from meetings.viewing import get_meeting

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary Office formats


def _starts(*prefixes: bytes) -> Callable[[bytes], bool]:
    return lambda data: data.startswith(prefixes)


def _is_zip(data: bytes) -> bool:
    # Office Open XML and OpenDocument files are zip archives; "PK\5\6" is an empty archive.
    return data.startswith((b"PK\x03\x04", b"PK\x05\x06"))


def _is_text(data: bytes) -> bool:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            data.decode("utf-16")
        except UnicodeDecodeError:
            return False
        return True
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return "\x00" not in text


@dataclass(frozen=True)
class FileType:
    content_type: str
    label: str
    looks_right: Callable[[bytes], bool]


FILE_TYPES: dict[str, FileType] = {
    "pdf": FileType("application/pdf", "PDF", _starts(b"%PDF-")),
    "doc": FileType("application/msword", "Word", _starts(_OLE)),
    "docx": FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word", _is_zip),
    "xls": FileType("application/vnd.ms-excel", "Excel", _starts(_OLE)),
    "xlsx": FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel", _is_zip),
    "ppt": FileType("application/vnd.ms-powerpoint", "PowerPoint", _starts(_OLE)),
    "pptx": FileType(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation", "PowerPoint", _is_zip
    ),
    "odt": FileType("application/vnd.oasis.opendocument.text", "OpenDocument", _is_zip),
    "ods": FileType("application/vnd.oasis.opendocument.spreadsheet", "OpenDocument", _is_zip),
    "odp": FileType("application/vnd.oasis.opendocument.presentation", "OpenDocument", _is_zip),
    "png": FileType("image/png", "PNG", _starts(b"\x89PNG\r\n\x1a\n")),
    "jpg": FileType("image/jpeg", "JPEG", _starts(b"\xff\xd8\xff")),
    "jpeg": FileType("image/jpeg", "JPEG", _starts(b"\xff\xd8\xff")),
    "txt": FileType("text/plain; charset=utf-8", N_("văn bản thuần"), _is_text),
    "zip": FileType("application/zip", "ZIP", _is_zip),
}

# Documents can be added until the records are filed; a cancelled meeting takes none.
_CLOSED_STATES = frozenset({MeetingState.FILED, MeetingState.CANCELLED})

_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_MAX_NAME = 255  # Document.filename
_FORBIDDEN_CHARS = re.compile(r'[<>:"|?*;]')


@dataclass(frozen=True)
class DocumentStore:
    """Files named by their SHA-256 under ``root`` (``ab/abcdef…``): the same bytes are kept once."""

    root: Path
    max_bytes: int

    def path_for(self, sha256: str) -> Path:
        if not _SHA256_RE.match(sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        """Store ``data`` (atomically, so readers never see half a file) and return its SHA-256."""
        sha256 = hashlib.sha256(data).hexdigest()
        path = self.path_for(sha256)
        if path.exists():
            return sha256
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return sha256

    def read(self, sha256: str) -> bytes:
        return self.path_for(sha256).read_bytes()

    def delete(self, sha256: str) -> None:
        self.path_for(sha256).unlink(missing_ok=True)


def sanitize_filename(filename: str) -> str:
    """A file name safe to show and to put in a download header; Vietnamese letters are kept.

    Drops any folder part (some browsers send ``C:\\...\\name``), control and invisible formatting
    characters (including right-to-left overrides that disguise an extension), characters Windows
    refuses, repeated blanks and leading/trailing dots; shortens it to 255 characters, keeping the
    extension.
    """
    name = unicodedata.normalize("NFC", filename)
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = _FORBIDDEN_CHARS.sub("_", name)
    name = " ".join(name.split())
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    ext = ext.strip()
    stem = stem.strip(" .") or "tai-lieu"
    suffix = f".{ext}" if ext else ""
    return stem[: _MAX_NAME - len(suffix)].rstrip(" .") + suffix


def _extension(name: str) -> str:
    _stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot else ""


def _size(n: int) -> str:
    """``12,5 MB`` — Vietnamese uses the decimal comma."""
    if n < 1024:
        return f"{n} byte"
    unit, scale = ("KB", 1024) if n < 1024 * 1024 else ("MB", 1024 * 1024)
    return f"{n / scale:.1f}".replace(".", ",").removesuffix(",0") + f" {unit}"


def allowed_extensions() -> str:
    return ", ".join(f".{ext}" for ext in FILE_TYPES)


def check_upload(filename: str, data: bytes, max_bytes: int) -> tuple[str, FileType]:
    """The clean name and the type of an upload, or a ValidationError on field ``file``."""
    name = sanitize_filename(filename)
    ext = _extension(name)
    file_type = FILE_TYPES.get(ext)
    if file_type is None:
        raise ValidationError(
            N_("Không nhận tệp «%(name)s»: chỉ nhận các loại tệp %(allowed)s."),
            field="file",
            name=name,
            allowed=allowed_extensions(),
        )
    if not data:
        raise ValidationError(N_("Tệp «%(name)s» rỗng."), field="file", name=name)
    if len(data) > max_bytes:
        raise ValidationError(
            N_("Tệp «%(name)s» có dung lượng %(size)s, vượt quá giới hạn %(limit)s."),
            field="file",
            name=name,
            size=_size(len(data)),
            limit=_size(max_bytes),
        )
    if not file_type.looks_right(data):
        raise ValidationError(
            N_("Nội dung tệp «%(name)s» không phải tệp %(type)s như phần mở rộng .%(ext)s cho biết."),
            field="file",
            name=name,
            type=as_message(file_type.label),
            ext=ext,
        )
    return name, file_type


def _meeting(session: Session, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(N_("Không tìm thấy cuộc họp (mã %(id)s)."), id=meeting_id)
    return meeting


def _document(session: Session, document_id: int) -> Document:
    document = session.get(Document, document_id)
    if document is None:
        raise NotFound(N_("Không tìm thấy tài liệu (mã %(id)s)."), id=document_id)
    return document


def _check_open(meeting: Meeting) -> None:
    if meeting.state in _CLOSED_STATES:
        raise RuleViolation(
            N_("Cuộc họp «%(title)s» đang ở trạng thái «%(state)s», không thay đổi tài liệu được nữa."),
            field="file",
            title=meeting.title,
            state=Message(STATE_LABELS[meeting.state]),
        )


def add_document(
    session: Session,
    actor: Person,
    meeting_id: int,
    filename: str,
    content_type: str,
    data: bytes,
    store: DocumentStore,
) -> Document:
    """Attach an uploaded file to the meeting.

    ``content_type`` is what the browser claimed; it is recorded in the audit entry only, the stored
    type follows the extension after the content has been checked against it.
    """
    meeting = _meeting(session, meeting_id)
    require_manage_meeting(actor, meeting)
    _check_open(meeting)
    name, file_type = check_upload(filename, data, store.max_bytes)
    sha256 = store.put(data)
    try:
        document = Document(
            meeting_id=meeting_id,
            filename=name,
            content_type=file_type.content_type,
            size=len(data),
            sha256=sha256,
            uploaded_by_id=actor.id,
        )
        session.add(document)
        session.flush()
        record(
            session,
            actor.id,
            "add",
            "document",
            document.id,
            meeting_id=meeting_id,
            filename=name,
            size=len(data),
            sha256=sha256,
            declared_type=content_type[:100],
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return document


def open_document(session: Session, actor: Person, document_id: int, store: DocumentStore) -> tuple[Document, Path]:
    """The document and the path of its bytes, for anyone who may see the meeting."""
    document = _document(session, document_id)
    get_meeting(session, actor, document.meeting_id)  # raises Forbidden for those not invited
    path = store.path_for(document.sha256)
    if not path.is_file():
        raise NotFound(N_("Tệp của tài liệu «%(name)s» không còn trong kho lưu trữ."), name=document.filename)
    return document, path


def remove_document(session: Session, actor: Person, document_id: int, store: DocumentStore) -> None:
    """Detach the document; its bytes go too unless another document has the same content."""
    document = _document(session, document_id)
    meeting = _meeting(session, document.meeting_id)
    require_manage_meeting(actor, meeting)
    _check_open(meeting)
    issued = issued_invitation_number(session, document)
    if issued is not None:
        raise RuleViolation(
            N_(
                "Giấy mời số %(number)s đã ban hành là văn bản chính thức, không xoá được; "
                "khi cuộc họp thay đổi, giấy mời mới được ban hành thay thế."
            ),
            field="file",
            number=str(issued.number_and_symbol()),
        )
    sha256 = document.sha256
    try:
        record(
            session,
            actor.id,
            "delete",
            "document",
            document.id,
            meeting_id=meeting.id,
            filename=document.filename,
            sha256=sha256,
        )
        session.delete(document)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    still_used = session.exec(select(func.count()).select_from(Document).where(Document.sha256 == sha256)).one()
    if not still_used:
        store.delete(sha256)


def may_be_mailed(meeting: Meeting) -> bool:
    """Whether the meeting's documents may go out by e-mail: never for a confidential (mật) meeting."""
    return not meeting.confidential


def mark_mailed(session: Session, document_ids: Sequence[int], at: datetime | None = None) -> int:
    """Note that the documents went out by mail at ``at``, unless they had already; how many were marked.

    A conditional update: of two transactions sending the same documents, the second marks none, and knows.
    """
    if not document_ids:
        return 0
    result = session.exec(
        update(Document)
        .where(col(Document.id).in_(list(document_ids)), col(Document.mailed_at).is_(None))
        .values(mailed_at=at or utcnow())
    )
    return int(result.rowcount)
