"""Whose keys sign the meeting's documents: the secretary's and the chair's for the minutes, the chair's for
the conclusion notice, and the agency's beside them.

Two sources, one interface (:class:`SigningKeys`):

- :class:`DemoSigningKeys` (the demo and tests): the demo certificate authority under the data folder
  issues each person and agency a certificate on first use (:mod:`meetings.records.demo_pki`);
- :class:`FolderSigningKeys` (production): PKCS#12 files an administrator puts in a folder —
  ``person-<username>.p12`` with its passphrase in ``person-<username>.pass`` beside it (readable by the
  service only); the agency's certificate from the settings (``GIAOBAN_SIGNING_AGENCY_P12``, as for the
  Giấy mời), else ``unit-<code>.p12``/``.pass`` and ``unit-<code>-seal.png`` in the folder. A missing
  file stops the approval with a message naming the file, and nothing is lost: it can be retried.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from meetings.people import Person
from meetings.records.signing import Appearance, Credential, Pkcs12Credential, SigningError
from meetings.units import Unit


@dataclass(frozen=True)
class SigningKey:
    credential: Credential
    appearance: Appearance


class SigningKeys(Protocol):
    def for_person(self, person: Person, unit: Unit) -> SigningKey: ...

    def for_agency(self, unit: Unit) -> SigningKey | None:
        """The agency's key, or None when the agency does not sign (then only the people's signatures)."""
        ...


def _safe(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", value)


class FolderSigningKeys:
    """Production: the people's PKCS#12 files in ``folder``; the agency's from the settings
    (``GIAOBAN_SIGNING_AGENCY_P12``, shared with the Giấy mời) or else from ``folder``."""

    def __init__(self, folder: Path, *, agency: Pkcs12Credential | None = None, seal: Path | None = None) -> None:
        self.folder = folder
        self.agency = agency
        self.seal = seal

    def _credential(self, stem: str, whose: str) -> Pkcs12Credential:
        path, secret = self.folder / f"{stem}.p12", self.folder / f"{stem}.pass"
        if not path.is_file() or not secret.is_file():
            raise SigningError(
                f"Chưa cấu hình chứng thư số của {whose}: cần tệp {path} và mật khẩu trong {secret}. "
                "Hãy báo quản trị viên; biên bản chưa bị mất, duyệt lại sau khi cấu hình.",
                field="certificate",
            )
        return Pkcs12Credential(path, secret.read_text(encoding="utf-8").strip())

    def for_person(self, person: Person, unit: Unit) -> SigningKey:
        credential = self._credential(f"person-{_safe(person.username)}", person.full_name)
        return SigningKey(credential, Appearance(person.full_name, person.position))

    def for_agency(self, unit: Unit) -> SigningKey | None:
        if self.agency is not None:
            return SigningKey(self.agency, Appearance(unit.name, image=self.seal, agency=True))
        stem = f"unit-{_safe(unit.code)}"
        if not (self.folder / f"{stem}.p12").exists():
            return None
        seal = self.folder / f"{stem}-seal.png"
        credential = self._credential(stem, unit.name)
        return SigningKey(credential, Appearance(unit.name, image=seal if seal.exists() else None, agency=True))


class DemoSigningKeys:
    """Certificates of the demo CA in ``folder``, issued on first use and kept there — the same files, names
    and passphrases as the Giấy mời's demo signers (web/invitation_signing.py), so either may issue them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _issue(self, stem: str, common_name: str, organisation: str) -> Pkcs12Credential:
        from meetings.records.demo_pki import DemoCertificateAuthority

        # Demo only: the passphrase is no secret (the files are the demo CA's, owner-only).
        passphrase = f"demo-{stem}"
        path = self.folder / f"{stem}.p12"
        if not path.exists():
            ca = DemoCertificateAuthority.open(self.folder)
            path = ca.issue(common_name, organisation=organisation, passphrase=passphrase, filename=stem).path
        return Pkcs12Credential(path, passphrase)

    def for_person(self, person: Person, unit: Unit) -> SigningKey:
        credential = self._issue(f"person-{person.id}", person.full_name, unit.name)
        return SigningKey(credential, Appearance(person.full_name, person.position))

    def for_agency(self, unit: Unit) -> SigningKey | None:
        from meetings.records.demo_pki import make_seal_image
        from meetings.records.fonts import official_font

        credential = self._issue(f"unit-{unit.id}", unit.name, unit.name)
        seal = self.folder / f"seal-unit-{unit.id}.png"
        if not seal.exists():
            make_seal_image(seal, unit.name, font_file=official_font().bold)
        return SigningKey(credential, Appearance(unit.name, image=seal, agency=True))
