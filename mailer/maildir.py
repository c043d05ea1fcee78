"""The embedded default when no mail server is configured: every message becomes a ``.eml`` file in a
local maildir (``tmp/``, ``new/``, ``cur/``), so a demonstration shows real mails and nothing is lost.

A message is written completely into ``tmp/`` and flushed to disk, then linked into ``new/`` in one step,
so a reader of ``new/`` never sees a half-written file, also when the process dies mid-write. The file
name is derived from the Message-ID: writing the same message again (a retry after a crash) leaves the
one file there and reports it delivered.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import os
import uuid
from collections.abc import Sequence
from pathlib import Path

from mailer.mail import ComposedMail, DeliveryResult, DeliveryStatus, SentCallback


def maildir_name(message_id: str) -> str:
    """The file name (in ``new/``) of the message with this Message-ID."""
    return hashlib.sha256(message_id.encode("ascii")).hexdigest()[:32] + ".eml"


class MaildirTransport:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def describe(self) -> str:
        return f"maildir:{self.root}"

    async def send(self, mails: Sequence[ComposedMail], *, on_sent: SentCallback | None = None) -> list[DeliveryResult]:
        """Write every message; an error writing (disk full, no permission) is a temporary failure.

        ``on_sent`` is awaited after each message is written (or has failed)."""
        results: list[DeliveryResult] = []
        for index, mail in enumerate(mails):
            mine = await asyncio.to_thread(self._write_one, mail)
            results += mine
            if on_sent is not None:
                await on_sent(index, mine)
        return results

    def _write_one(self, mail: ComposedMail) -> list[DeliveryResult]:
        try:
            path = self._write(mail)
        except OSError as exc:
            reply = f"{type(exc).__name__}: {exc}"
            return [
                DeliveryResult(mail.message_id, r, DeliveryStatus.TEMPORARY_FAILURE, None, reply)
                for r in mail.recipients
            ]
        return [
            DeliveryResult(mail.message_id, r, DeliveryStatus.DELIVERED, None, f"maildir {path}")
            for r in mail.recipients
        ]

    def _write(self, mail: ComposedMail) -> Path:
        for sub in ("tmp", "new", "cur"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        name = maildir_name(mail.message_id)
        final = self.root / "new" / name
        if final.exists() or (self.root / "cur" / name).exists():
            return final
        temporary = self.root / "tmp" / f"{name}.{os.getpid()}.{uuid.uuid4().hex}"
        # Maildir files use the local line end; mail readers open them either way.
        data = mail.data.replace(b"\r\n", b"\n")
        with open(temporary, "xb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        try:
            # link() never replaces an existing file, so two writers of one message leave one file.
            os.link(temporary, final)
        except FileExistsError:
            pass
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP):
                raise
            os.replace(temporary, final)  # a file system without hard links
        finally:
            temporary.unlink(missing_ok=True)
        _fsync_directory(final.parent)
        return final


def _fsync_directory(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
