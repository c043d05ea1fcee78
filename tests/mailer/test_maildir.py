"""The embedded default: messages written as .eml files into a local maildir, whole or not at all."""

from __future__ import annotations

import asyncio
import mailbox
import os
import threading
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest

from mailer import (
    Attachment,
    ComposedMail,
    DeliveryStatus,
    MaildirTransport,
    OutgoingMail,
    Recipient,
    compose,
    transport_from_url,
)
from mailer.maildir import maildir_name
from tests.mailer.samples import PHU_LAM, SENDER, meeting_mail


def _big(number: int, size: int = 1_500_000) -> ComposedMail:
    return compose(
        OutgoingMail(
            sender=SENDER,
            to=[PHU_LAM],
            subject=f"Tài liệu {number}",
            text="Tài liệu kèm theo.",
            attachments=[Attachment(f"tai-lieu-{number}.bin", os.urandom(size))],
            message_id=f"<big-{number}@tanphu.example.gov.vn>",
        )
    )


async def test_a_message_becomes_one_eml_file_in_new(tmp_path: Path) -> None:
    transport = transport_from_url(None, maildir=tmp_path / "mail")
    mail = compose(meeting_mail(message_id="<inv-42-phulam@tanphu.example.gov.vn>"))

    results = await transport.send([mail])

    path = tmp_path / "mail" / "new" / maildir_name("<inv-42-phulam@tanphu.example.gov.vn>")
    assert [(r.recipient, r.status, r.reply) for r in results] == [
        ("ubnd.phulam@tanphu.example.gov.vn", DeliveryStatus.DELIVERED, f"maildir {path}"),
    ]
    assert sorted(p.name for p in (tmp_path / "mail" / "new").iterdir()) == [path.name]
    assert path.suffix == ".eml"
    assert list((tmp_path / "mail" / "tmp").iterdir()) == []
    assert (tmp_path / "mail" / "cur").is_dir()
    stored = message_from_bytes(path.read_bytes(), policy=default)
    assert str(stored["Subject"]) == "[Giấy mời] Họp giao ban tháng 3/2026 – 08:00 ngày 05/03/2026"
    assert [p.get_content_type() for p in stored.walk()][-2:] == ["text/calendar", "application/pdf"]
    # any maildir reader can open it
    [message] = list(mailbox.Maildir(tmp_path / "mail", create=False))
    assert message["Message-ID"] == "<inv-42-phulam@tanphu.example.gov.vn>"


async def test_the_same_message_twice_stays_one_file(tmp_path: Path) -> None:
    transport = MaildirTransport(tmp_path)
    mail = compose(meeting_mail(message_id="<inv-42-phulam@tanphu.example.gov.vn>"))

    first = await transport.send([mail])
    again = await transport.send([mail])

    assert first == again
    assert len(list((tmp_path / "new").iterdir())) == 1


def test_concurrent_writers_of_one_message_leave_one_complete_file(tmp_path: Path) -> None:
    mail = _big(1, 1_000_000)
    transport = MaildirTransport(tmp_path)
    barrier = threading.Barrier(6)

    def write() -> None:
        barrier.wait()
        asyncio.run(transport.send([mail]))

    threads = [threading.Thread(target=write) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    [only] = list((tmp_path / "new").iterdir())
    assert only.read_bytes() == mail.data.replace(b"\r\n", b"\n")
    assert list((tmp_path / "tmp").iterdir()) == []


def test_a_reader_never_sees_a_partial_file(tmp_path: Path) -> None:
    mails = [_big(i) for i in range(8)]
    expected = {maildir_name(m.message_id): m.data.replace(b"\r\n", b"\n") for m in mails}
    transport = MaildirTransport(tmp_path)
    (tmp_path / "new").mkdir(parents=True)
    done = threading.Event()
    seen: dict[str, int] = {}
    partial: list[str] = []

    def read() -> None:
        while not done.is_set():
            for entry in os.scandir(tmp_path / "new"):
                data = Path(entry.path).read_bytes()
                seen[entry.name] = seen.get(entry.name, 0) + 1
                if data != expected[entry.name]:
                    partial.append(entry.name)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        asyncio.run(transport.send(mails))
    finally:
        done.set()
        reader.join()

    assert partial == []
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == sorted(expected)
    assert seen, "the reader should have looked at files while they were being written"


async def test_an_unwritable_folder_is_a_temporary_failure(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        blocker = tmp_path / "not-a-folder"
        blocker.write_text("x")  # a file where the maildir should be: even root cannot write into it
        root = blocker / "mail"
    else:
        root = tmp_path / "ro"
        root.mkdir()
        root.chmod(0o500)
    results = await MaildirTransport(root).send([compose(meeting_mail())])
    assert [r.status for r in results] == [DeliveryStatus.TEMPORARY_FAILURE]
    assert "Error" in results[0].reply


@pytest.mark.parametrize("recipients", [1, 3])
async def test_every_recipient_gets_a_result(tmp_path: Path, recipients: int) -> None:
    to = [Recipient(f"xa{i}@tanphu.example.gov.vn") for i in range(recipients)]
    mail = compose(OutgoingMail(sender=SENDER, to=to, subject="Thử", text="x"))
    results = await MaildirTransport(tmp_path).send([mail])
    assert [r.recipient for r in results] == [p.address for p in to]
    assert all(r.delivered for r in results)
