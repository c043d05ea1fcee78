"""Cleaning of single directory fields: each function returns the normalised value or raises a
ValidationError naming the field, with a message an official can act on."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from email_validator import EmailNotValidError, validate_email

from meetings.errors import N_, ValidationError, as_message
from meetings.people import Role
from meetings.text import refuse_nul
from meetings.units import UnitLevel

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
LANGUAGES = ("vi", "en")

# What officials write in a spreadsheet, besides the English values. District-level towns and cities
# (thị xã, thành phố thuộc tỉnh) and quận count as districts; phường, thị trấn and đặc khu as communes.
LEVEL_ALIASES: dict[str, UnitLevel] = {
    "tỉnh": UnitLevel.PROVINCE,
    "tinh": UnitLevel.PROVINCE,
    "huyện": UnitLevel.DISTRICT,
    "huyen": UnitLevel.DISTRICT,
    "quận": UnitLevel.DISTRICT,
    "thị xã": UnitLevel.DISTRICT,
    "xã": UnitLevel.COMMUNE,
    "xa": UnitLevel.COMMUNE,
    "phường": UnitLevel.COMMUNE,
    "thị trấn": UnitLevel.COMMUNE,
    "đặc khu": UnitLevel.COMMUNE,
}


def clean_text(value: str, field: str, label: str, max_length: int, *, required: bool = False) -> str:
    """Strip ``value`` (Unicode NFC, so the same Vietnamese word compares equal however it was typed)."""
    text = unicodedata.normalize("NFC", refuse_nul(value, field, label)).strip()
    if required and not text:
        raise ValidationError(N_("%(label)s không được để trống."), field=field, label=as_message(label))
    if len(text) > max_length:
        raise ValidationError(
            N_("%(label)s quá dài (tối đa %(max)d ký tự)."), field=field, label=as_message(label), max=max_length
        )
    return text


def clean_email(value: str, field: str = "email") -> str:
    """A syntactically valid address (no DNS look-up), or empty.

    The part before the @ must be ASCII: official mail servers do not all speak SMTPUTF8, and the mailer
    refuses such addresses, so they are refused here, when a person can still correct them.
    """
    text = refuse_nul(value, field, N_("Địa chỉ thư điện tử")).strip()
    if not text:
        return ""
    try:
        return validate_email(text, check_deliverability=False, allow_smtputf8=False).normalized
    except EmailNotValidError as exc:
        # The library's reason is English; it is kept as it is in both languages.
        if text.partition("@")[0].isascii():
            raise ValidationError(
                N_("Địa chỉ thư điện tử «%(email)s» không hợp lệ: %(reason)s"), field=field, email=text, reason=str(exc)
            ) from exc
        raise ValidationError(
            N_(
                "Địa chỉ thư điện tử «%(email)s» không hợp lệ: %(reason)s "
                "Phần trước dấu @ chỉ dùng chữ không dấu, số và . _ -."
            ),
            field=field,
            email=text,
            reason=str(exc),
        ) from exc


def clean_username(value: str) -> str:
    username = refuse_nul(value, "username", "Tên đăng nhập").strip().lower()
    if not USERNAME_RE.match(username):
        raise ValidationError(
            N_(
                "Tên đăng nhập «%(username)s» không hợp lệ: 2–80 ký tự, chỉ chữ thường không dấu, số và . _ -, "
                "bắt đầu bằng chữ hoặc số."
            ),
            field="username",
            username=value.strip(),
        )
    return username


def clean_abbreviation(value: str) -> str:
    """The agency abbreviation used in document symbols (``12/BB-UBND``): one word, no ``/``."""
    text = unicodedata.normalize("NFC", refuse_nul(value, "abbreviation", N_("Tên viết tắt"))).strip()
    if not text:
        raise ValidationError(N_("Tên viết tắt của cơ quan không được để trống."), field="abbreviation")
    if len(text) > 30 or re.search(r"[\s/]", text):
        raise ValidationError(
            N_("Tên viết tắt «%(text)s» không hợp lệ: một từ, không dấu cách hay dấu /, tối đa 30 ký tự (ví dụ UBND)."),
            field="abbreviation",
            text=text,
        )
    return text


def clean_language(value: str) -> str:
    text = refuse_nul(value, "language", "Ngôn ngữ").strip().lower() or "vi"
    if text not in LANGUAGES:
        raise ValidationError(
            N_("Ngôn ngữ phải là một trong: %(languages)s."), field="language", languages=", ".join(LANGUAGES)
        )
    return text


def parse_level(value: UnitLevel | str) -> UnitLevel:
    text = unicodedata.normalize("NFC", refuse_nul(str(value), "level", N_("Cấp đơn vị"))).strip().lower()
    try:
        return UnitLevel(text)
    except ValueError:
        pass
    if text in LEVEL_ALIASES:
        return LEVEL_ALIASES[text]
    raise ValidationError(
        N_("Cấp đơn vị «%(value)s» không hợp lệ; dùng province, district hoặc commune (tỉnh, huyện, xã)."),
        field="level",
        value=str(value),
    )


def parse_roles(values: Iterable[Role | str] | str) -> frozenset[Role]:
    """Roles from enum values or a space/comma-separated string."""
    items = re.split(r"[\s,;]+", values) if isinstance(values, str) else list(values)
    roles: set[Role] = set()
    for item in items:
        text = refuse_nul(str(item), "roles", "Vai trò").strip().lower()
        if not text:
            continue
        try:
            roles.add(Role(text))
        except ValueError:
            known = ", ".join(r.value for r in Role)
            raise ValidationError(
                N_("Vai trò «%(role)s» không có; các vai trò: %(known)s."), field="roles", role=str(item), known=known
            ) from None
    return frozenset(roles)
