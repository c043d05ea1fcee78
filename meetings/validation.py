"""Cleaning of single directory fields: each function returns the normalised value or raises a
ValidationError naming the field, with a message an official can act on."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from email_validator import EmailNotValidError, validate_email

from meetings.errors import ValidationError
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
        raise ValidationError(f"{label} không được để trống.", field=field)
    if len(text) > max_length:
        raise ValidationError(f"{label} quá dài (tối đa {max_length} ký tự).", field=field)
    return text


def clean_email(value: str, field: str = "email") -> str:
    """A syntactically valid address (no DNS look-up), or empty.

    The part before the @ must be ASCII: official mail servers do not all speak SMTPUTF8, and the mailer
    refuses such addresses, so they are refused here, when a person can still correct them.
    """
    text = refuse_nul(value, field, "Địa chỉ thư điện tử").strip()
    if not text:
        return ""
    try:
        return validate_email(text, check_deliverability=False, allow_smtputf8=False).normalized
    except EmailNotValidError as exc:
        hint = " Phần trước dấu @ chỉ dùng chữ không dấu, số và . _ -." if not text.partition("@")[0].isascii() else ""
        raise ValidationError(f"Địa chỉ thư điện tử «{text}» không hợp lệ: {exc}{hint}", field=field) from exc


def clean_username(value: str) -> str:
    username = refuse_nul(value, "username", "Tên đăng nhập").strip().lower()
    if not USERNAME_RE.match(username):
        raise ValidationError(
            f"Tên đăng nhập «{value.strip()}» không hợp lệ: 2–80 ký tự, chỉ chữ thường không dấu, số và . _ -, "
            "bắt đầu bằng chữ hoặc số.",
            field="username",
        )
    return username


def clean_abbreviation(value: str) -> str:
    """The agency abbreviation used in document symbols (``12/BB-UBND``): one word, no ``/``."""
    text = unicodedata.normalize("NFC", refuse_nul(value, "abbreviation", "Tên viết tắt")).strip()
    if not text:
        raise ValidationError("Tên viết tắt của cơ quan không được để trống.", field="abbreviation")
    if len(text) > 30 or re.search(r"[\s/]", text):
        raise ValidationError(
            f"Tên viết tắt «{text}» không hợp lệ: một từ, không dấu cách hay dấu /, tối đa 30 ký tự (ví dụ UBND).",
            field="abbreviation",
        )
    return text


def clean_language(value: str) -> str:
    text = refuse_nul(value, "language", "Ngôn ngữ").strip().lower() or "vi"
    if text not in LANGUAGES:
        raise ValidationError(f"Ngôn ngữ phải là một trong: {', '.join(LANGUAGES)}.", field="language")
    return text


def parse_level(value: UnitLevel | str) -> UnitLevel:
    text = unicodedata.normalize("NFC", refuse_nul(str(value), "level", "Cấp đơn vị")).strip().lower()
    try:
        return UnitLevel(text)
    except ValueError:
        pass
    if text in LEVEL_ALIASES:
        return LEVEL_ALIASES[text]
    raise ValidationError(
        f"Cấp đơn vị «{value}» không hợp lệ; dùng province, district hoặc commune (tỉnh, huyện, xã).",
        field="level",
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
            raise ValidationError(f"Vai trò «{item}» không có; các vai trò: {known}.", field="roles") from None
    return frozenset(roles)
