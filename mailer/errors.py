"""Errors raised by the mailer. Each is a ``ValueError`` where bad input is the cause, so callers can map
them to a message for the person who typed the input."""

from __future__ import annotations


class MailerError(Exception):
    """Base class of every error raised by ``mailer``."""


class InvalidMailError(MailerError, ValueError):
    """A mail cannot be composed from what was given (empty subject, malformed content type, ...)."""


class HeaderInjectionError(InvalidMailError):
    """Text meant for one header would have produced other headers (line breaks, encoded line breaks)."""


class InvalidAddressError(InvalidMailError):
    """An e-mail address is not a plain, deliverable ``local@domain`` address."""

    def __init__(self, address: str, reason: str) -> None:
        shown = address if len(address) <= 80 else address[:77] + "..."
        # repr() makes line breaks and other invisible characters visible in the message.
        super().__init__(f"Địa chỉ thư điện tử {shown!r} không hợp lệ: {reason}")
        self.address = address
        self.reason = reason


class SmtpUrlError(MailerError, ValueError):
    """The mail server URL (``GIAOBAN_SMTP_URL``) cannot be understood."""
