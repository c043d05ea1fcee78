"""The Giấy mời (invitation) produced when a meeting is published: numbered, laid out in the Decree 30
form, signed, kept as the meeting's document (so every invitation mail carries it), and filed into the
document-management system of the invited units.

Publishing happens in three steps, so the slow part (layout and signatures: about half a second, a token
may take longer) holds no database lock and a failure anywhere leaves nothing half done:

1. :func:`reserve_number` — in its own short transaction: every publishing rule is checked, then the
   invitation gets its number (the agency's next one, or the number the clerk entered from the register);
   the number is kept for the meeting, so a retry after a later failure reuses it instead of taking
   another (no gap in the register for one invitation).
2. :func:`produce_pdf` — outside any transaction: render and sign (blocking: run it off the event loop).
3. :func:`publish_with_invitation` — ``scheduling.publish_meeting`` with an ``attach`` step that, in the
   publishing transaction, adds the PDF as the meeting's document (its bytes already stored by their
   SHA-256) and enqueues the filing packages; the invitation mails enqueued after it list the document,
   and the mail deliverer attaches it from the store (the outbox payload holds only its hash).

A confidential meeting's Giấy mời is produced and kept, but never mailed (the mail snapshot leaves its
documents out) nor filed through the interconnection (``filing.enqueue_filing`` refuses).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from meetings.audit import AuditEntry, record
from meetings.documents import DocumentStore
from meetings.errors import N_, Conflict
from meetings.meeting import Document, Meeting
from meetings.people import Person
from meetings.records.edxml import Organ, Signer
from meetings.records.filing import PackageStore, enqueue_filing
from meetings.records.forms import DocumentType, Invitation
from meetings.records.invitation_form import pdf_filename, site_ids_of
from meetings.records.numbering import IssuedNumber, issue_number, lock_for_numbering
from meetings.records.packaging import organ_of, package_for
from meetings.records.render import render
from meetings.records.signing import Appearance, Credential, seal_slot, sign_pdf
from meetings.scheduling import check_publishable, publish_meeting
from meetings.units import Site, Unit

INVITATION_PURPOSE = "invitation"
ISSUE_ACTION = "issue_invitation"
"""The audit action of a Giấy mời attached to its meeting; its detail says whether it was signed."""
"""The outbox purpose of the Giấy mời's filing packages."""


@dataclass(frozen=True)
class InvitationSigners:
    """Who signs the Giấy mời: the head who convenes (their certificate, when the server holds it — the
    demo; a USB token needs its owner) and the agency (its certificate and seal image). Either may be
    missing: then that signature is left out, and with neither the PDF goes out unsigned."""

    signer: Credential | None = None
    agency: Credential | None = None
    seal_image: Path | None = None
    signer_image: Path | None = None


@dataclass(frozen=True)
class ProducedInvitation:
    form: Invitation
    pdf: bytes
    pages: int
    signed: bool


# --- 1. the number ------------------------------------------------------------------------------------


def invitation_numbers(session: Session, meeting_id: int) -> list[IssuedNumber]:
    """Every Giấy mời number given to the meeting, oldest first (a changed meeting gets a new Giấy mời)."""
    query = select(IssuedNumber).where(
        IssuedNumber.meeting_id == meeting_id, IssuedNumber.type_code == DocumentType.INVITATION.value
    )
    return list(session.exec(query.order_by(col(IssuedNumber.id))).all())


def invitation_documents(session: Session, meeting_id: int) -> list[Document]:
    """The meeting's documents that are Giấy mời giaoban issued (named after their numbers)."""
    names = [pdf_filename(n.number_and_symbol()) for n in invitation_numbers(session, meeting_id)]
    if not names:
        return []
    query = select(Document).where(Document.meeting_id == meeting_id, col(Document.filename).in_(names))
    return list(session.exec(query.order_by(col(Document.id))).all())


def unsigned_invitations(session: Session, meeting_id: int) -> list[IssuedNumber]:
    """The numbers of the meeting's Giấy mời (those still its documents) that went out with no digital
    signature at all, as the audit entry written when each was attached records: the server had no
    certificate to sign with (web.invitation_signing, production without an agency certificate)."""
    documents = invitation_documents(session, meeting_id)
    if not documents:
        return []
    entries = session.exec(
        select(AuditEntry).where(
            AuditEntry.action == ISSUE_ACTION,
            AuditEntry.object_type == "document",
            col(AuditEntry.object_id).in_([d.id for d in documents]),
        )
    ).all()
    unsigned = {e.object_id for e in entries if json.loads(e.detail).get("signed") is False}
    numbers = {pdf_filename(n.number_and_symbol()): n for n in invitation_numbers(session, meeting_id)}
    return [numbers[d.filename] for d in documents if d.id in unsigned]


def reserved_number(session: Session, meeting_id: int) -> IssuedNumber | None:
    """The meeting's latest Giấy mời number if no document carries it yet: reserved by an attempt that
    failed after it (a retry reuses it, leaving no gap in the register)."""
    numbers = invitation_numbers(session, meeting_id)
    if not numbers:
        return None
    latest = numbers[-1]
    used = {d.filename for d in invitation_documents(session, meeting_id)}
    return None if pdf_filename(latest.number_and_symbol()) in used else latest


def take_number(
    session: Session, actor: Person, meeting: Meeting, *, now: datetime, tz: ZoneInfo, entered: str | None
) -> IssuedNumber:
    """The reserved number (an entered one must match it), else a new one, in the caller's transaction."""
    assert meeting.id is not None
    existing = reserved_number(session, meeting.id)
    if existing is not None:
        if entered and entered.strip().lstrip("0") != str(existing.number):
            raise Conflict(
                N_("Giấy mời của cuộc họp này đã được ghi số %(number)s; hãy dùng lại số đó hoặc để trống."),
                field="number",
                number=str(existing.number_and_symbol()),
            )
        return existing
    unit = session.get(Unit, meeting.convening_unit_id)
    assert unit is not None  # foreign key
    issued = issue_number(
        session,
        unit=unit,
        document_type=DocumentType.INVITATION,
        issued_on=now.astimezone(tz).date(),
        meeting_id=meeting.id,
        actor_id=actor.id,
        entered=entered or None,
    )
    record(session, actor.id, "number_invitation", "meeting", meeting.id, number=str(issued.number_and_symbol()))
    return issued


def reserve_number(
    session: Session,
    actor: Person,
    meeting_id: int,
    *,
    now: datetime,
    tz: ZoneInfo,
    entered: str | None = None,
) -> IssuedNumber:
    """Check the meeting may be published now, and give its Giấy mời a number (committed).

    An agency in ``register`` mode must pass the number its clerk took from the register (``entered``);
    a ``generated`` agency must not. A number already reserved for this meeting by an earlier attempt is
    reused; a different number entered then is refused.
    """
    try:
        lock_for_numbering(session)
        meeting = check_publishable(session, actor, meeting_id, now=now, tz=tz)
        issued = take_number(session, actor, meeting, now=now, tz=tz, entered=entered)
        session.commit()
        return issued
    except BaseException:
        session.rollback()
        raise


# --- 2. the form and the PDF ----------------------------------------------------------------------------


def produce_pdf(form: Invitation, signers: InvitationSigners, *, now: datetime) -> ProducedInvitation:
    """Lay out and sign the Giấy mời (blocking: weasyprint and pyHanko; call off the event loop, on the
    renderer's thread). The signer's signature first, then the agency's over its left third."""
    rendered = render(form)
    pdf = rendered.pdf
    slot = rendered.slots.get("signer")
    signed = False
    if signers.signer is not None:
        pdf = sign_pdf(
            pdf,
            signers.signer,
            field_name="signer",
            appearance=Appearance(form.signature.full_name, form.signature.title, signers.signer_image),
            slot=slot,
            reason=f"Ký ban hành giấy mời số {form.number}",
            location=form.agency.place_name,
            now=now,
        )
        signed = True
    if signers.agency is not None:
        pdf = sign_pdf(
            pdf,
            signers.agency,
            field_name="agency",
            appearance=Appearance(form.agency.name, image=signers.seal_image, agency=True),
            slot=seal_slot(slot) if slot is not None else None,
            reason=f"Chữ ký số của cơ quan trên giấy mời số {form.number}",
            location=form.agency.place_name,
            now=now,
        )
        signed = True
    return ProducedInvitation(form, pdf, rendered.pages, signed)


# --- 3. publishing with it ------------------------------------------------------------------------------


def _recipients(session: Session, meeting: Meeting) -> list[Organ]:
    """The invited units other than the convening one, each once, as filing destinations."""
    assert meeting.id is not None
    units = session.exec(
        select(Unit)
        .join(Site, col(Site.unit_id) == col(Unit.id))
        .where(col(Site.id).in_(site_ids_of(session, meeting.id)))
        .order_by(col(Unit.code))
    ).all()
    organs: dict[str, Organ] = {}
    for unit in units:
        if unit.id != meeting.convening_unit_id and unit.code not in organs:
            parent = session.get(Unit, unit.parent_id) if unit.parent_id is not None else None
            organs[unit.code] = organ_of(unit, parent=parent)
    return list(organs.values())


def attach_invitation(
    session: Session,
    meeting: Meeting,
    produced: ProducedInvitation,
    *,
    actor: Person,
    documents: DocumentStore,
    packages: PackageStore,
    now: datetime,
    tz: ZoneInfo,
) -> Document:
    """In the publishing transaction: the Giấy mời as the meeting's document, and (not for a confidential
    meeting) its filing to every invited unit. The caller commits."""
    assert meeting.id is not None
    sha256 = documents.put(produced.pdf)
    document = Document(
        meeting_id=meeting.id,
        filename=pdf_filename(produced.form.number),
        content_type="application/pdf",
        size=len(produced.pdf),
        sha256=sha256,
        uploaded_by_id=actor.id,
    )
    session.add(document)
    session.flush()
    record(
        session,
        actor.id,
        ISSUE_ACTION,
        "document",
        document.id,
        meeting_id=meeting.id,
        number=str(produced.form.number),
        sha256=sha256,
        signed=produced.signed,
    )
    recipients = _recipients(session, meeting)
    if not meeting.confidential and recipients:
        unit = session.get(Unit, meeting.convening_unit_id)
        assert unit is not None
        parent = session.get(Unit, unit.parent_id) if unit.parent_id is not None else None
        signature = produced.form.signature
        package = package_for(
            produced.form,
            produced.pdf,
            sender=organ_of(unit, parent=parent),
            recipients=recipients,
            signer=Signer(signature.competence, signature.title, signature.full_name),
            pages=produced.pages,
            now=now,
            due_date=meeting.start_at.astimezone(tz).date(),
        )
        enqueue_filing(session, meeting=meeting, package=package, store=packages, purpose=INVITATION_PURPOSE)
    return document


def publish_with_invitation(
    session: Session,
    actor: Person,
    meeting_id: int,
    produced: ProducedInvitation,
    *,
    now: datetime,
    tz: ZoneInfo,
    documents: DocumentStore,
    packages: PackageStore,
) -> Meeting:
    """Publish the meeting with its produced Giấy mời (step 3; commits)."""

    def attach(s: Session, meeting: Meeting) -> None:
        attach_invitation(s, meeting, produced, actor=actor, documents=documents, packages=packages, now=now, tz=tz)

    return publish_meeting(session, actor, meeting_id, now=now, tz=tz, attach=attach)
