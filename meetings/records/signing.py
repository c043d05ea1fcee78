"""Digital signatures on official documents: PAdES baseline signatures (ETSI.CAdES.detached, SHA-256)
made with pyHanko, each in its own incremental update, so the signer's signature stays valid when the
agency's is added after it.

An electronic document signed by the authorised person and carrying the agency's digital signature has
the legal value of the paper original (Decree 30/2020/NĐ-CP, art. 8 and Appendix I, part II). The
visible signatures follow that appendix: the signer's in the space between the title and the name; the
agency's — its seal image where one is configured, the agency's name and the signing time in ISO 8601
with the Vietnamese offset — over the left third of the signer's.

Keys come from a PKCS#12 file (:class:`Pkcs12Credential`: the demo, or an agency certificate kept on the
server) or from a PKCS#11 token (:class:`Pkcs11Credential`: the USB tokens officials sign with; needs the
``python-pkcs11`` package and the token's driver library). Signing is blocking work (a token may wait for
its PIN): from async code use :func:`sign_pdf_async`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import io
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fontTools.ttLib import TTFont
from fontTools.ttLib.scaleUpem import scale_upem
from pyhanko.keys import load_certs_from_pemder
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import AxisAlignment, InnerScaling, SimpleBoxLayoutRule
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.signers import SimpleSigner
from pyhanko.stamp import TextStampStyle

from meetings.errors import ValidationError
from meetings.records.fonts import official_font
from meetings.records.own_loop import outside_running_loop
from meetings.records.render import SignatureSlot

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
DEFAULT_SLOT = SignatureSlot(page=-1, box=(330, 60, 550, 130))
"""Where a signature goes when the document does not say (the lower right of the last page)."""


class SigningError(ValidationError):
    """A signature could not be made: a missing file, a wrong password, an unusable certificate…"""


@dataclass(frozen=True)
class Pkcs12Credential:
    """A key and certificate in a PKCS#12 file (``.p12``/``.pfx``), with its passphrase."""

    path: Path
    passphrase: str = field(repr=False)
    extra_certificates: tuple[Path, ...] = ()
    """Intermediate CA certificates (PEM or DER) the file does not contain."""


@dataclass(frozen=True)
class Pkcs11Credential:
    """A key on a PKCS#11 token: the token's driver library, its label, the PIN (None when the token asks
    for it itself, on a PIN pad), and the key's label (the certificate's label defaults to it)."""

    module: Path
    token_label: str
    key_label: str
    pin: str | None = field(default=None, repr=False)
    cert_label: str | None = None


Credential = Pkcs12Credential | Pkcs11Credential


@dataclass(frozen=True)
class Appearance:
    """What the visible signature shows. A person: their name (and position), the time, and their
    handwritten signature image if given. An agency (``agency=True``): the agency's name, the time, and
    its seal image if given."""

    name: str
    position: str = ""
    image: Path | None = None
    agency: bool = False


def iso_time(when: datetime) -> str:
    """``2026-03-05T11:45:00+07:00``: the signing time as Decree 30 wants it shown."""
    return when.astimezone(VIETNAM).replace(microsecond=0).isoformat()


def seal_slot(signer: SignatureSlot, seal: int = 100) -> SignatureSlot:
    """The agency's box for a signer's: the seal (``seal`` points square, the real seal's 35 mm) centred
    in height on the signer's box and covering the left third of the signer's signature (which is
    centred in its box and about half the box wide)."""
    x1, y1, x2, y2 = signer.box
    right = x1 + (x2 - x1) // 4 + (x2 - x1) // 6
    middle = (y1 + y2) // 2
    return SignatureSlot(signer.page, (right - seal, middle - seal // 2, right, middle + seal // 2))


# --- loading the signer -----------------------------------------------------------------------------


def _check_certificate(cert: Any, now: datetime) -> None:
    subject = cert.subject.human_friendly
    not_before, not_after = cert.not_valid_before, cert.not_valid_after
    if now < not_before:
        raise SigningError(
            f"Chứng thư số của «{subject}» chưa có hiệu lực (từ {not_before.astimezone(VIETNAM):%d/%m/%Y}).",
            field="certificate",
        )
    if now > not_after:
        raise SigningError(
            f"Chứng thư số của «{subject}» đã hết hạn ngày {not_after.astimezone(VIETNAM):%d/%m/%Y}; "
            "hãy gia hạn hoặc dùng chứng thư số mới.",
            field="certificate",
        )
    usage = cert.key_usage_value
    purposes = set(usage.native) if usage is not None else {"digital_signature"}
    if not purposes & {"digital_signature", "non_repudiation"}:
        raise SigningError(f"Chứng thư số của «{subject}» không dùng để ký số.", field="certificate")


def _pkcs12_signer(credential: Pkcs12Credential) -> Any:

    try:
        data = credential.path.read_bytes()
    except FileNotFoundError:
        raise SigningError(
            f"Không tìm thấy tệp chứng thư số «{credential.path}». Hãy kiểm tra đường dẫn trong cấu hình.",
            field="certificate",
        ) from None
    except OSError as exc:
        raise SigningError(
            f"Không đọc được tệp chứng thư số «{credential.path}»: {exc.strerror}.", field="certificate"
        ) from None
    try:
        extra = list(load_certs_from_pemder([str(p) for p in credential.extra_certificates]))  # type: ignore[no-untyped-call]
    except (OSError, ValueError) as exc:
        raise SigningError(f"Không đọc được chứng thư số trung gian: {exc}.", field="certificate") from None
    try:
        return SimpleSigner.load_pkcs12_data(data, extra, passphrase=credential.passphrase.encode("utf-8"))
    except ValueError:
        raise SigningError(
            f"Không mở được tệp chứng thư số «{credential.path.name}»: sai mật khẩu, "
            "hoặc tệp không phải PKCS#12 (.p12/.pfx).",
            field="password",
        ) from None


@contextlib.contextmanager
def _pkcs11_signer(credential: Pkcs11Credential) -> Iterator[Any]:
    try:
        import pkcs11
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session
    except ImportError:
        raise SigningError(
            "Ký bằng USB token (PKCS#11) cần gói python-pkcs11: pip install 'pyhanko[pkcs11]'.",
            field="certificate",
        ) from None
    if not credential.module.exists():
        raise SigningError(
            f"Không tìm thấy thư viện PKCS#11 của token «{credential.module}»; hãy cài trình điều khiển token.",
            field="certificate",
        )
    try:
        session = open_pkcs11_session(
            str(credential.module), token_criteria=TokenCriteria(label=credential.token_label), user_pin=credential.pin
        )
    except pkcs11.PinIncorrect:
        raise SigningError("Mã PIN của token không đúng.", field="password") from None
    except pkcs11.PinLocked:
        raise SigningError("Token đã bị khóa do nhập sai mã PIN nhiều lần.", field="password") from None
    except (pkcs11.PKCS11Error, Exception) as exc:
        raise SigningError(
            f"Không mở được token «{credential.token_label}»: {type(exc).__name__} {exc}".strip(),
            field="certificate",
        ) from None
    try:
        yield PKCS11Signer(session, key_label=credential.key_label, cert_label=credential.cert_label)
    finally:
        session.close()


@contextlib.contextmanager
def open_signer(credential: Credential) -> Iterator[Any]:
    """A pyHanko signer for ``credential``; refuses with :class:`SigningError` what cannot sign."""
    if isinstance(credential, Pkcs12Credential):
        yield _pkcs12_signer(credential)
    else:
        with _pkcs11_signer(credential) as signer:
            yield signer


# --- signing ----------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def stamp_font(source: Path) -> Path:
    """A copy of ``source`` scaled to 1000 units per em, for the signature appearance.

    pyHanko writes the glyph widths of an embedded TrueType font unscaled, while PDF reads them in
    thousandths of an em: Liberation Serif (2048 units) would come out with every letter twice as far
    apart. The copy is made once per process, in the temporary folder.
    """

    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    target = Path(tempfile.gettempdir()) / "giaoban-fonts" / f"{source.stem}-{digest}-1000.ttf"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        with TTFont(source) as font:
            if font["head"].unitsPerEm != 1000:
                scale_upem(font, 1000)
            if "FFTM" in font:  # FontForge's timestamp: the subsetter only warns about it
                del font["FFTM"]
            partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            font.save(partial)
        os.replace(partial, target)
    return target


class _FontFromBytes(GlyphAccumulatorFactory):
    """pyHanko's factory opens the font file and never closes it; this one reads it into memory."""

    def create_font_engine(self, writer: Any, obj_stream: Any = None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        return GlyphAccumulator(
            writer=writer,
            font_handle=io.BytesIO(Path(self.font_file).read_bytes()),
            font_size=self.font_size,
            ot_script_tag=self.ot_script_tag,
            ot_language_tag=self.ot_language_tag,
            writing_direction=self.writing_direction,
            bcp47_lang_code=self.bcp47_lang_code,
            obj_stream=obj_stream,
        )


def _stamp_style(appearance: Appearance, when: datetime) -> tuple[Any, dict[str, str]]:
    """The visible signature. With an image (a seal, a handwritten signature) the image alone, as Decree
    30 draws them (the name and time are in the signature itself, which every PDF reader shows); without
    one, the signer's name, position and the time in small type."""

    params = {"name": appearance.name, "position": appearance.position, "when": iso_time(when)}
    middle, shrink = AxisAlignment.ALIGN_MID, InnerScaling.SHRINK_TO_FIT
    fit = SimpleBoxLayoutRule(x_align=middle, y_align=middle, inner_content_scaling=shrink)
    if appearance.image is not None:
        try:
            image = PdfImage(str(appearance.image))
        except (OSError, ValueError) as exc:
            kind = "con dấu" if appearance.agency else "chữ ký"
            raise SigningError(f"Không đọc được ảnh {kind} «{appearance.image}»: {exc}.", field="image") from None
        style = TextStampStyle(
            stamp_text="", background=image, background_layout=fit, background_opacity=1.0, border_width=0
        )
        return style, params
    if appearance.agency:
        text, color = "%(name)s\nThời gian ký: %(when)s", (0.75, 0.0, 0.0)
    elif appearance.position:
        text, color = "Người ký: %(name)s\n%(position)s\nThời gian ký: %(when)s", (0.0, 0.0, 0.7)
    else:
        text, color = "Người ký: %(name)s\nThời gian ký: %(when)s", (0.0, 0.0, 0.7)
    size = 8
    # Both font sizes must agree, or every line after the first drifts sideways.
    text_style = TextBoxStyle(
        font=_FontFromBytes(str(stamp_font(official_font().regular)), font_size=size),
        font_size=size,
        text_color=color,
    )
    style = TextStampStyle(stamp_text=text, text_box_style=text_style, inner_content_layout=fit, border_width=0)
    return style, params


def sign_pdf(
    pdf: bytes,
    credential: Credential,
    *,
    field_name: str,
    appearance: Appearance,
    slot: SignatureSlot | None = None,
    reason: str = "",
    location: str = "",
    now: datetime | None = None,
) -> bytes:
    """Add one PAdES signature to ``pdf`` in a new field ``field_name``, visible in ``slot``."""
    return outside_running_loop(
        _sign_pdf, pdf, credential, field_name=field_name, appearance=appearance, slot=slot, reason=reason,
        location=location, now=now,
    )  # fmt: skip


def _sign_pdf(
    pdf: bytes,
    credential: Credential,
    *,
    field_name: str,
    appearance: Appearance,
    slot: SignatureSlot | None,
    reason: str,
    location: str,
    now: datetime | None,
) -> bytes:
    when = now or datetime.now(UTC)
    slot = slot or DEFAULT_SLOT
    with open_signer(credential) as signer:
        _check_certificate(signer.signing_cert, when)
        try:
            writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        except (PdfError, ValueError) as exc:
            raise SigningError(f"Tệp cần ký không phải PDF hợp lệ: {exc}.", field="document") from None
        existing = {name for name, _, _ in fields.enumerate_sig_fields(writer)}
        if field_name in existing:
            raise SigningError(f"Văn bản đã có chữ ký «{field_name}».", field="document")
        page = slot.page if slot.page >= 0 else int(writer.root["/Pages"]["/Count"]) + slot.page
        style, params = _stamp_style(appearance, when)
        meta = signers.PdfSignatureMetadata(
            field_name=field_name,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=reason or None,
            location=location or None,
            name=appearance.name,
        )
        pdf_signer = signers.PdfSigner(
            meta,
            signer=signer,
            stamp_style=style,
            new_field_spec=fields.SigFieldSpec(sig_field_name=field_name, on_page=page, box=slot.box),
        )
        output = io.BytesIO()
        pdf_signer.sign_pdf(writer, output=output, appearance_text_params=params)
        return output.getvalue()


async def sign_pdf_async(pdf: bytes, credential: Credential, **kwargs: Any) -> bytes:
    """:func:`sign_pdf` in a thread, so the event loop keeps serving while a token works."""
    return await asyncio.to_thread(sign_pdf, pdf, credential, **kwargs)


def load_trust_roots(paths: Sequence[Path]) -> list[Any]:
    """Trusted root certificates (PEM or DER files) for :func:`meetings.records.signatures.validate_signatures`."""

    try:
        return list(load_certs_from_pemder([str(p) for p in paths]))  # type: ignore[no-untyped-call]
    except (OSError, ValueError) as exc:
        raise SigningError(f"Không đọc được chứng thư số gốc tin cậy: {exc}.", field="certificate") from None
