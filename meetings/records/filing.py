"""Filing official documents into the document-management system through the durable outbox.

A document to file becomes an edXML package, stored once under the data folder by its SHA-256, and one
outbox item of kind ``edxml`` per receiving agency, enqueued in the caller's transaction (so an approval
can never lose its filing). The outbox delivers each destination's packages one after the other in the
order they were enqueued (see ``meetings.outbox_claim``); :mod:`meetings.records.filing_delivery` is the
deliverer. Status packages the receivers send back are recorded here (:func:`record_status`), linked to
the item they answer; a rejection stays visible on the meeting's filing list.

Confidential meetings' documents are never filed this way (Decision 45/2018 practice).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import Column, Field, Session, SQLModel, Text, col, select, update

from meetings import audit
from meetings.errors import N_, NotFound, RuleViolation
from meetings.meeting import Meeting, MeetingState
from meetings.outbox import OutboxItem, OutboxStatus, default_message_id, enqueue
from meetings.records.edxml import BusinessKind, EdxmlPackage, build_package
from meetings.records.edxml_status import FilingState, StatusCodes, parse_status
from meetings.records.filing_transport import atomic_write
from meetings.types import UTCDateTime, utcnow

EDXML = "edxml"
"""The outbox kind of filing packages."""

PAYLOAD_VERSION = 1


class PackageStore:
    """Built packages, stored once by their SHA-256 under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a SHA-256: {sha256!r}")
        return self.root / sha256[:2] / f"{sha256}.edxml"

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        path = self.path_for(digest)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, data)
        return digest

    def read(self, sha256: str) -> bytes:
        return self.path_for(sha256).read_bytes()


class FilingStatusRecord(SQLModel, table=True):
    """A status package received from a document-management system."""

    __tablename__ = "filing_status"

    id: int | None = Field(default=None, primary_key=True)
    digest: str = Field(max_length=64, unique=True)
    """SHA-256 of the package as received: the same package twice is recorded once."""
    document_id: str = Field(max_length=250, index=True)
    outbox_item_id: int | None = Field(default=None, foreign_key="outbox_item.id", index=True)
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id", index=True)
    from_organ_id: str = Field(max_length=20)
    from_organ_name: str = Field(default="", max_length=300)
    code: str = Field(max_length=20)
    state: str = Field(max_length=20)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    staff: str = Field(default="", max_length=200)
    department: str = Field(default="", max_length=200)
    status_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    received_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    source: str = Field(default="", max_length=300)
    raw: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


def filing_key(document_id: str, destination: str, business: BusinessKind) -> str:
    return f"edxml:{document_id}:{destination}:{int(business)}"


def enqueue_filing(
    session: Session,
    *,
    meeting: Meeting,
    package: EdxmlPackage,
    store: PackageStore,
    purpose: str,
    due_at: datetime | None = None,
) -> list[OutboxItem]:
    """Build ``package``, keep it, and enqueue one item per receiving agency (the caller commits).

    Idempotent per document, destination and business kind: filing the same document twice sends it once.
    """
    if meeting.confidential:
        raise RuleViolation(
            N_(
                "Tài liệu của cuộc họp mật không được gửi qua hệ thống liên thông văn bản; hãy chuyển theo quy định "
                "về văn bản mật."
            ),
            field="confidential",
        )
    data = build_package(package)
    digest = store.put(data)
    items = []
    for recipient in package.recipients:
        key = filing_key(package.document_id, recipient.organ_id, package.business)
        items.append(
            enqueue(
                session,
                kind=EDXML,
                destination=recipient.organ_id,
                key=key,
                payload={
                    "version": PAYLOAD_VERSION,
                    "package": digest,
                    "document_id": package.document_id,
                    "business": int(package.business),
                    "size": len(data),
                },
                message_id=default_message_id(key, "edxml.giaoban"),
                purpose=purpose,
                recipient_name=recipient.name,
                recipient_ref=f"organ:{recipient.organ_id}",
                meeting_id=meeting.id,
                due_at=due_at,
            )
        )
    return items


def _item_for(session: Session, document_id: str, organ_id: str) -> OutboxItem | None:
    query = (
        select(OutboxItem)
        .where(OutboxItem.kind == EDXML, OutboxItem.destination == organ_id)
        .where(col(OutboxItem.idempotency_key).startswith(f"edxml:{document_id}:{organ_id}:", autoescape=True))
        .order_by(col(OutboxItem.id).desc())
    )
    return session.exec(query).first()


def record_status(
    session: Session, data: bytes, *, codes: StatusCodes | None = None, source: str = ""
) -> FilingStatusRecord:
    """Record a status package (the caller commits); the same package again returns the first record.

    Raises ``EdxmlError`` (a ValidationError) with the reason when ``data`` is not a status package.
    """
    status = parse_status(data, codes)
    digest = hashlib.sha256(data).hexdigest()
    existing = session.exec(select(FilingStatusRecord).where(FilingStatusRecord.digest == digest)).first()
    if existing is not None:
        return existing
    item = _item_for(session, status.document_id, status.from_organ_id)
    entry = FilingStatusRecord(
        digest=digest,
        document_id=status.document_id[:250],
        outbox_item_id=item.id if item is not None else None,
        meeting_id=item.meeting_id if item is not None else None,
        from_organ_id=status.from_organ_id,
        from_organ_name=status.from_organ_name[:300],
        code=status.code[:20],
        state=status.state.value,
        description=status.description,
        staff=status.staff[:200],
        department=status.department[:200],
        status_at=status.at,
        source=source[:300],
        raw=data.decode("utf-8", "replace"),
    )
    try:
        with session.begin_nested():
            session.add(entry)
    except IntegrityError:
        # The same package recorded by another process at this moment.
        existing = session.exec(select(FilingStatusRecord).where(FilingStatusRecord.digest == digest)).first()
        if existing is None:
            raise
        return existing
    return entry


@dataclass(frozen=True)
class FiledPackage:
    """One package of a meeting, for the meeting page: where it went, whether it is delivered, and what
    the receiver said last."""

    item: OutboxItem
    document_id: str
    statuses: list[FilingStatusRecord]

    @property
    def delivered(self) -> bool:
        return self.item.status == OutboxStatus.DELIVERED

    @property
    def latest(self) -> FilingStatusRecord | None:
        return self.statuses[-1] if self.statuses else None

    @property
    def rejected(self) -> bool:
        return any(s.state == FilingState.REJECTED for s in self.statuses)


def meeting_filing(session: Session, meeting_id: int) -> list[FiledPackage]:
    """Every filing package of a meeting, oldest first, with the statuses received for it."""
    query = select(OutboxItem).where(OutboxItem.meeting_id == meeting_id, OutboxItem.kind == EDXML)
    items = session.exec(query.order_by(col(OutboxItem.id))).all()
    records = session.exec(
        select(FilingStatusRecord)
        .where(FilingStatusRecord.meeting_id == meeting_id)
        .order_by(col(FilingStatusRecord.status_at), col(FilingStatusRecord.id))
    ).all()
    by_item: dict[int | None, list[FilingStatusRecord]] = {}
    for record in records:
        by_item.setdefault(record.outbox_item_id, []).append(record)
    return [FiledPackage(item, str(item.data().get("document_id", "")), by_item.get(item.id, [])) for item in items]


def unmatched_statuses(session: Session, *, limit: int = 100) -> list[FilingStatusRecord]:
    """Statuses answering no package giaoban knows: for an administrator to look at."""
    query = (
        select(FilingStatusRecord)
        .where(col(FilingStatusRecord.outbox_item_id).is_(None))
        .order_by(col(FilingStatusRecord.id).desc())
        .limit(limit)
    )
    return list(session.exec(query).all())


def mark_filed_if_complete(session: Session, meeting_id: int) -> bool:
    """Move a meeting whose minutes are approved to "filed" once every filing package is delivered and
    none was rejected (the caller commits), with an audit entry of no person: the outbox did it. Returns
    whether it moved."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(N_("Không tìm thấy cuộc họp (mã %(id)s)."), id=meeting_id)
    if meeting.state != MeetingState.MINUTES_APPROVED:
        return False
    packages = meeting_filing(session, meeting_id)
    if not packages or not all(p.delivered and not p.rejected for p in packages):
        return False
    # Packages delivered side by side each settle the meeting; the one whose update finds it still
    # approved moves it (and writes the audit entry), the others find it filed.
    moved = session.exec(
        update(Meeting)
        .where(col(Meeting.id) == meeting_id, col(Meeting.state) == MeetingState.MINUTES_APPROVED)
        .values(state=MeetingState.FILED, updated_at=utcnow())
    )
    if moved.rowcount != 1:
        return False
    audit.record(session, None, "file", "meeting", meeting_id, packages=len(packages))
    return True
