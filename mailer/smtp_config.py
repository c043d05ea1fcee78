"""The mail server settings, read from one URL (``GIAOBAN_SMTP_URL``).

``smtp://user:password@mail.example.gov.vn:587?starttls=true`` — STARTTLS required;
``smtp://mail.example.gov.vn`` — STARTTLS used when the server offers it, port 25;
``smtp://relay.local:25?starttls=false`` — no TLS (a relay on the same host or network);
``smtps://user:password@mail.example.gov.vn`` — TLS from the first byte, port 465.

Further query parameters: ``timeout`` (seconds per command, default 30), ``verify=false`` (accept any
server certificate — only for an internal relay with a self-signed certificate), ``cafile`` (a CA bundle
to trust), ``helo`` (the name to greet with) and ``connections`` (how many connections one batch may use
at once, default 1). User name and password are percent-decoded, so ``@``, ``:`` and ``/`` in a password
are written ``%40``, ``%3A`` and ``%2F``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from mailer.errors import SmtpUrlError

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_PARAMETERS = {"starttls", "timeout", "verify", "cafile", "helo", "connections"}


class SmtpSecurity(StrEnum):
    STARTTLS = "starttls"
    """Upgrade with STARTTLS; refuse to go on without it."""
    STARTTLS_IF_OFFERED = "starttls-if-offered"
    IMPLICIT_TLS = "tls"
    NONE = "none"


def _flag(name: str, value: str) -> bool:
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise SmtpUrlError(f"Tham số {name} trong địa chỉ máy chủ thư phải là true hoặc false, không phải {value!r}.")


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: SmtpSecurity
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    verify: bool = True
    cafile: str | None = None
    helo: str | None = None
    connections: int = 1

    @classmethod
    def from_url(cls, url: str) -> SmtpConfig:
        """Parse an ``smtp://`` or ``smtps://`` URL; raises ``SmtpUrlError`` with the reason."""
        try:
            parts = urlsplit(url.strip())
            port_given = parts.port
        except ValueError as exc:
            raise SmtpUrlError(f"Địa chỉ máy chủ thư không hợp lệ: {exc}") from None
        scheme = parts.scheme.lower()
        if scheme not in ("smtp", "smtps"):
            raise SmtpUrlError("Địa chỉ máy chủ thư phải bắt đầu bằng smtp:// hoặc smtps://.")
        if not parts.hostname:
            raise SmtpUrlError("Địa chỉ máy chủ thư thiếu tên máy chủ.")
        if parts.path not in ("", "/") or parts.fragment:
            raise SmtpUrlError("Địa chỉ máy chủ thư không được có đường dẫn hay phần #.")

        query: dict[str, str] = {}
        for name, value in parse_qsl(parts.query, keep_blank_values=True, strict_parsing=False):
            if name not in _PARAMETERS:
                raise SmtpUrlError(f"Tham số không được hỗ trợ trong địa chỉ máy chủ thư: {name!r}.")
            query[name] = value

        if scheme == "smtps":
            if "starttls" in query:
                raise SmtpUrlError("smtps:// đã dùng TLS ngay từ đầu; không dùng kèm starttls.")
            security = SmtpSecurity.IMPLICIT_TLS
        elif "starttls" not in query:
            security = SmtpSecurity.STARTTLS_IF_OFFERED
        else:
            security = SmtpSecurity.STARTTLS if _flag("starttls", query["starttls"]) else SmtpSecurity.NONE

        default_port = {SmtpSecurity.IMPLICIT_TLS: 465, SmtpSecurity.STARTTLS: 587}.get(security, 25)
        try:
            timeout = float(query.get("timeout", "30"))
            connections = int(query.get("connections", "1"))
        except ValueError:
            raise SmtpUrlError("timeout và connections trong địa chỉ máy chủ thư phải là số.") from None
        if not 0 < timeout <= 600:
            raise SmtpUrlError("timeout phải lớn hơn 0 và không quá 600 giây.")
        if not 1 <= connections <= 16:
            raise SmtpUrlError("connections phải từ 1 đến 16.")

        return cls(
            host=parts.hostname,
            port=port_given or default_port,
            security=security,
            username=unquote(parts.username) if parts.username is not None else None,
            password=unquote(parts.password) if parts.password is not None else None,
            timeout=timeout,
            verify=_flag("verify", query["verify"]) if "verify" in query else True,
            cafile=query.get("cafile") or None,
            helo=query.get("helo") or None,
            connections=connections,
        )

    def redacted(self) -> str:
        """The settings as a URL with the password hidden, for logs and the admin page."""
        scheme = "smtps" if self.security is SmtpSecurity.IMPLICIT_TLS else "smtp"
        user = f"{quote(self.username, safe='')}:***@" if self.username is not None else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        params = []
        if self.security is SmtpSecurity.STARTTLS:
            params.append("starttls=true")
        elif self.security is SmtpSecurity.NONE:
            params.append("starttls=false")
        if not self.verify:
            params.append("verify=false")
        if self.connections != 1:
            params.append(f"connections={self.connections}")
        return f"{scheme}://{user}{host}:{self.port}" + (f"?{'&'.join(params)}" if params else "")
