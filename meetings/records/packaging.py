"""From an official document to its edXML package: the header fields taken from the form, the signed
PDF as the first attachment, and whatever else goes with it (the attendance CSV, the recording or a
file with its link)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from meetings.records.edxml import Attachment, BusinessKind, EdxmlPackage, Organ, Signer, TraceHeader
from meetings.records.forms import DocumentType, OfficialDocument
from meetings.units import Unit

# DocumentType/Type: 1 for administrative documents (văn bản hành chính), as in the public sample package.
# (unverified) Receiving systems take the type from TypeName; a vendor needing other codes changes these.
EDXML_TYPES: dict[DocumentType, int] = {
    DocumentType.INVITATION: 1,
    DocumentType.MINUTES: 1,
    DocumentType.CONCLUSION: 1,
}


def organ_of(unit: Unit, *, parent: Unit | None = None) -> Organ:
    """How a package names a unit of the directory."""
    return Organ(
        organ_id=unit.code,
        name=unit.name,
        address=unit.address,
        email=unit.email,
        telephone=unit.telephone,
        in_charge=parent.name if parent is not None else "",
    )


def package_for(
    doc: OfficialDocument,
    pdf: bytes,
    *,
    sender: Organ,
    recipients: Sequence[Organ],
    signer: Signer,
    pages: int,
    now: datetime,
    attachments: Sequence[Attachment] = (),
    due_date: date | None = None,
    business: BusinessKind = BusinessKind.NEW,
    staff_department: str = "",
    staff_name: str = "",
) -> EdxmlPackage:
    """The package filing ``doc`` (numbered) with its signed ``pdf`` and the other ``attachments``."""
    number = doc.number
    if number.number is None:
        raise ValueError("a document is filed once it has its number")
    file_stem = f"{number.number_text}-{number.symbol}"
    main = Attachment(
        content_id="1",
        name=f"{file_stem}.pdf",
        content_type="application/pdf",
        data=pdf,
        description=f"{doc.document_type.type_name} {number} (PDF, đã ký số)",
    )
    others = [
        Attachment(str(index), a.name, a.content_type, a.data, a.description)
        for index, a in enumerate(attachments, start=2)
    ]
    return EdxmlPackage(
        sender=sender,
        recipients=list(recipients),
        code_number=number.number_text,
        code_notation=number.symbol,
        promulgation_place=doc.agency.place_name,
        promulgation_date=doc.issued_on,
        document_type=EDXML_TYPES[doc.document_type],
        type_name=doc.document_type.type_name,
        subject=f"{doc.document_type.type_name} {doc.summary}".strip(),
        content=doc.summary,
        signer=signer,
        trace=[TraceHeader(sender.organ_id, now)],
        attachments=[main, *others],
        due_date=due_date,
        to_places=[r.name for r in recipients],
        page_amount=pages,
        business=business,
        staff_department=staff_department,
        staff_name=staff_name,
    )
