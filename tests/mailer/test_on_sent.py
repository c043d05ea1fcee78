"""Transports report each message as soon as its fate is known, so the outbox can record it at once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from mailer import (
    ComposedMail,
    DeliveryResult,
    DeliveryStatus,
    MaildirTransport,
    OutgoingMail,
    Recipient,
    compose,
    transport_from_url,
)
from tests.mailer.samples import SENDER
from tests.smtp_server import SmtpTestServer


def _note(number: int, to: str) -> ComposedMail:
    return compose(
        OutgoingMail(
            sender=SENDER,
            to=[Recipient(to)],
            subject=f"Thông báo số {number}",
            text=f"Nội dung {number}",
            message_id=f"<note-{number}@tanphu.example.gov.vn>",
        )
    )


class Reports:
    def __init__(self, server: SmtpTestServer | None = None) -> None:
        self.seen: list[tuple[int, list[DeliveryStatus], int]] = []
        self.server = server

    async def __call__(self, index: int, results: list[DeliveryResult]) -> None:
        # How many messages the server held when this one was reported: the report comes right after
        # the message, not at the end of the batch.
        arrived = len(self.server.received) if self.server is not None else -1
        self.seen.append((index, [r.status for r in results], arrived))


async def test_smtp_reports_each_message_as_it_is_accepted(
    make_smtp_server: Callable[..., SmtpTestServer], tmp_path: Path
) -> None:
    server = make_smtp_server(refuse={"b@x.vn": "550 5.1.1 No such user"})
    url = server.url(connections="1")
    reports = Reports(server)
    mails = [_note(1, "a@x.vn"), _note(2, "b@x.vn"), _note(3, "c@x.vn")]

    results = await transport_from_url(url, maildir=tmp_path).send(mails, on_sent=reports)

    delivered, refused = DeliveryStatus.DELIVERED, DeliveryStatus.PERMANENT_FAILURE
    assert [r.status for r in results] == [delivered, refused, delivered]
    assert reports.seen == [(0, [delivered], 1), (1, [refused], 1), (2, [delivered], 2)]


async def test_smtp_reports_every_waiting_message_when_the_server_is_down(tmp_path: Path) -> None:
    server = SmtpTestServer().start()
    url = server.url()
    server.close()
    reports = Reports()

    await transport_from_url(url, maildir=tmp_path).send([_note(1, "a@x.vn"), _note(2, "b@x.vn")], on_sent=reports)

    temporary = DeliveryStatus.TEMPORARY_FAILURE
    assert reports.seen == [(0, [temporary], -1), (1, [temporary], -1)]


async def test_maildir_reports_each_message(tmp_path: Path) -> None:
    reports = Reports()
    await MaildirTransport(tmp_path).send([_note(1, "a@x.vn"), _note(2, "b@x.vn")], on_sent=reports)
    delivered = DeliveryStatus.DELIVERED
    assert reports.seen == [(0, [delivered], -1), (1, [delivered], -1)]
    assert len(list((tmp_path / "new").iterdir())) == 2
