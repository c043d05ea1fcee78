"""The official documents giaoban issues, as plain data: what a form needs, nothing about where it came
from. The meeting pages, the minutes editor and the tests all fill these and hand them to
:func:`meetings.records.render.render_pdf`.

Times are local wall-clock times (the caller converts from UTC); dates are the issuing date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class DocumentType(StrEnum):
    """The forms, by their type abbreviation in the number and symbol (Decree 30/2020, Appendix III)."""

    INVITATION = "GM"
    MINUTES = "BB"
    CONCLUSION = "TB"

    @property
    def type_name(self) -> str:
        """The name printed in bold capitals under the header."""
        return _TYPE_NAMES[self]


_TYPE_NAMES = {
    DocumentType.INVITATION: "Giấy mời",
    DocumentType.MINUTES: "Biên bản",
    DocumentType.CONCLUSION: "Thông báo",
}


@dataclass(frozen=True)
class Agency:
    """The issuing agency."""

    name: str
    """Its full name ("Ủy ban nhân dân xã A"); printed in capitals."""
    abbreviation: str
    """For the symbol: ``UBND`` in ``05/BB-UBND``."""
    code: str
    """Identifier code (QCVN 102:2016), for filing."""
    place_name: str
    """The place of the place-and-date line ("Xã A")."""
    parent_name: str = ""
    """The managing agency, printed above the name when there is one (a department under a district)."""


@dataclass(frozen=True)
class NumberAndSymbol:
    """``Số: 05/BB-UBND``. A draft has no number yet: then the number place is left blank."""

    number: int | None
    type_code: str
    agency_abbreviation: str

    @property
    def symbol(self) -> str:
        return f"{self.type_code}-{self.agency_abbreviation}"

    @property
    def number_text(self) -> str:
        # Two digits at least (Decree 30/2020, art. 15).
        return f"{self.number:02d}" if self.number is not None else ""

    def __str__(self) -> str:
        if self.number is None:
            return f"\u2003\u2003/{self.symbol}"
        return f"{self.number_text}/{self.symbol}"


@dataclass(frozen=True)
class Signature:
    """A signature block: the competence line (``TM. ỦY BAN NHÂN DÂN``, ``KT. CHỦ TỊCH``) if any, the
    title (``CHỦ TỊCH``, ``THƯ KÝ``, ``CHỦ TỌA``), and the signer's full name."""

    title: str
    full_name: str
    competence: str = ""


@dataclass(frozen=True)
class AttendanceRow:
    """One site in the attendance of the minutes."""

    site: str
    presence: str
    """``Trực tuyến``, ``Trực tiếp`` or ``Vắng``."""
    headcount: int | None = None
    people: str = ""
    note: str = ""
    """Reason for an absence, the deputy sent, late arrival."""


@dataclass(frozen=True)
class AgendaSection:
    """What happened under one agenda item, in the order of the meeting."""

    title: str
    content: str = ""
    speakers: Sequence[str] = ()
    votes: str = ""


@dataclass(frozen=True)
class OfficialDocument:
    """What every form has: the agency, the number and symbol, the date, the summary, the recipients."""

    agency: Agency
    number: NumberAndSymbol
    issued_on: date
    summary: str
    recipients: Sequence[str] = field(default=(), kw_only=True)

    @property
    def document_type(self) -> DocumentType:
        return DocumentType(self.number.type_code)


@dataclass(frozen=True)
class Invitation(OfficialDocument):
    """Giấy mời (Decision 45/2018: the chair, attendees, content, time, place, preparation, contact)."""

    invitees: Sequence[str] = field(kw_only=True)
    subject: str = field(kw_only=True)
    """What the invitees come to: ``dự họp giao ban công tác tháng 3 năm 2026``."""
    chair: str = field(kw_only=True)
    start_at: datetime = field(kw_only=True)
    end_at: datetime | None = field(default=None, kw_only=True)
    place: str = field(kw_only=True)
    online: bool = field(default=False, kw_only=True)
    join_link: str = field(default="", kw_only=True)
    sites: Sequence[str] = field(default=(), kw_only=True)
    content: str = field(default="", kw_only=True)
    preparation: str = field(default="", kw_only=True)
    contact: str = field(default="", kw_only=True)
    signature: Signature = field(kw_only=True)


@dataclass(frozen=True)
class Minutes(OfficialDocument):
    """Biên bản: the summary is the meeting's name."""

    start_at: datetime = field(kw_only=True)
    end_at: datetime = field(kw_only=True)
    place: str = field(kw_only=True)
    online_sites: Sequence[str] = field(default=(), kw_only=True)
    chair: str = field(kw_only=True)
    secretary: str = field(kw_only=True)
    attendance: Sequence[AttendanceRow] = field(default=(), kw_only=True)
    attendance_note: str = field(default="", kw_only=True)
    sections: Sequence[AgendaSection] = field(default=(), kw_only=True)
    conclusions: str = field(default="", kw_only=True)
    secretary_signature: Signature = field(kw_only=True)
    chair_signature: Signature = field(kw_only=True)


@dataclass(frozen=True)
class ConclusionNotice(OfficialDocument):
    """Thông báo kết luận: the summary reads ``Kết luận của … tại cuộc họp …``."""

    introduction: str = field(kw_only=True)
    """Who met, when and where, and what was heard, ending before the conclusions."""
    conclusions: Sequence[str] = field(kw_only=True)
    closing: str = field(default="", kw_only=True)
    signature: Signature = field(kw_only=True)


def paragraphs(text: str) -> list[str]:
    """A text as typed, one paragraph per non-empty line."""
    return [line.strip() for line in text.splitlines() if line.strip()]
