"""The demo certificate authority and its credentials, made once per test session (RSA keys take time)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from meetings.records.demo_pki import DemoCertificateAuthority, IssuedCredential, make_seal_image
from meetings.records.fonts import official_font
from meetings.records.signing import Pkcs12Credential


@dataclass(frozen=True)
class Pki:
    ca: DemoCertificateAuthority
    chair: IssuedCredential
    agency: IssuedCredential
    seal: Path
    stranger_ca: DemoCertificateAuthority
    stranger: IssuedCredential

    def credential(self, issued: IssuedCredential) -> Pkcs12Credential:
        return Pkcs12Credential(issued.path, issued.passphrase)


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    folder = tmp_path_factory.mktemp("pki")
    ca = DemoCertificateAuthority.open(folder)
    chair = ca.issue("Nguyễn Văn An", organisation="UBND huyện Hòa Vang", passphrase="mật-khẩu-chủ-tọa")
    agency = ca.issue(
        "Ủy ban nhân dân huyện Hòa Vang", organisation="UBND huyện Hòa Vang", passphrase="mk-co-quan", filename="agency"
    )
    seal = make_seal_image(folder / "seal.png", "Ủy ban nhân dân huyện Hòa Vang", font_file=official_font().bold)
    other_folder = tmp_path_factory.mktemp("other-pki")
    stranger_ca = DemoCertificateAuthority.open(other_folder)
    stranger = stranger_ca.issue("Người Lạ", organisation="Nơi khác", passphrase="x")
    return Pki(ca, chair, agency, seal, stranger_ca, stranger)
