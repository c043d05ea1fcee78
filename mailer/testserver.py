"""A real SMTP server (aiosmtpd) running in-process, for the tests and the mail benchmark
(``giaoban bench mail``). aiosmtpd comes with the ``dev`` extra: ``pip install -e '.[dev]'``.

``SmtpTestServer`` runs in its own thread with its own event loop, so both async and sync tests can use
it (and a worker thread or a subprocess can send to it). It can:

- speak plain SMTP, STARTTLS or implicit TLS, with certificates from ``trustme``;
- require AUTH (PLAIN/LOGIN) with given user names and passwords;
- answer every command after ``delay`` seconds (a mail server across the country answers in ~50 ms);
- refuse chosen recipients with a chosen reply (``refuse``), or refuse messages at DATA (``data_reply``);
- drop the connection after receiving a message without answering (``drop_after_data`` = how many of
  the next messages: the "in flight" case — the server has the message, the client does not know);
- stop listening (``stop``) and start again on the same port (``start``), for server-down tests.

The pytest fixtures built on it are in ``tests/smtp_server.py``.
"""

from __future__ import annotations

import asyncio
import email
import itertools
import logging
import ssl
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

TlsMode = Literal["none", "starttls", "implicit"]
HOST = "127.0.0.1"

# aiosmtpd itself sets the deprecated Session.login_data on every AUTH and warns about it in its log.
logging.getLogger("mail.log").addFilter(lambda record: "login_data is deprecated" not in record.getMessage())


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    authenticated_as: str | None
    tls: bool
    connection: int
    """Number of the connection the mail came over (1 = first connection the server accepted)."""

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class _Counters:
    connections: int = 0
    commands: list[str] = field(default_factory=list)


class _DelayedSMTP(SMTP):
    """aiosmtpd's SMTP session, answering every command ``owner.delay`` seconds late."""

    def __init__(self, owner: SmtpTestServer, connection: int, **kwargs: Any) -> None:
        self._owner = owner
        self.connection_number = connection
        super().__init__(_Handler(owner, connection), **kwargs)

    async def push(self, status: Any) -> None:
        line = status.decode() if isinstance(status, bytes) else str(status)
        # Delay once per reply: the intermediate lines of a multi-line reply ("250-...") go at once.
        if self._owner.delay > 0 and not (len(line) > 3 and line[3] == "-"):
            await asyncio.sleep(self._owner.delay)
        await super().push(status)

    async def smtp_MAIL(self, arg: str) -> None:
        self._owner._counters.commands.append("MAIL")
        await super().smtp_MAIL(arg)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self._original_transport is None and self.transport is None:
            self._owner._protocols.add(self)
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        self._owner._protocols.discard(self)
        super().connection_lost(error)


class _Handler:
    def __init__(self, owner: SmtpTestServer, connection: int) -> None:
        self._owner = owner
        self._connection = connection

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        # aiosmtpd enforces AUTH itself only together with STARTTLS; implicit TLS is checked here.
        if self._owner.credentials and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        refusal = self._owner.refuse.get(address.lower())
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self._owner.data_reply is not None:
            return self._owner.data_reply
        content = envelope.original_content or b""
        self._owner._record(
            ReceivedMail(
                mail_from=envelope.mail_from or "",
                rcpt_tos=list(envelope.rcpt_tos),
                data=content,
                authenticated_as=session.auth_data if isinstance(session.auth_data, str) else None,
                tls=session.ssl is not None or self._owner.tls == "implicit",
                connection=self._connection,
            )
        )
        if self._owner.drop_after_data > 0:
            self._owner.drop_after_data -= 1
            assert server.transport is not None
            server.transport.close()
            return "250 never seen by the client"
        return f"250 2.0.0 Ok: queued as Q{len(self._owner.received)}"


class SmtpTestServer:
    def __init__(
        self,
        *,
        tls: TlsMode = "none",
        server_context: ssl.SSLContext | None = None,
        credentials: dict[str, str] | None = None,
        delay: float = 0.0,
        refuse: dict[str, str] | None = None,
        port: int = 0,
    ) -> None:
        if tls != "none" and server_context is None:
            raise ValueError("TLS needs a server_context (e.g. from a trustme certificate)")
        self.tls: TlsMode = tls
        self.server_context = server_context
        self.credentials = dict(credentials or {})
        self.delay = delay
        self.refuse: dict[str, str] = {k.lower(): v for k, v in (refuse or {}).items()}
        self.data_reply: str | None = None
        self.drop_after_data = 0
        self.port = port
        self.received: list[ReceivedMail] = []
        self._counters = _Counters()
        self._protocols: set[_DelayedSMTP] = set()
        self._arrived = threading.Condition()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._connection_numbers = itertools.count(1)

    # --- facts for assertions ---------------------------------------------------------------------

    @property
    def connections(self) -> int:
        """How many connections the server has accepted so far."""
        return self._counters.connections

    @property
    def mail_commands(self) -> int:
        return len(self._counters.commands)

    def _record(self, mail: ReceivedMail) -> None:
        with self._arrived:
            self.received.append(mail)
            self._arrived.notify_all()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[ReceivedMail]:
        """Block until at least ``count`` messages arrived; returns them all."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.received) >= count, timeout=timeout):
                raise AssertionError(f"expected {count} messages, {len(self.received)} arrived in {timeout}s")
            return list(self.received)

    def url(
        self, *, username: str | None = None, password: str | None = None, cafile: Path | None = None, **params: str
    ) -> str:
        """An ``smtp://``/``smtps://`` URL for this server, as ``GIAOBAN_SMTP_URL`` would hold it."""
        scheme = "smtps" if self.tls == "implicit" else "smtp"
        user = ""
        if username is not None:
            user = quote(username, safe="") + (f":{quote(password, safe='')}" if password is not None else "") + "@"
        query = {"helo": "giaoban.test"}
        if self.tls == "starttls":
            query["starttls"] = "true"
        elif self.tls == "none":
            query["starttls"] = "false"
        if cafile is not None:
            query["cafile"] = str(cafile)
        query.update(params)
        return f"{scheme}://{user}{HOST}:{self.port}?" + "&".join(f"{k}={quote(v, safe='/')}" for k, v in query.items())

    # --- life cycle -------------------------------------------------------------------------------

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            login = auth_data.login.decode("utf-8", "replace")
            if self.credentials.get(login) == auth_data.password.decode("utf-8", "replace"):
                return AuthResult(success=True, auth_data=login)
        return AuthResult(success=False, handled=False)

    def _make_protocol(self) -> _DelayedSMTP:
        self._counters.connections += 1
        assert self._loop is not None
        return _DelayedSMTP(
            self,
            next(self._connection_numbers),
            hostname="smtp.giaoban.test",
            tls_context=self.server_context if self.tls == "starttls" else None,
            require_starttls=self.tls == "starttls",
            authenticator=self._authenticate if self.credentials else None,
            # aiosmtpd only knows STARTTLS as "encrypted"; with implicit TLS, handle_MAIL checks AUTH.
            auth_required=bool(self.credentials) and self.tls == "starttls",
            auth_require_tls=self.tls == "starttls",
            loop=self._loop,
        )

    def start(self) -> SmtpTestServer:
        """Start listening (again, on the same port after ``stop``)."""
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=self._loop.run_forever, name="smtp-test-server", daemon=True)
            self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(timeout=10)
        return self

    async def _listen(self) -> None:
        assert self._loop is not None
        self._server = await self._loop.create_server(
            self._make_protocol,
            host=HOST,
            port=self.port,
            ssl=self.server_context if self.tls == "implicit" else None,
            reuse_address=True,
        )
        self.port = self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        """Stop listening and drop every open connection: the server is down."""
        if self._loop is not None and self._server is not None:
            asyncio.run_coroutine_threadsafe(self._shut(), self._loop).result(timeout=10)

    async def _shut(self) -> None:
        assert self._server is not None
        self._server.close()
        for protocol in list(self._protocols):
            if protocol.transport is not None:
                protocol.transport.close()
        await self._server.wait_closed()
        self._server = None
        await asyncio.sleep(0)

    def close(self) -> None:
        """Stop and end the server's thread."""
        if self._loop is None:
            return
        self.stop()
        loop = self._loop

        async def finish_tasks() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await loop.shutdown_asyncgens()

        asyncio.run_coroutine_threadsafe(finish_tasks(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        assert self._thread is not None
        self._thread.join(timeout=10)
        loop.close()
        self._loop = None

    def __enter__(self) -> SmtpTestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
