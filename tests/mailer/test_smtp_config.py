"""Reading the mail server settings from GIAOBAN_SMTP_URL."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailer import MaildirTransport, SmtpConfig, SmtpSecurity, SmtpTransport, SmtpUrlError, transport_from_url


def test_submission_port_with_starttls() -> None:
    config = SmtpConfig.from_url("smtp://thu.ky:m%E1%BA%ADt%40kh%E1%BA%A9u@mail.example.gov.vn:587?starttls=true")
    assert config.host == "mail.example.gov.vn"
    assert config.port == 587
    assert config.security is SmtpSecurity.STARTTLS
    assert config.username == "thu.ky"
    assert config.password == "mật@khẩu"
    assert config.timeout == 30.0
    assert config.verify is True
    assert config.connections == 1


def test_defaults_per_scheme() -> None:
    assert SmtpConfig.from_url("smtps://mail.example.gov.vn").port == 465
    assert SmtpConfig.from_url("smtps://mail.example.gov.vn").security is SmtpSecurity.IMPLICIT_TLS
    assert SmtpConfig.from_url("smtp://mail.example.gov.vn").port == 25
    assert SmtpConfig.from_url("smtp://mail.example.gov.vn").security is SmtpSecurity.STARTTLS_IF_OFFERED
    assert SmtpConfig.from_url("smtp://mail.example.gov.vn?starttls=true").port == 587
    assert SmtpConfig.from_url("smtp://relay:2525?starttls=false").security is SmtpSecurity.NONE
    assert SmtpConfig.from_url("smtp://mail.example.gov.vn").username is None


def test_other_parameters() -> None:
    config = SmtpConfig.from_url(
        "smtp://mail.example.gov.vn?timeout=7.5&verify=false&cafile=/etc/giaoban/ca.pem&helo=giaoban.example.gov.vn"
        "&connections=4"
    )
    assert (config.timeout, config.verify, config.cafile, config.helo, config.connections) == (
        7.5,
        False,
        "/etc/giaoban/ca.pem",
        "giaoban.example.gov.vn",
        4,
    )


def test_password_is_never_shown() -> None:
    config = SmtpConfig.from_url("smtp://thu.ky:secret-pw@mail.example.gov.vn:587?starttls=true")
    assert "secret-pw" not in repr(config)
    assert config.redacted() == "smtp://thu.ky:***@mail.example.gov.vn:587?starttls=true"
    assert "secret-pw" not in SmtpTransport(config).describe()


@pytest.mark.parametrize(
    "url",
    [
        "http://mail.example.gov.vn",
        "smtp://",
        "smtp://mail.example.gov.vn:99999",
        "smtp://mail.example.gov.vn/path",
        "smtp://mail.example.gov.vn?starttls=maybe",
        "smtp://mail.example.gov.vn?tls=true",
        "smtp://mail.example.gov.vn?timeout=0",
        "smtp://mail.example.gov.vn?timeout=soon",
        "smtp://mail.example.gov.vn?connections=100",
        "smtps://mail.example.gov.vn?starttls=true",
    ],
)
def test_bad_urls_are_refused_with_a_reason(url: str) -> None:
    with pytest.raises(SmtpUrlError) as caught:
        SmtpConfig.from_url(url)
    assert str(caught.value)


def test_transport_choice(tmp_path: Path) -> None:
    assert isinstance(transport_from_url(None, maildir=tmp_path), MaildirTransport)
    assert isinstance(transport_from_url("  ", maildir=tmp_path), MaildirTransport)
    other = transport_from_url(f"maildir://{tmp_path}/other", maildir=tmp_path)
    assert isinstance(other, MaildirTransport) and other.root == tmp_path / "other"
    smtp = transport_from_url("smtps://mail.example.gov.vn", maildir=tmp_path)
    assert isinstance(smtp, SmtpTransport)
    with pytest.raises(SmtpUrlError):
        transport_from_url("ftp://x", maildir=tmp_path)
