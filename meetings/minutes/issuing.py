"""Issuing a numbered document of the meeting (the minutes, the conclusion notice): the PDF rendered and
signed, kept as a document of the meeting, filed into the document-management system and mailed to every
invited unit — the last three in one transaction with the outbox, so they happen together or not at all.

Rendering and signing run outside any transaction (they take a second or two, and a USB token may wait
for its PIN). The number was given and committed before (the approval), so a failure here loses nothing:
the document stays "approved, not yet issued" and the same step can be run again; :func:`complete`
refuses to attach a second PDF when a concurrent retry got there first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, col, select

from meetings.documents import DocumentStore
from meetings.errors import DomainError
from meetings.meeting import Document, Meeting, MeetingSite
from meetings.meeting_mail import RecordAttachment, RecordMail, enqueue_record_mail
from meetings.minutes.signers import SigningKey, SigningKeys
from meetings.people import Person
from meetings.records.edxml import Attachment, Signer
from meetings.records.filing import PackageStore, enqueue_filing
from meetings.records.fonts import FontMissing, official_font
from meetings.records.forms import OfficialDocument
from meetings.records.packaging import organ_of, package_for
from meetings.records.render import check_characters, on_renderer_thread, render
from meetings.records.signing import seal_slot, sign_pdf
from meetings.units import Site, Unit


@dataclass(frozen=True)
class IssueServices:
    """Where issued documents go and whose keys sign them (built by the web layer from the settings)."""

    keys: SigningKeys
    documents: DocumentStore
    packages: PackageStore
    tz: ZoneInfo
    # Where the service is reached: the links to recordings filed beside the minutes.
    base_url: str = ""


class CannotRender(DomainError):
    """The server cannot make the PDF (the official font is not installed): the message says what to do."""

    status_code = 503


def check_renderable(form: OfficialDocument) -> None:
    """Refuse, before anything is frozen or numbered, a document the PDF could not be made of: text with
    characters the official font lacks (ValidationError), or no official font (:class:`CannotRender`)."""
    try:
        font = official_font()
    except FontMissing as exc:
        raise CannotRender(str(exc)) from None
    check_characters(form, font)


@dataclass(frozen=True)
class SignedPdf:
    pdf: bytes
    pages: int


def sign_document(
    form: OfficialDocument, people: list[tuple[str, SigningKey]], agency: SigningKey | None, *, place: str
) -> SignedPdf:
    """Render ``form`` and sign it: each person in their slot (``secretary``, ``chair``, ``signer``), in
    order, then the agency's seal over the last person's signature."""
    try:
        # The renderer's own single thread: weasyprint is not to be used from several threads at once.
        rendered = on_renderer_thread(render, form)
    except FontMissing as exc:
        raise CannotRender(str(exc)) from None
    pdf = rendered.pdf
    for slot_name, key in people:
        pdf = sign_pdf(
            pdf,
            key.credential,
            field_name=f"Sig-{slot_name}",
            appearance=key.appearance,
            slot=rendered.slots.get(slot_name),
            reason=f"{form.document_type.type_name} {form.number}",
            location=place,
        )
    if agency is not None and people:
        last = rendered.slots.get(people[-1][0])
        pdf = sign_pdf(
            pdf,
            agency.credential,
            field_name="Sig-agency",
            appearance=agency.appearance,
            slot=seal_slot(last) if last is not None else None,
            reason=f"{form.document_type.type_name} {form.number}",
            location=place,
        )
    return SignedPdf(pdf, rendered.pages)


def file_name(form: OfficialDocument) -> str:
    return f"{form.document_type.type_name} {form.number.number_text}-{form.number.symbol}.pdf"


def _receiving_units(session: Session, meeting: Meeting) -> list[Unit]:
    """The convening unit (its own register) and every invited site's unit, each once."""
    units = [session.get(Unit, meeting.convening_unit_id)]
    rows = session.exec(
        select(Unit)
        .join(Site, col(Site.unit_id) == col(Unit.id))
        .join(MeetingSite, col(MeetingSite.site_id) == col(Site.id))
        .where(MeetingSite.meeting_id == meeting.id)
        .order_by(col(MeetingSite.id))
    ).all()
    seen: set[int | None] = set()
    unique = []
    for unit in [*units, *rows]:
        if unit is not None and unit.id not in seen:
            seen.add(unit.id)
            unique.append(unit)
    return unique


def store_file_and_mail(
    session: Session,
    *,
    meeting: Meeting,
    form: OfficialDocument,
    signed: SignedPdf,
    kind: str,
    signer: Person,
    actor_id: int | None,
    services: IssueServices,
    now: datetime,
    attachments: Sequence[Attachment] = (),
) -> Document:
    """Keep the signed PDF as a document of the meeting, enqueue its filing (not for a confidential
    meeting), with ``attachments`` beside the PDF in the package, and its mail to the meeting's recipients; the
    caller commits."""
    assert meeting.id is not None
    name = file_name(form)
    sha256 = services.documents.put(signed.pdf)
    document = Document(
        meeting_id=meeting.id,
        filename=name,
        content_type="application/pdf",
        size=len(signed.pdf),
        sha256=sha256,
        uploaded_by_id=actor_id,
    )
    session.add(document)
    session.flush()
    if not meeting.confidential:
        units = _receiving_units(session, meeting)
        sender = units[0]
        package = package_for(
            form,
            signed.pdf,
            sender=organ_of(sender),
            recipients=[organ_of(u) for u in units],
            signer=Signer(competence="", position=signer.position, full_name=signer.full_name),
            pages=signed.pages,
            now=now,
            attachments=attachments,
        )
        enqueue_filing(session, meeting=meeting, package=package, store=services.packages, purpose=kind)
    enqueue_record_mail(
        session,
        meeting,
        RecordMail(
            kind=kind,
            title=meeting.title,
            number=str(form.number),
            summary=form.summary,
            signer_name=signer.full_name,
            signer_position=signer.position,
        ),
        key=f"{kind}:{meeting.id}:{form.number}",
        store=services.documents,
        attachments=[RecordAttachment(name, "application/pdf", signed.pdf)],
    )
    return document


def attach_once(session: Session, table: type, row_id: int, document_id: int) -> bool:
    """Set ``document_id`` on the row unless a concurrent run set it already (compare-and-set)."""
    result = session.execute(
        update(table)
        .where(col(table.id) == row_id, col(table.document_id).is_(None))  # type: ignore[attr-defined]
        .values(document_id=document_id)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]
