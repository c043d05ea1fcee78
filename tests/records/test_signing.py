"""Digital signatures (PAdES, pyHanko): signer then agency, visible, validated; broken files and bad
credentials give clear messages."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from meetings.records.demo_pki import DemoCertificateAuthority
from meetings.records.render import RenderedDocument, render
from meetings.records.signing import (
    Appearance,
    Pkcs11Credential,
    Pkcs12Credential,
    SigningError,
    iso_time,
    load_trust_roots,
    seal_slot,
    sign_pdf,
    sign_pdf_async,
)
from meetings.records.verification import check_signatures, check_signatures_async
from tests.records import samples
from tests.records.conftest import Pki

SIGNED_AT = datetime(2026, 3, 5, 4, 45, tzinfo=UTC)  # 11:45 in Hà Nội


@pytest.fixture(scope="module")
def minutes() -> RenderedDocument:
    return render(samples.minutes())


def _sign_both(pki: Pki, rendered: RenderedDocument) -> bytes:
    chair = rendered.slots["chair"]
    pdf = sign_pdf(
        rendered.pdf,
        pki.credential(pki.chair),
        field_name="chu-toa",
        appearance=Appearance("Nguyễn Văn An", "Chủ tọa"),
        slot=chair,
        reason="Duyệt biên bản",
        location="Hòa Vang",
    )
    return sign_pdf(
        pdf,
        pki.credential(pki.agency),
        field_name="co-quan",
        appearance=Appearance("Ủy ban nhân dân huyện Hòa Vang", agency=True, image=pki.seal),
        slot=seal_slot(chair),
    )


def test_signer_then_agency_both_validate(pki: Pki, minutes: RenderedDocument) -> None:
    signed = _sign_both(pki, minutes)
    check = check_signatures(signed, load_trust_roots([pki.ca.certificate_path]))
    assert check.all_valid, check
    chair, agency = check.signatures
    assert (chair.field_name, chair.signer, chair.organisation) == ("chu-toa", "Nguyễn Văn An", "UBND huyện Hòa Vang")
    assert agency.signer == "Ủy ban nhân dân huyện Hòa Vang"
    # The chair's signature covers its revision; the agency's, added after it, the whole file.
    assert not chair.covers_whole_file and agency.covers_whole_file
    assert chair.message.startswith("Chữ ký hợp lệ")
    assert chair.signed_at is not None and chair.signed_at.utcoffset() == timedelta(hours=7)
    # The original document is still there, unchanged, under the signatures.
    assert signed.startswith(minutes.pdf[:-1024][:2048])


async def test_signing_from_inside_a_running_event_loop(pki: Pki, minutes: RenderedDocument) -> None:
    # pyHanko's synchronous API starts an event loop of its own; a caller already running one (a coroutine,
    # or Playwright's synchronous API earlier in the same test process) still gets its signature.
    signed = _sign_both(pki, minutes)
    check = check_signatures(signed, load_trust_roots([pki.ca.certificate_path]))
    assert check.all_valid and len(check.signatures) == 2


def test_signatures_are_visible_where_the_form_leaves_room(pki: Pki, minutes: RenderedDocument) -> None:
    signed = _sign_both(pki, minutes)
    reader = PdfReader(io.BytesIO(signed))
    slot = minutes.slots["chair"]
    widgets = {}
    for index, page in enumerate(reader.pages):
        for annotation in page.get("/Annots", []) or []:
            annotation = annotation.get_object()
            if annotation.get("/FT") == "/Sig" or annotation.get("/Parent", {}).get("/FT") == "/Sig":
                widgets[str(annotation.get("/T"))] = (index, [round(float(v)) for v in annotation["/Rect"]])
                assert "/N" in annotation["/AP"]  # an appearance is drawn
    assert widgets["chu-toa"] == (slot.page, list(slot.box))
    page, (ax1, ay1, ax2, ay2) = widgets["co-quan"]
    x1, y1, x2, y2 = slot.box
    assert page == slot.page
    # The seal reaches over the left part of the chair's signature, about 35 mm across.
    assert ax1 < x1 + (x2 - x1) / 4 < ax2 < (x1 + x2) / 2
    assert 95 <= ax2 - ax1 <= 105 and ay1 < (y1 + y2) / 2 < ay2


def test_one_changed_byte_breaks_the_signature(pki: Pki, minutes: RenderedDocument) -> None:
    signed = bytearray(_sign_both(pki, minutes))
    # A byte inside the first page's content stream, which both signatures cover.
    start = signed.index(b"stream", signed.index(b"/Length")) + 20
    signed[start] ^= 0x01
    check = check_signatures(bytes(signed), load_trust_roots([pki.ca.certificate_path]))
    assert not check.all_valid
    assert [s.intact for s in check.signatures] == [False, False]
    assert check.signatures[0].message == "Văn bản đã bị thay đổi sau khi ký: chữ ký không còn giá trị."


def test_a_changed_signature_value_is_reported_not_raised(pki: Pki, minutes: RenderedDocument) -> None:
    signed = bytearray(_sign_both(pki, minutes))
    contents = signed.index(b"/Contents <") + len(b"/Contents <") + 3000
    signed[contents] = ord("0") if signed[contents] != ord("0") else ord("1")
    check = check_signatures(bytes(signed), load_trust_roots([pki.ca.certificate_path]))
    chair, agency = check.signatures
    assert not chair.valid and not chair.ok
    # The agency's signature covers the chair's, bytes and all: it breaks too.
    assert not agency.intact and not agency.ok


def test_a_certificate_from_an_untrusted_authority_is_flagged(pki: Pki, minutes: RenderedDocument) -> None:
    signed = sign_pdf(
        minutes.pdf, pki.credential(pki.stranger), field_name="la", appearance=Appearance("Người Lạ"),
        slot=minutes.slots["chair"],
    )  # fmt: skip
    (report,) = check_signatures(signed, load_trust_roots([pki.ca.certificate_path])).signatures
    assert report.intact and report.valid and not report.trusted and not report.ok
    assert "không do tổ chức chứng thực được tin cậy cấp" in report.message


def test_missing_file_wrong_password_expired_certificate(pki: Pki, minutes: RenderedDocument, tmp_path: Path) -> None:
    appearance = Appearance("Nguyễn Văn An")
    with pytest.raises(SigningError) as missing:
        sign_pdf(minutes.pdf, Pkcs12Credential(tmp_path / "khong-co.p12", "x"), field_name="a", appearance=appearance)
    assert missing.value.field == "certificate" and "khong-co.p12" in missing.value.message

    with pytest.raises(SigningError) as wrong:
        sign_pdf(minutes.pdf, Pkcs12Credential(pki.chair.path, "sai"), field_name="a", appearance=appearance)
    assert wrong.value.field == "password" and "sai mật khẩu" in wrong.value.message

    not_pkcs12 = tmp_path / "not.p12"
    not_pkcs12.write_bytes(b"-----BEGIN CERTIFICATE-----\nnonsense\n")
    with pytest.raises(SigningError, match="không phải PKCS#12"):
        sign_pdf(minutes.pdf, Pkcs12Credential(not_pkcs12, "x"), field_name="a", appearance=appearance)

    old = pki.ca.issue(
        "Cán Bộ Cũ", organisation="UBND", passphrase="p", filename="old", now=datetime(2020, 1, 1, tzinfo=UTC),
        valid_days=365,
    )  # fmt: skip
    with pytest.raises(SigningError, match="đã hết hạn ngày 31/12/2020"):
        sign_pdf(minutes.pdf, Pkcs12Credential(old.path, "p"), field_name="a", appearance=appearance)


def test_bad_documents_give_messages(pki: Pki, minutes: RenderedDocument) -> None:
    appearance = Appearance("Nguyễn Văn An")
    with pytest.raises(SigningError, match="không phải PDF"):
        sign_pdf(b"<html>not a pdf</html>", pki.credential(pki.chair), field_name="a", appearance=appearance)
    once = sign_pdf(minutes.pdf, pki.credential(pki.chair), field_name="a", appearance=appearance)
    with pytest.raises(SigningError, match="đã có chữ ký «a»"):
        sign_pdf(once, pki.credential(pki.chair), field_name="a", appearance=appearance)

    roots = load_trust_roots([pki.ca.certificate_path])
    garbage = check_signatures(b"garbage" * 100, roots)
    assert garbage.problem.startswith("Không đọc được tệp PDF") and not garbage.all_valid
    unsigned = check_signatures(minutes.pdf, roots)
    assert unsigned.signatures == [] and not unsigned.problem and not unsigned.all_valid


def test_signing_time_is_shown_in_iso_8601_with_the_vietnamese_offset() -> None:
    assert iso_time(SIGNED_AT) == "2026-03-05T11:45:00+07:00"


async def test_signing_from_async_code(pki: Pki, minutes: RenderedDocument) -> None:
    signed = await sign_pdf_async(
        minutes.pdf, pki.credential(pki.chair), field_name="a", appearance=Appearance("Nguyễn Văn An")
    )
    check = await check_signatures_async(signed, load_trust_roots([pki.ca.certificate_path]))
    assert check.all_valid


# --- a PKCS#11 token: SoftHSM, the key made on the token and never leaving it -------------------------

SOFTHSM = next(
    (Path(p) for p in ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")
     if Path(p).exists()),
    None,
)  # fmt: skip


@pytest.fixture
def token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pki: Pki) -> Path:
    pkcs11 = pytest.importorskip("pkcs11")
    if SOFTHSM is None or shutil.which("softhsm2-util") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("SoftHSM (Debian softhsm2) must be installed in CI: scripts/setup.sh --test installs it")
        pytest.skip("SoftHSM is not installed")
    (tmp_path / "tokens").mkdir()
    config = tmp_path / "softhsm2.conf"
    config.write_text(f"directories.tokendir = {tmp_path / 'tokens'}\nobjectstore.backend = file\n")
    monkeypatch.setenv("SOFTHSM2_CONF", str(config))
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", "chu-toa", "--pin", "123456", "--so-pin", "654321"],
        check=True, capture_output=True,
    )  # fmt: skip
    from asn1crypto import core
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID
    from pkcs11.util.rsa import encode_rsa_public_key

    lib = pkcs11.lib(str(SOFTHSM))
    with lib.get_token(token_label="chu-toa").open(rw=True, user_pin="123456") as session:
        public, _private = session.generate_keypair(pkcs11.KeyType.RSA, 2048, label="ky-so", id=b"\x01", store=True)
        key = serialization.load_der_public_key(encode_rsa_public_key(public))
        now = datetime.now(UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Nguyễn Văn An (token)")]))
            .issuer_name(pki.ca.certificate.subject)
            .public_key(key)  # type: ignore[arg-type]
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
            .sign(pki.ca.key, hashes.SHA256())
        )
        session.create_object(
            {
                pkcs11.Attribute.CLASS: pkcs11.ObjectClass.CERTIFICATE,
                pkcs11.Attribute.CERTIFICATE_TYPE: pkcs11.CertificateType.X_509,
                pkcs11.Attribute.TOKEN: True,
                pkcs11.Attribute.LABEL: "ky-so",
                pkcs11.Attribute.ID: b"\x01",
                pkcs11.Attribute.VALUE: certificate.public_bytes(serialization.Encoding.DER),
                pkcs11.Attribute.SUBJECT: certificate.subject.public_bytes(),
                pkcs11.Attribute.ISSUER: certificate.issuer.public_bytes(),
                pkcs11.Attribute.SERIAL_NUMBER: core.Integer(certificate.serial_number).dump(),
            }
        )
    return SOFTHSM


def test_signing_with_a_pkcs11_token(token: Path, pki: Pki, minutes: RenderedDocument) -> None:
    credential = Pkcs11Credential(module=token, token_label="chu-toa", key_label="ky-so", pin="123456")
    signed = sign_pdf(
        minutes.pdf, credential, field_name="token", appearance=Appearance("Nguyễn Văn An"),
        slot=minutes.slots["chair"],
    )  # fmt: skip
    (report,) = check_signatures(signed, load_trust_roots([pki.ca.certificate_path])).signatures
    assert report.ok and report.signer == "Nguyễn Văn An (token)"


def test_pkcs11_wrong_pin_missing_token_and_missing_driver(token: Path, minutes: RenderedDocument) -> None:
    appearance = Appearance("Nguyễn Văn An")
    with pytest.raises(SigningError, match="Mã PIN của token không đúng"):
        sign_pdf(minutes.pdf, Pkcs11Credential(token, "chu-toa", "ky-so", pin="000000"), field_name="a",
                 appearance=appearance)  # fmt: skip
    with pytest.raises(SigningError, match="Không mở được token «khong-co»"):
        sign_pdf(minutes.pdf, Pkcs11Credential(token, "khong-co", "ky-so", pin="123456"), field_name="a",
                 appearance=appearance)  # fmt: skip
    with pytest.raises(SigningError, match="thư viện PKCS#11"):
        sign_pdf(minutes.pdf, Pkcs11Credential(Path("/khong/co/lib.so"), "chu-toa", "ky-so"), field_name="a",
                 appearance=appearance)  # fmt: skip


def test_a_second_ca_is_its_own(pki: Pki) -> None:
    assert isinstance(pki.stranger_ca, DemoCertificateAuthority)
    assert pki.stranger_ca.certificate.subject == pki.ca.certificate.subject  # same demo name ...
    assert pki.stranger_ca.certificate.public_key() != pki.ca.certificate.public_key()  # ... another key
