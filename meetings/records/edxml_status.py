"""Status packages: what a receiving document-management system answers about a package it got —
arrived, rejected, registered, assigned, in progress, done.

QCVN 102:2016 names the elements (a ``Status`` with ``ResponseFor``, ``From``, ``StatusCode``,
``Description``, ``Timestamp``, ``StaffInfo``) but the codes are not public and differ between vendors,
so they are a setting (:class:`StatusCodes`). Vendors also wrap the ``Status`` differently (alone, inside
an ``edXML`` envelope, inside a SOAP header, with or without the edXML namespace): the reader looks for
the ``Status`` element by its local name anywhere in the document.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from meetings.records.edxml import NS, VIETNAM, EdxmlError, slashed, timestamp
from meetings.records.edxml_reader import parse_xml
from meetings.units import AGENCY_CODE_RE


class FilingState(StrEnum):
    ARRIVED = "arrived"
    REJECTED = "rejected"
    REGISTERED = "registered"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    UNKNOWN = "unknown"
    """A code the settings do not know: kept, and shown to a person as it came."""


STATE_LABELS = {
    FilingState.ARRIVED: "Đã đến",
    FilingState.REJECTED: "Bị từ chối",
    FilingState.REGISTERED: "Đã vào sổ",
    FilingState.ASSIGNED: "Đã phân công xử lý",
    FilingState.IN_PROGRESS: "Đang xử lý",
    FilingState.DONE: "Đã xử lý xong",
    FilingState.UNKNOWN: "Trạng thái chưa biết",
}

# (unverified) Defaults in the order the standard lists the states; an administrator sets the codes of
# the system the unit connects to (GIAOBAN_FILING_STATUS_CODES).
DEFAULT_CODES: dict[str, FilingState] = {
    "01": FilingState.ARRIVED,
    "02": FilingState.REJECTED,
    "03": FilingState.REGISTERED,
    "04": FilingState.ASSIGNED,
    "05": FilingState.IN_PROGRESS,
    "06": FilingState.DONE,
}


@dataclass(frozen=True)
class StatusCodes:
    """Which status code means which state. Codes are compared without surrounding spaces, and a leading
    minus sign ("-01", which some systems send) is ignored."""

    codes: Mapping[str, FilingState] = field(default_factory=lambda: dict(DEFAULT_CODES))

    @staticmethod
    def _key(code: str) -> str:
        return code.strip().lstrip("-")

    def state_of(self, code: str) -> FilingState:
        wanted = self._key(code)
        for known, state in self.codes.items():
            if self._key(known) == wanted:
                return state
        return FilingState.UNKNOWN

    def code_of(self, state: FilingState) -> str:
        for code, known in self.codes.items():
            if known is state:
                return code
        raise KeyError(state)

    @classmethod
    def parse(cls, text: str) -> StatusCodes:
        """From a setting such as ``arrived=01,rejected=02,registered=03,...``."""
        codes: dict[str, FilingState] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            name, sep, code = part.partition("=")
            try:
                state = FilingState(name.strip())
            except ValueError:
                known = ", ".join(s.value for s in FilingState if s is not FilingState.UNKNOWN)
                raise ValueError(f"unknown filing state {name.strip()!r} in {text!r} (known: {known})") from None
            if not sep or not code.strip():
                raise ValueError(f"no code for {name.strip()!r} in {text!r}")
            codes[code.strip()] = state
        return cls(codes or dict(DEFAULT_CODES))


@dataclass(frozen=True)
class FilingStatus:
    document_id: str
    """The DocumentId of the package this answers."""
    from_organ_id: str
    from_organ_name: str
    code: str
    state: FilingState
    description: str = ""
    at: datetime | None = None
    staff: str = ""
    department: str = ""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child_text(element: ET.Element, *path: str) -> str:
    current: ET.Element | None = element
    for name in path:
        if current is None:
            return ""
        current = next((c for c in current if _local(c.tag) == name), None)
    return (current.text or "").strip() if current is not None else ""


def _status_time(value: str) -> datetime | None:
    if not value:
        return None
    for pattern in ("%Y/%m/%d %H:%M:%S", "%d/%m/%Y %H:%M:%S", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(value, pattern).replace(tzinfo=VIETNAM)
        except ValueError:
            continue
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise EdxmlError(f"Thời điểm của trạng thái «{value}» không đọc được (yyyy/MM/dd HH:mm:ss).") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=VIETNAM)


def parse_status(data: bytes, codes: StatusCodes | None = None) -> FilingStatus:
    """Read a status package; raises :class:`EdxmlError` with the reason when it is not one."""
    codes = codes or StatusCodes()
    root = parse_xml(data, "gói tin trạng thái")
    status = next((e for e in root.iter() if _local(e.tag) == "Status"), None)
    if status is None:
        raise EdxmlError("Không phải gói tin trạng thái: không có phần tử Status.")
    document_id = _child_text(status, "ResponseFor", "DocumentId")
    if not document_id:
        raise EdxmlError("Gói tin trạng thái thiếu ResponseFor/DocumentId: không biết trả lời cho văn bản nào.")
    organ_id = _child_text(status, "From", "OrganId")
    if not AGENCY_CODE_RE.match(organ_id):
        raise EdxmlError(f"Gói tin trạng thái: From/OrganId «{organ_id}» không phải mã định danh QCVN 102:2016.")
    code = _child_text(status, "StatusCode")
    if not code:
        raise EdxmlError("Gói tin trạng thái thiếu StatusCode.")
    return FilingStatus(
        document_id=document_id,
        from_organ_id=organ_id,
        from_organ_name=_child_text(status, "From", "OrganName"),
        code=code,
        state=codes.state_of(code),
        description=_child_text(status, "Description"),
        at=_status_time(_child_text(status, "Timestamp")),
        staff=_child_text(status, "StaffInfo", "Staff"),
        department=_child_text(status, "StaffInfo", "Department"),
    )


def build_status(
    *,
    document_id: str,
    code: str,
    promulgation_date: date,
    responder_id: str,
    responder_name: str,
    at: datetime,
    description: str = "",
    staff: str = "",
    department: str = "",
) -> bytes:
    """A status package answering ``document_id`` (what a receiving system sends; used by the tests, the
    demo receiver and vendors checking their output against ours)."""
    origin, _, number = document_id.split(",", 2) if document_id.count(",") >= 2 else ("", "", "")
    root = ET.Element("Status", {"xmlns": NS})
    answer = ET.SubElement(root, "ResponseFor")
    for name, value in (
        ("OrganId", origin),
        ("Code", number),
        ("PromulgationDate", slashed(promulgation_date)),
        ("DocumentId", document_id),
    ):
        ET.SubElement(answer, name).text = value
    sender = ET.SubElement(root, "From")
    ET.SubElement(sender, "OrganId").text = responder_id
    ET.SubElement(sender, "OrganName").text = responder_name
    ET.SubElement(root, "StatusCode").text = code
    ET.SubElement(root, "Description").text = description
    ET.SubElement(root, "Timestamp").text = timestamp(at)
    info = ET.SubElement(root, "StaffInfo")
    ET.SubElement(info, "Department").text = department
    ET.SubElement(info, "Staff").text = staff
    ET.indent(root, space="  ")
    xml = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    assert isinstance(xml, bytes)
    return xml
