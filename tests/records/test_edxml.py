"""edXML packages against the element paths of the public sample package (QCVN 102:2016), written here by
hand; formats of ids, dates and codes; attachments round trip; broken packages refused with a reason."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date

import pytest

from meetings.records.edxml import NS, Attachment, EdxmlError, ResponseFor, build_package
from meetings.records.edxml_reader import parse_package
from tests.records.edxml_samples import CSV, PDF, minutes_package

N = "{http://www.mic.gov.vn/TBT/QCVN_102_2016}"

# Every element path of the sample package that this implementation writes, in the sample's order.
PATHS = [
    "edXMLEnvelope",
    "edXMLEnvelope/edXMLHeader",
    "edXMLEnvelope/edXMLHeader/MessageHeader",
    "edXMLEnvelope/edXMLHeader/MessageHeader/From",
    "edXMLEnvelope/edXMLHeader/MessageHeader/From/OrganId",
    "edXMLEnvelope/edXMLHeader/MessageHeader/From/OrganizationInCharge",
    "edXMLEnvelope/edXMLHeader/MessageHeader/From/OrganName",
    "edXMLEnvelope/edXMLHeader/MessageHeader/From/OrganAdd",
    "edXMLEnvelope/edXMLHeader/MessageHeader/From/Email",
    "edXMLEnvelope/edXMLHeader/MessageHeader/From/Telephone",
    "edXMLEnvelope/edXMLHeader/MessageHeader/From/Website",
    "edXMLEnvelope/edXMLHeader/MessageHeader/To",
    "edXMLEnvelope/edXMLHeader/MessageHeader/To/OrganId",
    "edXMLEnvelope/edXMLHeader/MessageHeader/To/OrganName",
    "edXMLEnvelope/edXMLHeader/MessageHeader/To/OrganAdd",
    "edXMLEnvelope/edXMLHeader/MessageHeader/To/Email",
    "edXMLEnvelope/edXMLHeader/MessageHeader/To/Telephone",
    "edXMLEnvelope/edXMLHeader/MessageHeader/To/Website",
    "edXMLEnvelope/edXMLHeader/MessageHeader/DocumentId",
    "edXMLEnvelope/edXMLHeader/MessageHeader/Code",
    "edXMLEnvelope/edXMLHeader/MessageHeader/Code/CodeNumber",
    "edXMLEnvelope/edXMLHeader/MessageHeader/Code/CodeNotation",
    "edXMLEnvelope/edXMLHeader/MessageHeader/PromulgationInfo",
    "edXMLEnvelope/edXMLHeader/MessageHeader/PromulgationInfo/Place",
    "edXMLEnvelope/edXMLHeader/MessageHeader/PromulgationInfo/PromulgationDate",
    "edXMLEnvelope/edXMLHeader/MessageHeader/DocumentType",
    "edXMLEnvelope/edXMLHeader/MessageHeader/DocumentType/Type",
    "edXMLEnvelope/edXMLHeader/MessageHeader/DocumentType/TypeDetail",
    "edXMLEnvelope/edXMLHeader/MessageHeader/DocumentType/TypeName",
    "edXMLEnvelope/edXMLHeader/MessageHeader/Subject",
    "edXMLEnvelope/edXMLHeader/MessageHeader/Content",
    "edXMLEnvelope/edXMLHeader/MessageHeader/SignerInfo",
    "edXMLEnvelope/edXMLHeader/MessageHeader/SignerInfo/Competence",
    "edXMLEnvelope/edXMLHeader/MessageHeader/SignerInfo/Position",
    "edXMLEnvelope/edXMLHeader/MessageHeader/SignerInfo/FullName",
    "edXMLEnvelope/edXMLHeader/MessageHeader/DueDate",
    "edXMLEnvelope/edXMLHeader/MessageHeader/OtherInfo",
    "edXMLEnvelope/edXMLHeader/MessageHeader/OtherInfo/Priority",
    "edXMLEnvelope/edXMLHeader/MessageHeader/OtherInfo/PageAmount",
    "edXMLEnvelope/edXMLHeader/MessageHeader/OtherInfo/Appendixes",
    "edXMLEnvelope/edXMLHeader/MessageHeader/OtherInfo/Appendixes/Appendix",
    "edXMLEnvelope/edXMLHeader/MessageHeader/ToPlaces",
    "edXMLEnvelope/edXMLHeader/MessageHeader/ToPlaces/Place",
    "edXMLEnvelope/edXMLHeader/TraceHeaderList",
    "edXMLEnvelope/edXMLHeader/TraceHeaderList/TraceHeader",
    "edXMLEnvelope/edXMLHeader/TraceHeaderList/TraceHeader/OrganId",
    "edXMLEnvelope/edXMLHeader/TraceHeaderList/TraceHeader/Timestamp",
    "edXMLEnvelope/edXMLHeader/TraceHeaderList/Bussiness",
    "edXMLEnvelope/edXMLHeader/TraceHeaderList/Bussiness/DocumentId",
    "edXMLEnvelope/edXMLHeader/TraceHeaderList/Bussiness/BussinessDocType",
    "edXMLEnvelope/edXMLHeader/TraceHeaderList/Bussiness/BussinessDocReason",
    "edXMLEnvelope/edXMLHeader/TraceHeaderList/Bussiness/Paper",
    "edXMLEnvelope/edXMLHeader/TraceHeaderList/Bussiness/StaffInfo",
    "edXMLEnvelope/edXMLHeader/TraceHeaderList/Bussiness/StaffInfo/Department",
    "edXMLEnvelope/edXMLHeader/TraceHeaderList/Bussiness/StaffInfo/Staff",
    "edXMLEnvelope/edXMLHeader/TraceHeaderList/Bussiness/StaffInfo/Email",
    "edXMLEnvelope/edXMLBody",
    "edXMLEnvelope/edXMLBody/edXMLManifest",
    "edXMLEnvelope/edXMLBody/edXMLManifest/Reference",
    "edXMLEnvelope/edXMLBody/edXMLManifest/Reference/ContentId",
    "edXMLEnvelope/edXMLBody/edXMLManifest/Reference/ContentType",
    "edXMLEnvelope/edXMLBody/edXMLManifest/Reference/Description",
    "edXMLEnvelope/edXMLBody/edXMLManifest/Reference/AttachmentName",
    "AttachmentEncoded",
    "AttachmentEncoded/Attachment",
    "AttachmentEncoded/Attachment/ContentId",
    "AttachmentEncoded/Attachment/AttachmentName",
    "AttachmentEncoded/Attachment/Description",
    "AttachmentEncoded/Attachment/ContentType",
    "AttachmentEncoded/Attachment/ContentTransferEncoded",
]


def _paths(element: ET.Element, prefix: str = "") -> list[str]:
    found = []
    for child in element:
        assert child.tag.startswith(N), f"{child.tag} is outside the edXML namespace"
        path = f"{prefix}{child.tag.removeprefix(N)}"
        found.append(path)
        found.extend(_paths(child, path + "/"))
    return found


def _distinct(paths: list[str]) -> list[str]:
    return list(dict.fromkeys(paths))


def test_root_namespace_and_element_paths_in_the_samples_order() -> None:
    xml = build_package(minutes_package())
    assert xml.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = ET.fromstring(xml)
    assert root.tag == "{http://www.mic.gov.vn/TBT/QCVN_102_2016}edXML"
    assert NS == "http://www.mic.gov.vn/TBT/QCVN_102_2016"
    assert b'xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"' in xml
    assert [c.tag.removeprefix(N) for c in root] == ["edXMLEnvelope", "AttachmentEncoded"]
    assert _distinct(_paths(root)) == PATHS
    header = root.find(f"{N}edXMLEnvelope/{N}edXMLHeader/{N}MessageHeader")
    assert header is not None
    assert [c.tag.removeprefix(N) for c in header] == [
        "From", "To", "To", "DocumentId", "Code", "PromulgationInfo", "DocumentType", "Subject", "Content",
        "SignerInfo", "DueDate", "OtherInfo", "ToPlaces",
    ]  # fmt: skip
    manifest = root.find(f"{N}edXMLEnvelope/{N}edXMLBody/{N}edXMLManifest")
    assert manifest is not None and manifest.get("version") == "1.0"


def test_header_fields_and_formats() -> None:
    root = ET.fromstring(build_package(minutes_package()))

    def text(path: str) -> str:
        element = root.find("/".join(N + p for p in path.split("/")))
        assert element is not None, path
        return element.text or ""

    head = "edXMLEnvelope/edXMLHeader/MessageHeader/"
    assert text(head + "From/OrganId") == "000.00.12.H49"
    to_ids = [t.findtext(f"{N}OrganId") for t in root.iter(f"{N}To")]
    assert to_ids == ["000.05.12.H49", "000.06.12.H49"]
    for code in [text(head + "From/OrganId"), *to_ids]:
        assert re.fullmatch(r"\d{3}\.\d{2}\.\d{2}\.H\d{2}", code or "")
    assert text(head + "DocumentId") == "000.00.12.H49,2026/03/05,05/BB-UBND"
    assert re.fullmatch(r"[\d.A-Z]+,\d{4}/\d{2}/\d{2},\d+/[\w-]+", text(head + "DocumentId"))
    assert (text(head + "Code/CodeNumber"), text(head + "Code/CodeNotation")) == ("05", "BB-UBND")
    assert text(head + "PromulgationInfo/Place") == "Hòa Vang"
    assert text(head + "PromulgationInfo/PromulgationDate") == "2026/03/05"
    assert text(head + "DueDate") == "2026/03/12"
    assert (text(head + "DocumentType/Type"), text(head + "DocumentType/TypeName")) == ("1", "Biên bản")
    assert text(head + "SignerInfo/FullName") == "Nguyễn Văn An"
    assert text(head + "Subject") == "Biên bản họp giao ban công tác tháng 3 năm 2026"
    trace = "edXMLEnvelope/edXMLHeader/TraceHeaderList/TraceHeader/"
    assert text(trace + "OrganId") == "000.00.12.H49"
    # 04:50:07 UTC is 11:50:07 in Vietnam.
    assert text(trace + "Timestamp") == "2026/03/05 11:50:07"
    assert text("edXMLEnvelope/edXMLHeader/TraceHeaderList/Bussiness/BussinessDocType") == "0"


def test_manifest_and_attachments_match_and_decode_to_the_same_bytes() -> None:
    root = ET.fromstring(build_package(minutes_package()))
    references = [
        (r.findtext(f"{N}ContentId"), r.findtext(f"{N}AttachmentName"), r.findtext(f"{N}ContentType"))
        for r in root.iter(f"{N}Reference")
    ]
    attachments = [
        (a.findtext(f"{N}ContentId"), a.findtext(f"{N}AttachmentName"), a.findtext(f"{N}ContentType"))
        for a in root.iter(f"{N}Attachment")
    ]
    assert (
        references
        == attachments
        == [
            ("cid:1", "05-BB-UBND.pdf", "application/pdf"),
            ("cid:2", "diem-danh.csv", "text/csv"),
        ]
    )
    encoded = [a.findtext(f"{N}ContentTransferEncoded") or "" for a in root.iter(f"{N}Attachment")]
    assert [base64.b64decode(e, validate=True) for e in encoded] == [PDF, CSV]


def test_round_trip() -> None:
    package = replace(
        minutes_package(),
        response_for=ResponseFor(
            "000.05.12.H49", "03/BC-UBND", date(2026, 3, 1), "000.05.12.H49,2026/03/01,03/BC-UBND"
        ),
    )
    again = parse_package(build_package(package))
    assert again == package
    assert again.document_id == "000.00.12.H49,2026/03/05,05/BB-UBND"
    assert [a.data for a in again.attachments] == [PDF, CSV]


def _broken(old: bytes, new: bytes) -> bytes:
    xml = build_package(minutes_package())
    assert old in xml
    return xml.replace(old, new, 1)


@pytest.mark.parametrize(
    ("xml", "reason"),
    [
        (b"", "không phải XML hợp lệ"),
        (b"<html><body>502 Bad Gateway</body></html>", "Phần tử gốc phải là edXML"),
        (lambda: _broken(b'xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"', b'xmlns="urn:other"'), "không gian tên"),
        (lambda: _broken(b"000.00.12.H49,2026/03/05,05/BB-UBND", b"000.00.12.H49-2026-03-05-05/BB-UBND"), "DocumentId"),
        (lambda: _broken(b"000.00.12.H49,2026/03/05,05/BB-UBND", b"000.00.12.H49,2026/03/06,05/BB-UBND"), "không khớp"),
        (lambda: _broken(b"<PromulgationDate>2026/03/05", b"<PromulgationDate>05/03/2026"), "yyyy/mm/dd"),
        (lambda: _broken(b"<Timestamp>2026/03/05 11:50:07", b"<Timestamp>2026-03-05T11:50"), "HH:mm:ss"),
        (lambda: _broken(b"<OrganId>000.05.12.H49", b"<OrganId>28.22.H17"), "mã định danh"),
        (lambda: _broken(b"<ContentId>cid:2</ContentId>\n      <AttachmentName>", b"<ContentId>cid:9</ContentId>\n"
                         b"      <AttachmentName>"), "không có trong edXMLManifest"),
        (lambda: _broken(b"<ContentTransferEncoded>", b"<ContentTransferEncoded>@@@"), "base64"),
        (lambda: b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "DTD"),
    ],
)  # fmt: skip
def test_broken_packages_are_refused_with_a_reason(xml: object, reason: str) -> None:
    data = xml() if callable(xml) else xml
    assert isinstance(data, bytes)
    with pytest.raises(EdxmlError) as refused:
        parse_package(data)
    assert reason in refused.value.message


def test_packages_that_would_be_rejected_are_not_built() -> None:
    with pytest.raises(EdxmlError, match="ít nhất một tệp"):
        build_package(minutes_package(attachments=[]))
    with pytest.raises(EdxmlError, match="trùng"):
        build_package(minutes_package(attachments=[Attachment("1", "a", "text/plain", b"a")] * 2))
    with pytest.raises(EdxmlError, match="phải là số"):
        build_package(minutes_package(number="5a"))
    with pytest.raises(EdxmlError, match="QCVN 102"):
        build_package(replace(minutes_package(), recipients=[replace(minutes_package().recipients[0], organ_id="H49")]))
