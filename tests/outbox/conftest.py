"""The in-process SMTP server fixtures (tests/smtp_server.py), for the outbox tests."""

from tests.smtp_server import (
    make_smtp_server,
    server_tls_context,
    smtp_server,
    smtp_url,
    smtps_server,
    tls_ca,
    tls_ca_file,
)

__all__ = [
    "make_smtp_server",
    "server_tls_context",
    "smtp_server",
    "smtp_url",
    "smtps_server",
    "tls_ca",
    "tls_ca_file",
]
