"""Wiring the outbox to the mailer: the mail deliverer, the transport chosen by the settings, and the
worker the application starts and stops with itself (or ``giaoban outbox run`` runs on its own).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Sequence
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy.engine import Engine

from mailer import ComposedMail, DeliveryResult, DeliveryStatus, MailerError, MailTemplates, SmtpTransport, Transport
from mailer import transport_from_url as mailer_transport_from_url
from meetings.documents import DocumentStore
from meetings.meeting_mail import MAIL, reminder_sweep
from meetings.outbox import OutboxItem, RetryPolicy
from meetings.outbox_claim import Outcome, Result
from meetings.outbox_worker import OutboxWorker, Report, Sweep
from meetings.records.filing import EDXML
from web.filing_delivery import filing_deliverer, filing_sweeps
from web.mail_compose import MailComposer, MailSettings
from web.settings import Settings

log = logging.getLogger("giaoban.mail")

_RESULTS = {
    DeliveryStatus.DELIVERED: Result.DELIVERED,
    DeliveryStatus.TEMPORARY_FAILURE: Result.TEMPORARY,
    DeliveryStatus.PERMANENT_FAILURE: Result.PERMANENT,
}


def outcome_of(result: DeliveryResult) -> Outcome:
    return Outcome(_RESULTS[result.status], result.code, result.reply)


class MailDeliverer:
    """Delivers ``mail`` items: composes each, sends the batch over the transport (a few connections
    at once, each destination's mails in order on one of them), reports each item as the server answers."""

    def __init__(self, transport: Transport, composer: MailComposer) -> None:
        self.transport = transport
        self.composer = composer

    def _compose_all(self, items: Sequence[OutboxItem]) -> list[tuple[OutboxItem, ComposedMail | str]]:
        composed: list[tuple[OutboxItem, ComposedMail | str]] = []
        for item in items:
            try:
                composed.append((item, self.composer.compose(item)))
            except (MailerError, KeyError, ValueError) as exc:
                # A mail that cannot be made will not be made by trying again.
                composed.append((item, f"Không tạo được thư: {exc}"))
        return composed

    async def deliver(self, items: Sequence[OutboxItem], report: Report) -> None:
        # Composing reads attachments from disk: off the event loop.
        composed = await asyncio.to_thread(self._compose_all, items)
        sendable: list[tuple[OutboxItem, ComposedMail]] = []
        for item, mail in composed:
            if isinstance(mail, str):
                await report(item, Outcome(Result.PERMANENT, None, mail))
            else:
                sendable.append((item, mail))

        async def on_sent(index: int, results: list[DeliveryResult]) -> None:
            # One recipient per outbox mail: one result.
            await report(sendable[index][0], outcome_of(results[0]))

        await self.transport.send([mail for _, mail in sendable], on_sent=on_sent)


def mail_transport(settings: Settings) -> Transport:
    """``GIAOBAN_SMTP_URL`` or the maildir under the data folder. An SMTP URL without ``connections=``
    gets ``settings.mail_connections`` of them: one connection spends most of its time waiting for the
    server's answers, a few in parallel keep a batch of invitations short."""
    transport = mailer_transport_from_url(settings.smtp_url or None, maildir=settings.data_dir / "mail")
    if isinstance(transport, SmtpTransport) and "connections" not in parse_qs(urlsplit(settings.smtp_url).query):
        transport = SmtpTransport(dataclasses.replace(transport.config, connections=settings.mail_connections))
    return transport


def mail_deliverer(settings: Settings, secret_key: str, transport: Transport | None = None) -> MailDeliverer:
    composer = MailComposer(
        MailSettings(
            base_url=settings.base_url,
            sender=settings.mail_from,
            time_zone=settings.time_zone,
            secret_key=secret_key,
            attach_max_bytes=settings.mail_attach_max_kb * 1024,
            join_link_minutes=settings.join_token_minutes,
        ),
        DocumentStore(root=settings.data_dir / "documents", max_bytes=settings.max_upload_mb * 1024 * 1024),
        MailTemplates(settings.mail_templates_dir),
    )
    return MailDeliverer(transport or mail_transport(settings), composer)


def outbox_worker(
    settings: Settings, engine: Engine, secret_key: str, *, transport: Transport | None = None
) -> OutboxWorker:
    """The one outbox worker, with its deliverers (mail, filing packages) and sweeps (reminders, statuses)."""
    deliverer = mail_deliverer(settings, secret_key, transport)
    log.info("mail goes to %s", deliverer.transport.describe())
    filing = filing_deliverer(settings, engine)
    log.info("filing packages go to %s", filing.transport.describe())
    leads = [timedelta(minutes=m) for m in settings.mail_reminder_minutes]
    return OutboxWorker(
        engine,
        {MAIL: deliverer, EDXML: filing},
        lease=timedelta(seconds=settings.outbox_lease_seconds),
        poll=settings.outbox_poll_seconds,
        policy=RetryPolicy(
            max_attempts=settings.outbox_max_attempts,
            base=timedelta(seconds=settings.outbox_retry_base_seconds),
        ),
        sweeps=([Sweep("reminders", 60.0, reminder_sweep(leads))] if leads else []) + filing_sweeps(settings, filing),
    )
