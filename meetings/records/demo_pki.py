"""A small certificate authority for the demo and the tests: it issues PKCS#12 files for signers
(officials) and agencies, kept in a folder under the data folder.

Real deployments use certificates from the government's certification authority (chứng thư số
chuyên dùng Chính phủ) on the officials' USB tokens and, for the agency, a PKCS#12 file or token on the
server; its root goes into the trusted roots of :mod:`meetings.records.signing` instead of this one.
"""

from __future__ import annotations

import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_CERT = "demo-ca.pem"
CA_KEY = "demo-ca.key.pem"
CA_PASSPHRASE = "demo-ca.passphrase"
DEMO_CA_NAME = "giaoban Demo CA (không dùng thật)"


def _private_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)


def _key() -> rsa.RSAPrivateKey:
    # RSA 2048 with SHA-256: what the Vietnamese government CA issues, and what every validator reads.
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def safe_stem(name: str) -> str:
    """A file name stem from a person's or agency's name or code (``Nguyễn Văn An`` → ``nguyen-van-an``)."""
    ascii_name = unicodedata.normalize("NFKD", name.replace("Đ", "D").replace("đ", "d"))
    ascii_name = ascii_name.encode("ascii", "ignore").decode("ascii").lower()
    stem = re.sub(r"[^a-z0-9.]+", "-", ascii_name).strip("-.")
    return stem or "certificate"


@dataclass(frozen=True)
class IssuedCredential:
    path: Path
    passphrase: str
    certificate: x509.Certificate


class DemoCertificateAuthority:
    """The demo CA in ``folder``: made on first use, loaded afterwards."""

    def __init__(self, folder: Path, certificate: x509.Certificate, key: rsa.RSAPrivateKey) -> None:
        self.folder = folder
        self.certificate = certificate
        self.key = key

    @property
    def certificate_path(self) -> Path:
        return self.folder / CA_CERT

    @classmethod
    def open(cls, folder: Path, *, now: datetime | None = None) -> DemoCertificateAuthority:
        """The CA kept in ``folder``, created there if it is not yet."""
        cert_path, key_path, pass_path = folder / CA_CERT, folder / CA_KEY, folder / CA_PASSPHRASE
        if cert_path.exists() and key_path.exists() and pass_path.exists():
            certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
            key = serialization.load_pem_private_key(key_path.read_bytes(), pass_path.read_bytes().strip())
            assert isinstance(key, rsa.RSAPrivateKey)
            return cls(folder, certificate, key)
        return cls._create(folder, now or datetime.now(UTC))

    @classmethod
    def _create(cls, folder: Path, now: datetime) -> DemoCertificateAuthority:
        key = _key()
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "giaoban demo"),
                x509.NameAttribute(NameOID.COMMON_NAME, DEMO_CA_NAME),
            ]
        )
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        passphrase = secrets.token_urlsafe(24).encode("ascii")
        _private_write(folder / CA_PASSPHRASE, passphrase)
        _private_write(
            folder / CA_KEY,
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(passphrase),
            ),
        )
        _private_write(folder / CA_CERT, certificate.public_bytes(serialization.Encoding.PEM))
        return cls(folder, certificate, key)

    def issue(
        self,
        common_name: str,
        *,
        organisation: str,
        passphrase: str,
        filename: str | None = None,
        email: str = "",
        now: datetime | None = None,
        valid_days: int = 3 * 365,
    ) -> IssuedCredential:
        """A signing certificate for ``common_name`` (a person, or an agency for its own signature), saved
        with its key and this CA's certificate as a PKCS#12 file protected by ``passphrase``."""
        now = now or datetime.now(UTC)
        key = _key()
        subject = [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name(subject))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=valid_days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, ExtendedKeyUsageOID.CLIENT_AUTH]),
                critical=False,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False)
        )
        if email:
            builder = builder.add_extension(x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False)
        certificate = builder.sign(self.key, hashes.SHA256())
        data = pkcs12.serialize_key_and_certificates(
            common_name.encode("utf-8"),
            key,
            certificate,
            [self.certificate],
            serialization.BestAvailableEncryption(passphrase.encode("utf-8")),
        )
        path = self.folder / f"{filename or safe_stem(common_name)}.p12"
        _private_write(path, data)
        return IssuedCredential(path, passphrase, certificate)


def make_seal_image(path: Path, agency_name: str, *, font_file: Path, size: int = 600) -> Path:
    """A red round seal for the demo (PNG, transparent): two rings, the agency's name around, a star and
    "MẪU" (specimen) in the middle, so no one takes it for a real seal."""
    import math

    from PIL import Image, ImageDraw, ImageFont

    red = (200, 16, 16, 255)
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    centre, outer = size / 2, size / 2 - 6
    draw.ellipse((centre - outer, centre - outer, centre + outer, centre + outer), outline=red, width=14)
    inner = outer * 0.66
    draw.ellipse((centre - inner, centre - inner, centre + inner, centre + inner), outline=red, width=6)
    # A five-pointed star.
    star = []
    for i in range(10):
        radius = inner * (0.42 if i % 2 == 0 else 0.17)
        angle = -math.pi / 2 + i * math.pi / 5
        star.append((centre + radius * math.cos(angle), centre - inner * 0.18 + radius * math.sin(angle)))
    draw.polygon(star, fill=red)
    small = ImageFont.truetype(str(font_file), round(size * 0.075))
    draw.text((centre, centre + inner * 0.5), "MẪU", font=small, fill=red, anchor="mm")
    # The name around the ring, each letter turned to face outwards.
    letters = agency_name.upper()
    band = (outer + inner) / 2
    font = ImageFont.truetype(str(font_file), round(size * 0.07))
    spread = math.radians(300)
    for index, letter in enumerate(letters):
        angle = -math.pi / 2 - spread / 2 + spread * (index + 0.5) / len(letters)
        tile = Image.new("RGBA", (round(size * 0.12), round(size * 0.12)), (0, 0, 0, 0))
        ImageDraw.Draw(tile).text((tile.width / 2, tile.height / 2), letter, font=font, fill=red, anchor="mm")
        tile = tile.rotate(-math.degrees(angle) - 90, resample=Image.Resampling.BICUBIC)
        x = centre + band * math.cos(angle) - tile.width / 2
        y = centre + band * math.sin(angle) - tile.height / 2
        image.alpha_composite(tile, (round(x), round(y)))
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path
