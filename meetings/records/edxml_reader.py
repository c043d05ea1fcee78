"""Reading edXML packages (QCVN 102:2016) and any XML a document-management system sends: untrusted
input, so no DTD, a size limit, and a message naming the first thing that is wrong."""

from __future__ import annotations

import base64
import binascii
import xml.etree.ElementTree as ET
from datetime import date, datetime

from meetings.records.edxml import (
    DATE_RE,
    DOCUMENT_ID_RE,
    NS,
    TIMESTAMP_FORMAT,
    VIETNAM,
    Attachment,
    BusinessKind,
    EdxmlError,
    EdxmlPackage,
    Organ,
    ResponseFor,
    Signer,
    TraceHeader,
    q,
    slashed,
)
from meetings.units import AGENCY_CODE_RE

MAX_PACKAGE_BYTES = 200 * 1024 * 1024


def parse_xml(data: bytes, what: str = "gói tin edXML") -> ET.Element:
    """Parse untrusted XML: no DTD (so no entity tricks), bounded size, a clear message when broken."""
    if len(data) > MAX_PACKAGE_BYTES:
        raise EdxmlError(f"{what.capitalize()} quá lớn ({len(data) // (1024 * 1024)} MB).")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise EdxmlError(f"{what.capitalize()} có khai báo DTD/ENTITY, không được chấp nhận.")
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise EdxmlError(f"{what.capitalize()} không phải XML hợp lệ: {exc}.") from None


def _one(parent: ET.Element, path: str) -> ET.Element:
    parts = path.split("/")
    element = parent.find("/".join(q(p) for p in parts))
    if element is None:
        raise EdxmlError(f"Gói tin thiếu phần tử {path}.")
    return element


def _text(parent: ET.Element, path: str, *, required: bool = True) -> str:
    element = parent.find("/".join(q(p) for p in path.split("/")))
    if element is None:
        if required:
            raise EdxmlError(f"Gói tin thiếu phần tử {path}.")
        return ""
    return (element.text or "").strip()


def parse_date(value: str, where: str) -> date:
    if not DATE_RE.match(value):
        raise EdxmlError(f"{where} «{value}» phải có dạng yyyy/mm/dd.")
    try:
        return datetime.strptime(value, "%Y/%m/%d").date()
    except ValueError:
        raise EdxmlError(f"{where} «{value}» không phải ngày có thật.") from None


def parse_timestamp(value: str, where: str) -> datetime:
    try:
        return datetime.strptime(value, TIMESTAMP_FORMAT).replace(tzinfo=VIETNAM)
    except ValueError:
        raise EdxmlError(f"{where} «{value}» phải có dạng yyyy/MM/dd HH:mm:ss.") from None


def _int(value: str, where: str) -> int:
    if not (value.isascii() and value.lstrip("-").isdigit()):
        raise EdxmlError(f"{where} «{value}» phải là số.")
    return int(value)


def _read_organ(element: ET.Element, where: str) -> Organ:
    organ_id = _text(element, "OrganId")
    if not AGENCY_CODE_RE.match(organ_id):
        raise EdxmlError(f"{where}/OrganId «{organ_id}» không đúng dạng mã định danh QCVN 102:2016.")
    return Organ(
        organ_id=organ_id,
        name=_text(element, "OrganName"),
        address=_text(element, "OrganAdd", required=False),
        email=_text(element, "Email", required=False),
        telephone=_text(element, "Telephone", required=False),
        website=_text(element, "Website", required=False),
        in_charge=_text(element, "OrganizationInCharge", required=False),
    )


def _read_attachments(root: ET.Element, envelope: ET.Element) -> list[Attachment]:
    manifest = _one(envelope, "edXMLBody/edXMLManifest")
    references = {}
    for reference in manifest.findall(q("Reference")):
        content_id = _text(reference, "ContentId")
        if not content_id.startswith("cid:"):
            raise EdxmlError(f"ContentId «{content_id}» trong edXMLManifest phải bắt đầu bằng «cid:».")
        references[content_id] = reference
    attachments = []
    seen = set()
    for item in _one(root, "AttachmentEncoded").findall(q("Attachment")):
        content_id = _text(item, "ContentId")
        if content_id not in references:
            raise EdxmlError(f"Tệp đính kèm {content_id} không có trong edXMLManifest.")
        seen.add(content_id)
        try:
            data = base64.b64decode("".join(_text(item, "ContentTransferEncoded").split()), validate=True)
        except (binascii.Error, ValueError):
            raise EdxmlError(f"Nội dung tệp đính kèm {content_id} không phải base64 hợp lệ.") from None
        attachments.append(
            Attachment(
                content_id=content_id.removeprefix("cid:"),
                name=_text(item, "AttachmentName"),
                content_type=_text(item, "ContentType"),
                data=data,
                description=_text(item, "Description", required=False),
            )
        )
    missing = sorted(set(references) - seen)
    if missing:
        raise EdxmlError(f"edXMLManifest nêu tệp không có trong AttachmentEncoded: {', '.join(missing)}.")
    return attachments


def parse_package(data: bytes) -> EdxmlPackage:
    """Read a package; raises :class:`EdxmlError` naming the first thing that is wrong."""
    root = parse_xml(data)
    if root.tag != q("edXML"):
        raise EdxmlError(f"Phần tử gốc phải là edXML trong không gian tên {NS} (nhận được {root.tag}).")
    envelope = _one(root, "edXMLEnvelope")
    message = _one(envelope, "edXMLHeader/MessageHeader")
    sender = _read_organ(_one(message, "From"), "From")
    recipients = [_read_organ(e, "To") for e in message.findall(q("To"))]
    if not recipients:
        raise EdxmlError("Gói tin thiếu phần tử To.")
    document_id = _text(message, "DocumentId")
    match = DOCUMENT_ID_RE.match(document_id)
    if match is None:
        raise EdxmlError(f"DocumentId «{document_id}» phải có dạng mã-định-danh,yyyy/mm/dd,số/ký-hiệu.")
    promulgation_date = parse_date(_text(message, "PromulgationInfo/PromulgationDate"), "PromulgationDate")
    code_number, code_notation = _text(message, "Code/CodeNumber"), _text(message, "Code/CodeNotation")
    expected = f"{sender.organ_id},{slashed(promulgation_date)},{code_number}/{code_notation}"
    if document_id != expected:
        raise EdxmlError(f"DocumentId «{document_id}» không khớp với From, PromulgationDate và Code ({expected}).")
    response = message.find(q("ResponseFor"))
    response_for = None
    if response is not None:
        response_for = ResponseFor(
            organ_id=_text(response, "OrganId"),
            code=_text(response, "Code"),
            promulgation_date=parse_date(_text(response, "PromulgationDate"), "ResponseFor/PromulgationDate"),
            document_id=_text(response, "DocumentId"),
        )
    due = _text(message, "DueDate", required=False)
    traces = [
        TraceHeader(_text(t, "OrganId"), parse_timestamp(_text(t, "Timestamp"), "TraceHeader/Timestamp"))
        for t in _one(envelope, "edXMLHeader/TraceHeaderList").findall(q("TraceHeader"))
    ]
    if not traces:
        raise EdxmlError("Gói tin thiếu TraceHeader.")
    business_type = _text(envelope, "edXMLHeader/TraceHeaderList/Bussiness/BussinessDocType", required=False)
    try:
        business = BusinessKind(_int(business_type, "BussinessDocType")) if business_type else BusinessKind.NEW
    except ValueError:
        raise EdxmlError(f"BussinessDocType «{business_type}» phải là 0, 1, 2 hoặc 3.") from None
    appendixes = message.find(f"{q('OtherInfo')}/{q('Appendixes')}")
    places = message.find(q("ToPlaces"))
    return EdxmlPackage(
        sender=sender,
        recipients=recipients,
        code_number=code_number,
        code_notation=code_notation,
        promulgation_place=_text(message, "PromulgationInfo/Place"),
        promulgation_date=promulgation_date,
        document_type=_int(_text(message, "DocumentType/Type"), "DocumentType/Type"),
        type_detail=_int(_text(message, "DocumentType/TypeDetail", required=False) or "0", "TypeDetail"),
        type_name=_text(message, "DocumentType/TypeName"),
        subject=_text(message, "Subject"),
        content=_text(message, "Content", required=False),
        signer=Signer(
            _text(message, "SignerInfo/Competence", required=False),
            _text(message, "SignerInfo/Position", required=False),
            _text(message, "SignerInfo/FullName"),
        ),
        due_date=parse_date(due, "DueDate") if due else None,
        to_places=[(p.text or "").strip() for p in places] if places is not None else [],
        priority=_int(_text(message, "OtherInfo/Priority", required=False) or "0", "Priority"),
        page_amount=_int(_text(message, "OtherInfo/PageAmount", required=False) or "0", "PageAmount"),
        appendixes=[(a.text or "").strip() for a in appendixes] if appendixes is not None else [],
        response_for=response_for,
        trace=traces,
        business=business,
        attachments=_read_attachments(root, envelope),
        staff_department=_text(envelope, "edXMLHeader/TraceHeaderList/Bussiness/StaffInfo/Department", required=False),
        staff_name=_text(envelope, "edXMLHeader/TraceHeaderList/Bussiness/StaffInfo/Staff", required=False),
        staff_email=_text(envelope, "edXMLHeader/TraceHeaderList/Bussiness/StaffInfo/Email", required=False),
    )
