"""Header safety: addresses, subjects, names and file names cannot smuggle in headers."""

from __future__ import annotations

import pytest

from mailer import (
    Attachment,
    HeaderInjectionError,
    InvalidAddressError,
    InvalidMailError,
    OutgoingMail,
    Recipient,
    compose,
    message_id_for,
    normalize_address,
)
from mailer.headers import clean_header_text, normalize_message_id, verify_headers
from tests.mailer.samples import PHU_LAM, SENDER


def _headers_of(data: bytes) -> list[str]:
    """The header names of a serialised message, as a receiving server would split them."""
    head = data.split(b"\r\n\r\n", 1)[0].decode("ascii")
    return [line.split(":", 1)[0] for line in head.split("\r\n") if line and not line[0].isspace()]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("ubnd.phulam@tanphu.example.gov.vn", "ubnd.phulam@tanphu.example.gov.vn"),
        ("  VanPhong@TanPhu.Example.Gov.VN ", "VanPhong@tanphu.example.gov.vn"),
        ("thu.ky@ủy-ban.vn", "thu.ky@xn--y-ban-ie2b.vn"),
    ],
)
def test_addresses_are_normalised(given: str, expected: str) -> None:
    assert normalize_address(given) == expected


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "not-an-address",
        "a@b.vn\r\nBcc: spy@evil.vn",
        "a@b.vn\nBcc: spy@evil.vn",
        "Nguyễn <a@b.vn>",
        "a@b.vn, spy@evil.vn",
        "nguyễn@b.vn",
        '"quoted"@b.vn',
        "a@[10.0.0.1]",
        "a@localhost",
        "a@server.test",
    ],
)
def test_invalid_addresses_are_refused_with_a_message(bad: str) -> None:
    with pytest.raises(InvalidAddressError) as caught:
        Recipient(bad)
    assert "không hợp lệ" in str(caught.value)
    assert caught.value.address == bad
    assert isinstance(caught.value, ValueError)


def test_line_breaks_in_text_become_spaces() -> None:
    assert clean_header_text("Họp giao ban\r\nBcc: spy@evil.vn") == "Họp giao ban Bcc: spy@evil.vn"
    assert clean_header_text("  a\u2028b\u0085c\td\x00e\u202e ") == "a b c de"


def test_decomposed_vietnamese_is_composed() -> None:
    decomposed = "Ho\u0323p giao ban"  # "Họp" typed as o + combining dot below
    assert clean_header_text(decomposed) == "Họp giao ban"


def test_encoded_words_are_decoded_and_their_line_breaks_flattened() -> None:
    assert clean_header_text("Hello =?utf-8?q?x=0D=0ABcc:_spy@evil.vn?= tail") == "Hello x Bcc: spy@evil.vn tail"
    # an encoded word whose text is itself an encoded line break
    nested = "=?utf-8?q?=3D=3Futf-8=3Fq=3Fa=3D0D=3D0ABcc:=5Fspy@evil.vn=3F=3D?="
    assert clean_header_text(nested) == "a Bcc: spy@evil.vn"


@pytest.mark.parametrize(
    "subject",
    [
        "Họp\r\nBcc: spy@evil.vn",
        "Họp\nBcc: spy@evil.vn",
        "Họp =?utf-8?q?=0D=0ABcc:_spy@evil.vn?=",
        "Họp =?utf-8?b?DQpCY2M6IHNweUBldmlsLnZu?=",
    ],
)
def test_subject_cannot_add_headers(subject: str) -> None:
    composed = compose(OutgoingMail(sender=SENDER, to=[PHU_LAM], subject=subject, text="x"))
    names = [n.lower() for n in _headers_of(composed.data)]
    assert "bcc" not in names
    assert names.count("subject") == 1
    assert str(composed.message["Subject"]).replace("Họp ", "") == "Bcc: spy@evil.vn"
    assert composed.recipients == ("ubnd.phulam@tanphu.example.gov.vn",)


@pytest.mark.parametrize(
    "name",
    [
        "UBND xã\r\nBcc: spy@evil.vn",
        "=?utf-8?q?Evil=0D=0ABcc:_spy@evil.vn?=",
        'Phú Lâm" <spy@evil.vn>, "x',
    ],
)
def test_display_names_cannot_add_headers_or_recipients(name: str) -> None:
    composed = compose(
        OutgoingMail(sender=SENDER, to=[Recipient("a@tanphu.example.gov.vn", name)], subject="s", text="x")
    )
    names = [n.lower() for n in _headers_of(composed.data)]
    assert "bcc" not in names
    to = composed.message["To"]
    assert [a.addr_spec for a in to.addresses] == ["a@tanphu.example.gov.vn"]
    assert composed.recipients == ("a@tanphu.example.gov.vn",)


def test_attachment_names_lose_paths_and_line_breaks() -> None:
    attachment = Attachment("../../etc/Báo cáo\r\nContent-Type: text/html.pdf", b"x", "application/pdf")
    assert attachment.filename == "_.._etc_Báo cáo Content-Type: text_html.pdf"
    composed = compose(OutgoingMail(sender=SENDER, to=[PHU_LAM], subject="s", text="x", attachments=[attachment]))
    part = next(composed.message.iter_attachments())
    assert part.get_filename() == "_.._etc_Báo cáo Content-Type: text_html.pdf"
    assert part.get_content_type() == "application/pdf"


@pytest.mark.parametrize("content_type", ["application/pdf\r\nX-Evil: 1", "pdf", "text/html; charset=utf-8"])
def test_malformed_attachment_types_are_refused(content_type: str) -> None:
    with pytest.raises(InvalidMailError):
        Attachment("a.pdf", b"x", content_type)


def test_extra_headers_must_be_x_headers_and_are_cleaned() -> None:
    with pytest.raises(InvalidMailError):
        compose(OutgoingMail(sender=SENDER, to=[PHU_LAM], subject="s", text="x", extra_headers=[("Bcc", "a@b.vn")]))
    composed = compose(
        OutgoingMail(
            sender=SENDER, to=[PHU_LAM], subject="s", text="x", extra_headers=[("X-Giaoban-Item", "7\r\nBcc: a@b.vn")]
        )
    )
    assert str(composed.message["X-Giaoban-Item"]) == "7 Bcc: a@b.vn"
    assert "bcc" not in [n.lower() for n in _headers_of(composed.data)]


@pytest.mark.parametrize("bad", ["<a b@c.vn>", "<a@b.vn>\r\nBcc: x@y.vn", "no-at-sign", "<a@@b.vn>", "<a@b.vn> x"])
def test_message_ids_are_checked(bad: str) -> None:
    with pytest.raises(InvalidMailError):
        normalize_message_id(bad)


def test_message_id_from_a_key_is_stable() -> None:
    first = message_id_for("outbox-item-17", "tanphu.example.gov.vn")
    assert first == message_id_for("outbox-item-17", "tanphu.example.gov.vn")
    assert first != message_id_for("outbox-item-18", "tanphu.example.gov.vn")
    assert first.startswith("<") and first.endswith("@tanphu.example.gov.vn>")
    assert normalize_message_id("abc@x.vn") == "<abc@x.vn>"


def test_verification_catches_a_forged_header() -> None:
    forged = b"Subject: a\r\nBcc: spy@evil.vn\r\nTo: a@b.vn\r\n\r\nbody\r\n"
    with pytest.raises(HeaderInjectionError):
        verify_headers(forged, expected_names=["Subject", "To"], subject="a", addresses={"To": [("", "a@b.vn")]})
    with pytest.raises(HeaderInjectionError):
        verify_headers(forged, expected_names=["Subject", "To", "Bcc"], subject="b", addresses={})
    verify_headers(forged, expected_names=["Subject", "To", "Bcc"], subject="a", addresses={"To": [("", "a@b.vn")]})
