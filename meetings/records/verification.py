"""Checking the digital signatures of a PDF, for the meeting page: for each signature, who signed, when,
and whether it still holds — the document unchanged since (apart from later signatures), the signature
value correct, the certificate issued by a trusted authority.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from meetings.records.own_loop import outside_running_loop
from meetings.records.signing import VIETNAM


@dataclass(frozen=True)
class SignatureReport:
    field_name: str
    signer: str
    """The certificate's common name (a person, or the agency)."""
    organisation: str
    signed_at: datetime | None
    """The time the signer's software wrote into the signature (not a trusted timestamp)."""
    intact: bool
    """The bytes the signature covers are unchanged."""
    valid: bool
    """The signature value is correct for those bytes and the certificate's key."""
    trusted: bool
    """The certificate leads to a trusted root and was valid at the signing time."""
    modifications_ok: bool
    """What was added after the signature (later signatures, form data) is allowed."""
    covers_whole_file: bool
    message: str
    """One sentence in Vietnamese for people."""

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and self.modifications_ok


@dataclass(frozen=True)
class DocumentCheck:
    signatures: list[SignatureReport]
    problem: str = ""
    """Set when the file could not be read as a PDF at all."""

    @property
    def all_valid(self) -> bool:
        return not self.problem and bool(self.signatures) and all(s.ok for s in self.signatures)


def _name(cert: Any, key: str) -> str:
    value = cert.subject.native.get(key, "")
    return str(value) if value else ""


def _message(intact: bool, valid: bool, trusted: bool, modifications_ok: bool) -> str:
    if not intact:
        return "Văn bản đã bị thay đổi sau khi ký: chữ ký không còn giá trị."
    if not valid:
        return "Giá trị chữ ký không đúng: chữ ký không còn giá trị."
    if not modifications_ok:
        return "Sau khi ký, văn bản có thay đổi không được phép."
    if not trusted:
        return (
            "Văn bản không bị sửa, nhưng chứng thư số không do tổ chức chứng thực được tin cậy cấp, "
            "hoặc đã hết hạn hay bị thu hồi."
        )
    return "Chữ ký hợp lệ: văn bản không bị sửa sau khi ký, chứng thư số được tin cậy."


def check_signatures(pdf: bytes, trust_roots: Sequence[Any], *, now: datetime | None = None) -> DocumentCheck:
    """Validate every signature of ``pdf`` against ``trust_roots`` (asn1crypto certificates, see
    :func:`meetings.records.signing.load_trust_roots`). Never raises for a bad file: says so instead.

    Blocking (from async code use :func:`check_signatures_async`); pyHanko's own event loop runs on a thread of
    its own when the caller's thread already runs one."""
    return outside_running_loop(_check_signatures, pdf, trust_roots, now)


def _check_signatures(pdf: bytes, trust_roots: Sequence[Any], now: datetime | None) -> DocumentCheck:
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = list(reader.embedded_signatures)
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        return DocumentCheck([], f"Không đọc được tệp PDF: {exc}.")
    reports: list[SignatureReport] = []
    for signature in embedded:
        context = ValidationContext(
            trust_roots=list(trust_roots),
            allow_fetching=False,
            revocation_mode="soft-fail",
            moment=now,
        )
        name = str(signature.field_name)
        try:
            cert = signature.signer_cert
            signer, organisation = _name(cert, "common_name"), _name(cert, "organization_name")
        except (ValueError, KeyError, AttributeError):
            signer, organisation = "", ""
        try:
            status = validate_pdf_signature(signature, context)
        except (SignatureValidationError, PdfError, ValueError, KeyError) as exc:
            reports.append(
                SignatureReport(
                    name, signer, organisation, None, False, False, False, False, False,
                    f"Không kiểm tra được chữ ký: {exc}.",
                )
            )  # fmt: skip
            continue
        intact, valid, trusted = bool(status.intact), bool(status.valid), bool(status.trusted)
        modifications_ok = bool(status.docmdp_ok) or status.modification_level is None
        whole = status.coverage is not None and status.coverage.name == "ENTIRE_FILE"
        signed_at = status.signer_reported_dt.astimezone(VIETNAM) if status.signer_reported_dt else None
        reports.append(
            SignatureReport(
                name, signer, organisation, signed_at, intact, valid, trusted, modifications_ok, whole,
                _message(intact, valid, trusted, modifications_ok),
            )
        )  # fmt: skip
    return DocumentCheck(reports)


async def check_signatures_async(
    pdf: bytes, trust_roots: Sequence[Any], *, now: datetime | None = None
) -> DocumentCheck:
    """:func:`check_signatures` in a thread (for the web pages)."""
    return await asyncio.to_thread(check_signatures, pdf, trust_roots, now=now)
