"""Making text safe to put into mail headers.

Everything that reaches a header (subjects, display names, file names, addresses, Message-IDs) goes
through here. The rules:

- line breaks and other whitespace runs become one space, control and bidi-override characters go;
- RFC 2047 encoded words in the input are decoded the way ``email`` would decode them when the header
  is set, and the result is cleaned again: Python before 3.11.10/3.12.5 (CVE-2024-6923) turns an
  encoded ``=0D=0A`` into a real line break when it serialises the header, so an encoded word must
  never reach it;
- addresses must be plain ASCII ``local@domain`` (an internationalised domain is converted to its
  ASCII form), checked with ``email-validator``.

``compose`` additionally parses every message it produces back and compares the headers with what it
meant to write (see ``verify_headers``), so a mistake here cannot silently become an injected header.
"""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from email import message_from_bytes, policy
from email.message import EmailMessage

import email_validator

from mailer.errors import HeaderInjectionError, InvalidAddressError, InvalidMailError

# Bidi embedding/override/isolate characters make a subject or file name display differently from what
# it is ("invoice‮fdp.exe"); they have no use in Vietnamese or English text.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_WHITESPACE = re.compile(r"\s+")
_MAX_HEADER_TEXT = 2000
_MESSAGE_ID = re.compile(r"^<?([A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]+)@([A-Za-z0-9.\-]+)>?$")
_EXTRA_HEADER_NAME = re.compile(r"^X-[A-Za-z0-9][A-Za-z0-9\-]{0,60}$")
_PARSER_POLICY = policy.default


def _flatten(value: str) -> str:
    text = unicodedata.normalize("NFC", value)
    text = _WHITESPACE.sub(" ", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cc" and ch not in _BIDI_CONTROLS)
    return _WHITESPACE.sub(" ", text).strip()


def clean_header_text(value: str) -> str:
    """One line of text that ``email`` will write into a header exactly as it is shown here."""
    if len(value) > _MAX_HEADER_TEXT:
        raise InvalidMailError(f"Tiêu đề/tên quá dài (tối đa {_MAX_HEADER_TEXT} ký tự).")
    text = _flatten(value)
    # Decode encoded words until nothing changes; nesting ("=?utf-8?q?=3D=3F...") is unwound a few
    # levels deep, deeper nesting is only ever an attack.
    for _ in range(4):
        decoded = _flatten(str(_PARSER_POLICY.header_factory("Subject", text)))
        if decoded == text:
            return text
        text = decoded
    raise HeaderInjectionError("Văn bản chứa chuỗi mã hóa lồng nhau bất thường (encoded words).")


def clean_display_name(value: str) -> str:
    """A person's or unit's name as it may appear in ``From``/``To``/``Cc``."""
    return clean_header_text(value)


def clean_filename(value: str) -> str:
    """An attachment file name without path parts or characters that could break a header."""
    name = clean_header_text(value).replace("/", "_").replace("\\", "_").lstrip(". ")
    if not name:
        return "tai-lieu"
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 150 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else name[:150]
    return name


# An encoded word ("=?utf-8?b?...?=") holds at most 75 characters (RFC 2047); 42 bytes of text make 56 of
# base64, so "Subject: " and the first word fit the 78 a line should keep to.
_ENCODED_WORD_BYTES = 42


def encoded_words(text: str) -> list[str]:
    """``text`` as RFC 2047 base64 encoded words, cut between characters, never inside one."""
    chunks: list[bytes] = []
    chunk = b""
    for char in text:
        data = char.encode("utf-8")
        if chunk and len(chunk) + len(data) > _ENCODED_WORD_BYTES:
            chunks.append(chunk)
            chunk = b""
        chunk += data
    if chunk:
        chunks.append(chunk)
    return [f"=?utf-8?b?{base64.b64encode(c).decode('ascii')}?=" for c in chunks]


def fold_encoded(name: str, value: object, linesep: str) -> str | None:
    """``Subject``, ``From``, ``To``, ``Cc`` or ``Reply-To`` with non-ASCII text, folded by us; None for any other
    header, or one all in ASCII (``email`` folds those well).

    Python's own folding (3.11, 3.12; python/cpython#144156) can drop the space between two words where it cuts
    a long non-ASCII subject or display name into encoded words — "trật tự" arrives as "trậttự", "Tân Phú" as
    "Tân Ph ú" — and ``verify_headers`` then refuses the mail. A subject is cut into encoded words that carry
    their spaces inside, one a line: the line breaks between them are ignored by every reader (RFC 2047, 6.2).
    A display name stays one encoded word, each address on its own line.
    """
    text = str(value)
    if text.isascii():
        return None
    separator = f"{linesep} "
    if name.lower() == "subject":
        body = separator.join(encoded_words(text))
    elif name.lower() in ("from", "to", "cc", "reply-to"):
        parts = []
        for address in getattr(value, "addresses", ()):
            display, addr_spec = address.display_name, address.addr_spec
            if display and not display.isascii():
                # One encoded word, however long: between two, RFC 2047 readers drop the space where Python's
                # address parser keeps one, so a name cut in two would read differently in one or the other.
                word = base64.b64encode(display.encode("utf-8")).decode("ascii")
                parts.append(f"=?utf-8?b?{word}?= <{addr_spec}>")
            else:
                parts.append(str(address))  # ASCII: quoted as it needs
        body = f",{separator}".join(parts)
    else:
        return None
    return f"{name}: {body}{linesep}"


def normalize_address(value: str) -> str:
    """The plain ASCII ``local@domain`` form of an address, or ``InvalidAddressError``.

    Display names, quoted local parts, IP literals, non-ASCII local parts and reserved domains
    (``.test``, ``localhost``...) are refused; an internationalised domain becomes its ``xn--`` form.
    """
    if not isinstance(value, str) or not value.strip():
        raise InvalidAddressError(str(value), "địa chỉ trống")
    candidate = value.strip()
    try:
        result = email_validator.validate_email(candidate, check_deliverability=False, allow_smtputf8=False)
    except email_validator.EmailNotValidError as exc:
        raise InvalidAddressError(value, str(exc)) from None
    address = result.ascii_email or result.normalized
    local, _, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}"


def normalize_message_id(value: str) -> str:
    """``<left@right>`` from a Message-ID given with or without angle brackets."""
    match = _MESSAGE_ID.match(value.strip())
    if match is None:
        raise InvalidMailError(f"Message-ID không hợp lệ: {value!r}")
    return f"<{match.group(1)}@{match.group(2)}>"


def message_id_for(key: str, domain: str) -> str:
    """A Message-ID derived from an idempotency key: the same key always gives the same Message-ID,
    so a resend after a crash can be recognised by the receiving side."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]
    return normalize_message_id(f"<{digest}@{domain}>")


def check_extra_header(name: str, value: str) -> tuple[str, str]:
    """Only ``X-...`` headers may be added by callers; their values are cleaned like subjects."""
    if not _EXTRA_HEADER_NAME.match(name):
        raise InvalidMailError(f"Chỉ được thêm tiêu đề thư dạng X-...: {name!r}")
    return name, clean_header_text(value)


# Headers a MIME part (not the message itself) may carry.
_PART_HEADERS = frozenset(
    {"content-type", "content-transfer-encoding", "content-disposition", "content-id", "mime-version"}
)


def verify_headers(
    raw: bytes,
    *,
    expected_names: Iterable[str],
    subject: str,
    addresses: Mapping[str, list[tuple[str, str]]],
) -> None:
    """Parse a serialised message back and check it carries exactly the headers meant for it.

    ``addresses`` maps an address header name to the ``(display name, addr-spec)`` pairs expected in it.
    Raises ``HeaderInjectionError`` on any difference: that would mean some text escaped its header.
    """
    parsed = message_from_bytes(raw, policy=_PARSER_POLICY)
    assert isinstance(parsed, EmailMessage)
    found = Counter(name.lower() for name in parsed.keys())
    wanted = Counter(name.lower() for name in expected_names)
    if found != wanted:
        extra = sorted((found - wanted).elements())
        missing = sorted((wanted - found).elements())
        raise HeaderInjectionError(f"Tiêu đề thư bị thay đổi khi tạo thư (thừa {extra}, thiếu {missing}).")
    if str(parsed["Subject"]) != subject:
        raise HeaderInjectionError("Tiêu đề (Subject) thay đổi khi tạo thư.")
    for name, pairs in addresses.items():
        header = parsed[name]
        got = [(a.display_name, a.addr_spec) for a in header.addresses] if header is not None else []
        if got != pairs:
            raise HeaderInjectionError(f"Địa chỉ trong {name} thay đổi khi tạo thư.")
    for part in parsed.walk():
        if part is parsed:
            continue
        unexpected = {n.lower() for n in part.keys()} - _PART_HEADERS
        if unexpected:
            raise HeaderInjectionError(f"Phần đính kèm mang tiêu đề lạ: {sorted(unexpected)}")
