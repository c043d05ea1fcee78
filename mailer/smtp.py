"""Delivering composed mail to an SMTP server with aiosmtplib.

A batch goes over one connection (or ``connections`` of them, see ``SmtpConfig``), one SMTP transaction
per message, and every (message, recipient) pair gets its own ``DeliveryResult``:

- a recipient refused at ``RCPT`` fails alone — 5xx permanently, 4xx temporarily — and the message still
  goes to the others;
- a refusal of ``MAIL FROM`` or of the message at ``DATA`` applies to all its (accepted) recipients,
  again 5xx permanent and 4xx temporary;
- anything that is about the connection rather than the message — refused or lost connections,
  timeouts, TLS and certificate errors, a failed login, a server that answers the greeting with an
  error — is temporary: the mail itself is fine and an administrator can fix the cause. The reply or the
  error text is kept either way.

When the connection breaks during a message, that message is reported temporary (the server may or may
not have taken it: it is the one "in flight"), and the next message opens a new connection. When a
connection cannot be opened, every message still waiting in that lane is reported temporary.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Sequence
from typing import Any

from aiosmtplib import (
    SMTP,
    SMTPDataError,
    SMTPException,
    SMTPRecipientRefused,
    SMTPResponseException,
    SMTPSenderRefused,
)
from aiosmtplib.protocol import SMTPProtocol
from aiosmtplib.response import SMTPResponse

from mailer.mail import ComposedMail, DeliveryResult, DeliveryStatus, SentCallback
from mailer.smtp_config import SmtpConfig, SmtpSecurity

# Errors that say something about the connection, not about one message or one recipient.
_CONNECTION_ERRORS = (SMTPException, OSError, TimeoutError)

_Lane = list[tuple[int, ComposedMail]]


def status_for_code(code: int) -> DeliveryStatus:
    """5xx is permanent; 4xx (and anything unexpected) is worth another try."""
    return DeliveryStatus.PERMANENT_FAILURE if 500 <= code < 600 else DeliveryStatus.TEMPORARY_FAILURE


def _describe(exc: BaseException) -> tuple[int | None, str]:
    if isinstance(exc, SMTPResponseException):
        return exc.code, exc.message
    text = str(exc) or "no details"
    return None, f"{type(exc).__name__}: {text}"


class _Connection(SMTP):
    """An aiosmtplib client that can wait until its connection is really gone.

    Closing a TLS connection takes a few turns of the event loop (close_notify); a caller that ends its
    loop right after sending (a CLI command, a test) would otherwise leave the socket to the garbage
    collector.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._opened = False
        self._lost = asyncio.Event()

    async def _create_connection(self, timeout: float | None) -> SMTPResponse:
        try:
            return await super()._create_connection(timeout)
        finally:
            self._opened = self._opened or self.transport is not None

    def _on_connection_lost(self, protocol: SMTPProtocol) -> None:
        self._lost.set()
        super()._on_connection_lost(protocol)

    async def shut(self, grace: float = 2.0) -> None:
        """Close now and give the connection ``grace`` seconds to finish closing."""
        self.close()
        if self._opened and not self._lost.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._lost.wait(), grace)


class StartTlsMissingError(SMTPException):
    """The server did not offer STARTTLS, and a password must not be sent in the clear."""


class SmtpTransport:
    """Sends batches of ``ComposedMail`` to the server described by ``config``.

    ``tls_context`` replaces the context built from ``config`` (``verify``, ``cafile``), for callers
    that need their own trust store.
    """

    def __init__(self, config: SmtpConfig, *, tls_context: ssl.SSLContext | None = None) -> None:
        self.config = config
        self._tls_context = tls_context

    def describe(self) -> str:
        return self.config.redacted()

    def _context(self) -> ssl.SSLContext:
        if self._tls_context is None:
            context = ssl.create_default_context(cafile=self.config.cafile)
            if not self.config.verify:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            self._tls_context = context
        return self._tls_context

    async def send(self, mails: Sequence[ComposedMail], *, on_sent: SentCallback | None = None) -> list[DeliveryResult]:
        """Deliver ``mails``; the results come in the order of ``mails`` and of their recipients.

        ``on_sent`` is awaited after each message, before the lane goes on to its next one.
        """
        if not mails:
            return []
        decided: dict[int, dict[str, DeliveryResult]] = {i: {} for i in range(len(mails))}
        lanes = split_into_lanes(mails, self.config.connections)
        await asyncio.gather(*(self._send_lane(lane, decided, on_sent) for lane in lanes))
        return [decided[i][r] for i, mail in enumerate(mails) for r in mail.recipients]

    async def _send_lane(
        self, lane: _Lane, decided: dict[int, dict[str, DeliveryResult]], on_sent: SentCallback | None
    ) -> None:
        async def report(index: int, mail: ComposedMail) -> None:
            if on_sent is not None:
                await on_sent(index, [decided[index][r] for r in mail.recipients])

        client: _Connection | None = None
        try:
            for position, (index, mail) in enumerate(lane):
                if client is None or not client.is_connected:
                    try:
                        client = await self._connect()
                    except _CONNECTION_ERRORS as exc:
                        code, reply = _describe(exc)
                        for later_index, later in lane[position:]:
                            _fill(decided[later_index], later, DeliveryStatus.TEMPORARY_FAILURE, code, reply)
                            await report(later_index, later)
                        return
                try:
                    await self._transaction(client, mail, decided[index])
                except _CONNECTION_ERRORS as exc:
                    code, reply = _describe(exc)
                    _fill(decided[index], mail, DeliveryStatus.TEMPORARY_FAILURE, code, reply)
                    await client.shut()
                    client = None
                await report(index, mail)
        except BaseException:
            # Cancelled (shutdown) or a bug: drop the connection without a polite QUIT.
            if client is not None:
                client.close()
            raise
        if client is not None:
            await _quit(client)

    async def _connect(self) -> _Connection:
        config = self.config
        client = _Connection(
            hostname=config.host,
            port=config.port,
            local_hostname=config.helo,
            timeout=config.timeout,
            use_tls=config.security is SmtpSecurity.IMPLICIT_TLS,
            start_tls={
                SmtpSecurity.STARTTLS: True,
                SmtpSecurity.STARTTLS_IF_OFFERED: None,
            }.get(config.security, False),
            tls_context=None if config.security is SmtpSecurity.NONE else self._context(),
        )
        try:
            await client.connect()
            if config.username is not None:
                encrypted = client.get_transport_info("sslcontext") is not None
                if not encrypted and config.security is not SmtpSecurity.NONE:
                    raise StartTlsMissingError(
                        "Máy chủ thư không hỗ trợ STARTTLS; không gửi mật khẩu khi chưa mã hóa "
                        "(dùng starttls=false nếu thật sự muốn)."
                    )
                await client.login(config.username, config.password or "")
        except BaseException:
            await client.shut()
            raise
        return client

    async def _transaction(self, client: SMTP, mail: ComposedMail, decided: dict[str, DeliveryResult]) -> None:
        try:
            await client.mail(mail.sender)
        except SMTPSenderRefused as exc:
            _fill(decided, mail, status_for_code(exc.code), exc.code, exc.message)
            await _reset(client)
            return

        accepted: list[str] = []
        for recipient in mail.recipients:
            try:
                await client.rcpt(recipient)
            except SMTPRecipientRefused as exc:
                decided[recipient] = DeliveryResult(
                    mail.message_id, recipient, status_for_code(exc.code), exc.code, exc.message
                )
            else:
                accepted.append(recipient)
        if not accepted:
            await _reset(client)
            return

        try:
            response = await client.data(mail.data)
        except SMTPDataError as exc:
            for recipient in accepted:
                decided[recipient] = DeliveryResult(
                    mail.message_id, recipient, status_for_code(exc.code), exc.code, exc.message
                )
            await _reset(client)
            return
        for recipient in accepted:
            decided[recipient] = DeliveryResult(
                mail.message_id, recipient, DeliveryStatus.DELIVERED, response.code, response.message
            )


def _fill(
    decided: dict[str, DeliveryResult], mail: ComposedMail, status: DeliveryStatus, code: int | None, reply: str
) -> None:
    """Give every recipient of ``mail`` not yet decided the same result."""
    for recipient in mail.recipients:
        if recipient not in decided:
            decided[recipient] = DeliveryResult(mail.message_id, recipient, status, code, reply)


async def _reset(client: SMTP) -> None:
    # After a refused transaction the server keeps no state worth having; RSET makes sure of it.
    if client.is_connected:
        await client.rset()


async def _quit(client: _Connection) -> None:
    try:
        if client.is_connected:
            await client.quit()
    except _CONNECTION_ERRORS:
        pass
    finally:
        await client.shut()


def split_into_lanes(mails: Sequence[ComposedMail], connections: int) -> list[_Lane]:
    """Share ``mails`` among up to ``connections`` lanes, keeping input order within a lane.

    Messages that share a recipient stay in one lane, so each destination receives its messages in the
    order they were given.
    """
    indexed = list(enumerate(mails))
    if connections <= 1 or len(mails) <= 1:
        return [indexed]
    parent: dict[str, str] = {}

    def root(address: str) -> str:
        parent.setdefault(address, address)
        while parent[address] != address:
            parent[address] = parent[parent[address]]
            address = parent[address]
        return address

    for mail in mails:
        first = root(mail.recipients[0])
        for other in mail.recipients[1:]:
            parent[root(other)] = first
    groups: dict[str, _Lane] = {}
    for index, mail in indexed:
        groups.setdefault(root(mail.recipients[0]), []).append((index, mail))
    lanes: list[_Lane] = [[] for _ in range(min(connections, len(groups)))]
    for group in sorted(groups.values(), key=len, reverse=True):
        min(lanes, key=len).extend(group)
    for lane in lanes:
        lane.sort(key=lambda item: item[0])
    return lanes
