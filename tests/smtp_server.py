"""Pytest fixtures around the in-process SMTP server of ``mailer.testserver`` (aiosmtpd; STARTTLS/implicit
TLS with ``trustme`` certificates, AUTH, delays, refusals, stop and start again).

A ``conftest.py`` that wants the fixtures imports them by name.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from mailer.testserver import HOST, ReceivedMail, SmtpTestServer, TlsMode

__all__ = [
    "HOST",
    "SMTP_PASSWORD",
    "SMTP_USER",
    "ReceivedMail",
    "SmtpTestServer",
    "TlsMode",
    "make_smtp_server",
    "server_tls_context",
    "smtp_server",
    "smtp_url",
    "smtps_server",
    "tls_ca",
    "tls_ca_file",
]

# --- pytest fixtures ------------------------------------------------------------------------------

SMTP_USER = "giaoban"
SMTP_PASSWORD = "mật-khẩu:thử@nghiệm/1"
"""Non-ASCII and URL-special characters on purpose: the URL must carry them intact."""


@pytest.fixture(scope="session")
def tls_ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def tls_ca_file(tls_ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test CA as a PEM file, for ``cafile=`` in an SMTP URL."""
    path = tmp_path_factory.mktemp("tls") / "ca.pem"
    tls_ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture(scope="session")
def server_tls_context(tls_ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls_ca.issue_cert(HOST, "localhost").configure_cert(context)
    return context


@pytest.fixture
def make_smtp_server(server_tls_context: ssl.SSLContext) -> Iterator[Callable[..., SmtpTestServer]]:
    """``make_smtp_server(tls="starttls", credentials={...}, delay=0.05, refuse={...})`` → a started
    server, closed at the end of the test."""
    servers: list[SmtpTestServer] = []

    def make(**kwargs: Any) -> SmtpTestServer:
        if kwargs.get("tls", "none") != "none":
            kwargs.setdefault("server_context", server_tls_context)
        server = SmtpTestServer(**kwargs).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.close()


@pytest.fixture
def smtp_server(make_smtp_server: Callable[..., SmtpTestServer]) -> SmtpTestServer:
    """STARTTLS required, AUTH required (``SMTP_USER``/``SMTP_PASSWORD``)."""
    return make_smtp_server(tls="starttls", credentials={SMTP_USER: SMTP_PASSWORD})


@pytest.fixture
def smtps_server(make_smtp_server: Callable[..., SmtpTestServer]) -> SmtpTestServer:
    """Implicit TLS, AUTH required."""
    return make_smtp_server(tls="implicit", credentials={SMTP_USER: SMTP_PASSWORD})


@pytest.fixture
def smtp_url(smtp_server: SmtpTestServer, tls_ca_file: Path) -> str:
    return smtp_server.url(username=SMTP_USER, password=SMTP_PASSWORD, cafile=tls_ca_file)
