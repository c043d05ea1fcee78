"""Who signs the Giấy mời produced at publishing, from the settings.

- ``GIAOBAN_SIGNING_AGENCY_P12`` (with its passphrase and ``GIAOBAN_SIGNING_SEAL_IMAGE``): the agency's
  certificate kept on the server signs every unit's invitations. (An official's own USB token cannot sign
  on the server unattended; the signer's signature is then the agency's alone.)
- Nothing configured, in the test and development environments: the demo certificate authority under
  ``<data folder>/pki`` issues, once, a certificate for the chair and one for the convening unit, and a
  specimen seal ("MẪU") — for trying the product only.
- Nothing configured in production: the Giấy mời is produced unsigned, and a warning is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from meetings.people import Person
from meetings.records.demo_pki import DemoCertificateAuthority, make_seal_image
from meetings.records.fonts import official_font
from meetings.records.invitation_issue import InvitationSigners
from meetings.records.signing import Pkcs12Credential
from meetings.units import Unit
from web.settings import Settings

log = logging.getLogger("giaoban.records")

SignerSource = Callable[[Unit, Person], InvitationSigners]

DEMO_ENVIRONMENTS = frozenset({"test", "development"})


def _demo_credential(ca: DemoCertificateAuthority, stem: str, name: str, organisation: str) -> Pkcs12Credential:
    # Demo only: the passphrase is no secret, the file is kept with owner-only permissions by the CA.
    passphrase = f"demo-{stem}"
    path = ca.folder / f"{stem}.p12"
    if not path.exists():
        ca.issue(name, organisation=organisation, passphrase=passphrase, filename=stem)
    return Pkcs12Credential(path, passphrase)


def demo_signers(folder: Path) -> SignerSource:
    def signers(unit: Unit, chair: Person) -> InvitationSigners:
        ca = DemoCertificateAuthority.open(folder)
        seal = folder / f"seal-unit-{unit.id}.png"
        if not seal.exists():
            make_seal_image(seal, unit.name, font_file=official_font().bold)
        return InvitationSigners(
            signer=_demo_credential(ca, f"person-{chair.id}", chair.full_name, unit.name),
            agency=_demo_credential(ca, f"unit-{unit.id}", unit.name, unit.name),
            seal_image=seal,
        )

    return signers


def invitation_signers(settings: Settings) -> SignerSource:
    """The signers the settings name (see the module's docstring)."""
    if settings.signing_agency_p12 is not None:
        agency = Pkcs12Credential(settings.signing_agency_p12, settings.signing_agency_passphrase)
        seal = settings.signing_seal_image

        def configured(unit: Unit, chair: Person) -> InvitationSigners:
            return InvitationSigners(agency=agency, seal_image=seal)

        return configured
    if settings.environment in DEMO_ENVIRONMENTS:
        return demo_signers(settings.data_dir / "pki")

    def unsigned(unit: Unit, chair: Person) -> InvitationSigners:
        log.warning("no signing certificate configured (GIAOBAN_SIGNING_AGENCY_P12): the Giấy mời goes out unsigned")
        return InvitationSigners()

    return unsigned
