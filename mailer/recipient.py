"""Who a mail goes to (or comes from), and the languages mail is written in."""

from __future__ import annotations

from dataclasses import dataclass
from email.headerregistry import Address

from mailer.headers import clean_display_name, normalize_address

LANGUAGES = ("vi", "en")
"""Languages the mail templates exist in; the first is the default."""


def normalize_language(value: str) -> str:
    """``vi`` or ``en`` from a language tag such as ``en-US``; anything unknown falls back to ``vi``."""
    primary = value.strip().lower().replace("_", "-").split("-", 1)[0]
    return primary if primary in LANGUAGES else LANGUAGES[0]


@dataclass(frozen=True)
class Recipient:
    """A person or unit mail is addressed to (or sent from). The address is checked and normalised on
    creation, so a ``Recipient`` always holds a usable address; an invalid one raises
    ``InvalidAddressError``."""

    address: str
    name: str = ""
    language: str = "vi"

    def __post_init__(self) -> None:
        object.__setattr__(self, "address", normalize_address(self.address))
        object.__setattr__(self, "name", clean_display_name(self.name))
        object.__setattr__(self, "language", normalize_language(self.language))

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]

    def as_header_address(self) -> Address:
        return Address(display_name=self.name, addr_spec=self.address)
