"""edXML packages (QCVN 102:2016/BTTTT): what the document-management systems exchange.

Layout (root ``edXML`` in the namespace :data:`NS`; element order as in the public sample package)::

    edXML
      edXMLEnvelope
        edXMLHeader
          MessageHeader: From, To+, DocumentId, ResponseFor?, Code, PromulgationInfo, DocumentType,
                         Subject, Content, SignerInfo, DueDate?, OtherInfo, ToPlaces
          TraceHeaderList: TraceHeader+ (OrganId, Timestamp), Bussiness (sic, as the standard spells it)
        edXMLBody
          edXMLManifest version="1.0": Reference+ (ContentId cid:…, ContentType, Description, AttachmentName)
      AttachmentEncoded
        Attachment+ (ContentId, AttachmentName, Description, ContentType, ContentTransferEncoded = base64)

Formats: DocumentId ``orgId,yyyy/mm/dd,number/symbol``; dates ``yyyy/mm/dd``; timestamps
``yyyy/MM/dd HH:mm:ss`` (Vietnamese time); agency codes ``000.00.12.H49``.

:func:`build_package` writes a package; :func:`meetings.records.edxml_reader.parse_package` reads one back.
"""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import IntEnum
from zoneinfo import ZoneInfo

from meetings.errors import ValidationError
from meetings.units import AGENCY_CODE_RE

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
DOCUMENT_ID_RE = re.compile(r"^(\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}),(\d{4}/\d{2}/\d{2}),(\d+/\S+)$")
DATE_RE = re.compile(r"^\d{4}/\d{2}/\d{2}$")
TIMESTAMP_FORMAT = "%Y/%m/%d %H:%M:%S"


class EdxmlError(ValidationError):
    """A package that does not follow QCVN 102:2016 (or that this implementation cannot read)."""


class BusinessKind(IntEnum):
    """TraceHeaderList/Bussiness/BussinessDocType."""

    NEW = 0
    WITHDRAW = 1
    UPDATE = 2
    REPLACE = 3


BUSINESS_REASONS = {
    BusinessKind.NEW: "Văn bản điện tử mới",
    BusinessKind.WITHDRAW: "Thu hồi văn bản",
    BusinessKind.UPDATE: "Cập nhật văn bản",
    BusinessKind.REPLACE: "Thay thế văn bản",
}


@dataclass(frozen=True)
class Organ:
    """An agency as packages name it (From, To)."""

    organ_id: str
    name: str
    address: str = ""
    email: str = ""
    telephone: str = ""
    website: str = ""
    in_charge: str = ""
    """OrganizationInCharge: the agency above it, when there is one."""


@dataclass(frozen=True)
class Attachment:
    content_id: str
    """Without the ``cid:`` prefix."""
    name: str
    content_type: str
    data: bytes = field(repr=False)
    description: str = ""


@dataclass(frozen=True)
class TraceHeader:
    organ_id: str
    timestamp: datetime


@dataclass(frozen=True)
class ResponseFor:
    """The package this one answers."""

    organ_id: str
    code: str
    promulgation_date: date
    document_id: str


@dataclass(frozen=True)
class Signer:
    competence: str
    position: str
    full_name: str


@dataclass(frozen=True)
class EdxmlPackage:
    sender: Organ
    recipients: Sequence[Organ]
    code_number: str
    """The number, as the document prints it (``05``)."""
    code_notation: str
    """The symbol (``BB-UBND``)."""
    promulgation_place: str
    promulgation_date: date
    document_type: int
    type_name: str
    subject: str
    signer: Signer
    trace: Sequence[TraceHeader]
    attachments: Sequence[Attachment]
    content: str = ""
    type_detail: int = 0
    due_date: date | None = None
    to_places: Sequence[str] = ()
    priority: int = 0
    page_amount: int = 0
    appendixes: Sequence[str] = ()
    response_for: ResponseFor | None = None
    business: BusinessKind = BusinessKind.NEW
    staff_department: str = ""
    staff_name: str = ""
    staff_email: str = ""

    @property
    def number_and_symbol(self) -> str:
        return f"{self.code_number}/{self.code_notation}"

    @property
    def document_id(self) -> str:
        """``000.00.12.H49,2026/03/05,05/BB-UBND``."""
        return f"{self.sender.organ_id},{slashed(self.promulgation_date)},{self.number_and_symbol}"


def slashed(value: date) -> str:
    return f"{value.year:04d}/{value.month:02d}/{value.day:02d}"


def timestamp(value: datetime) -> str:
    """``2026/03/05 11:45:00`` in Vietnamese time."""
    return value.astimezone(VIETNAM).strftime(TIMESTAMP_FORMAT)


# --- writing ------------------------------------------------------------------------------------------


def _add(parent: ET.Element, name: str, text: str | int | None = None) -> ET.Element:
    # Plain names under a root that declares the default namespace: the same elements, in NS, once read.
    # (ElementTree's default_namespace option refuses the manifest's unqualified "version" attribute.)
    element = ET.SubElement(parent, name)
    if text is not None:
        element.text = str(text)
    return element


def _organ(parent: ET.Element, name: str, organ: Organ) -> None:
    element = _add(parent, name)
    _add(element, "OrganId", organ.organ_id)
    if organ.in_charge:
        _add(element, "OrganizationInCharge", organ.in_charge)
    _add(element, "OrganName", organ.name)
    _add(element, "OrganAdd", organ.address)
    _add(element, "Email", organ.email)
    _add(element, "Telephone", organ.telephone)
    _add(element, "Website", organ.website)


def check_package(package: EdxmlPackage) -> None:
    """Refuse what would make a package the receiving system must reject."""
    for organ in (package.sender, *package.recipients):
        if not AGENCY_CODE_RE.match(organ.organ_id):
            raise EdxmlError(f"Mã định danh «{organ.organ_id}» không đúng dạng QCVN 102:2016.", field="organ_id")
    if not package.recipients:
        raise EdxmlError("Gói tin phải có ít nhất một nơi nhận (To).", field="recipients")
    if not package.code_number.isdigit():
        raise EdxmlError(f"Số văn bản «{package.code_number}» phải là số.", field="number")
    if not package.attachments:
        raise EdxmlError("Gói tin phải có ít nhất một tệp đính kèm.", field="attachments")
    ids = [a.content_id for a in package.attachments]
    if len(set(ids)) != len(ids):
        raise EdxmlError("Mã nội dung (ContentId) của các tệp đính kèm bị trùng.", field="attachments")
    if not package.trace:
        raise EdxmlError("Gói tin phải có TraceHeader của đơn vị gửi.", field="trace")


def build_package(package: EdxmlPackage) -> bytes:
    """The package as UTF-8 XML bytes."""
    check_package(package)
    root = ET.Element("edXML", {"xmlns": NS})
    envelope = _add(root, "edXMLEnvelope")
    header = _add(envelope, "edXMLHeader")
    message = _add(header, "MessageHeader")
    _organ(message, "From", package.sender)
    for recipient in package.recipients:
        _organ(message, "To", recipient)
    _add(message, "DocumentId", package.document_id)
    if package.response_for is not None:
        answer = _add(message, "ResponseFor")
        _add(answer, "OrganId", package.response_for.organ_id)
        _add(answer, "Code", package.response_for.code)
        _add(answer, "PromulgationDate", slashed(package.response_for.promulgation_date))
        _add(answer, "DocumentId", package.response_for.document_id)
    code = _add(message, "Code")
    _add(code, "CodeNumber", package.code_number)
    _add(code, "CodeNotation", package.code_notation)
    promulgation = _add(message, "PromulgationInfo")
    _add(promulgation, "Place", package.promulgation_place)
    _add(promulgation, "PromulgationDate", slashed(package.promulgation_date))
    kind = _add(message, "DocumentType")
    _add(kind, "Type", package.document_type)
    _add(kind, "TypeDetail", package.type_detail)
    _add(kind, "TypeName", package.type_name)
    _add(message, "Subject", package.subject)
    _add(message, "Content", package.content or package.subject)
    signer = _add(message, "SignerInfo")
    _add(signer, "Competence", package.signer.competence)
    _add(signer, "Position", package.signer.position)
    _add(signer, "FullName", package.signer.full_name)
    if package.due_date is not None:
        _add(message, "DueDate", slashed(package.due_date))
    other = _add(message, "OtherInfo")
    _add(other, "Priority", package.priority)
    _add(other, "PageAmount", package.page_amount)
    appendixes = _add(other, "Appendixes")
    for appendix in package.appendixes:
        _add(appendixes, "Appendix", appendix)
    places = _add(message, "ToPlaces")
    for place in package.to_places or [r.name for r in package.recipients]:
        _add(places, "Place", place)
    traces = _add(header, "TraceHeaderList")
    for trace in package.trace:
        element = _add(traces, "TraceHeader")
        _add(element, "OrganId", trace.organ_id)
        _add(element, "Timestamp", timestamp(trace.timestamp))
    business = _add(traces, "Bussiness")
    _add(business, "DocumentId", package.document_id)
    _add(business, "BussinessDocType", int(package.business))
    _add(business, "BussinessDocReason", BUSINESS_REASONS[package.business])
    _add(business, "Paper", 0)
    staff = _add(business, "StaffInfo")
    _add(staff, "Department", package.staff_department)
    _add(staff, "Staff", package.staff_name)
    _add(staff, "Email", package.staff_email)
    manifest = _add(_add(envelope, "edXMLBody"), "edXMLManifest")
    manifest.set("version", "1.0")
    encoded = _add(root, "AttachmentEncoded")
    for attachment in package.attachments:
        reference = _add(manifest, "Reference")
        _add(reference, "ContentId", f"cid:{attachment.content_id}")
        _add(reference, "ContentType", attachment.content_type)
        _add(reference, "Description", attachment.description or attachment.name)
        _add(reference, "AttachmentName", attachment.name)
        item = _add(encoded, "Attachment")
        _add(item, "ContentId", f"cid:{attachment.content_id}")
        _add(item, "AttachmentName", attachment.name)
        _add(item, "Description", attachment.description or attachment.name)
        _add(item, "ContentType", attachment.content_type)
        _add(item, "ContentTransferEncoded", base64.b64encode(attachment.data).decode("ascii"))
    ET.indent(root, space="  ")
    xml = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    assert isinstance(xml, bytes)
    return xml


def q(name: str) -> str:
    """``name`` in the edXML namespace, as ElementTree writes it."""
    return f"{{{NS}}}{name}"
