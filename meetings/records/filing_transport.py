"""How filing packages reach a document-management system: one small interface, two transports.

- :class:`HttpTransport`: ``POST`` the package to the vendor's endpoint. 2xx is delivered; 408, 425,
  429, 5xx, a refused connection or a timeout are temporary (tried again later); other answers are
  permanent (the package or the configuration must change). A status package in a 2xx answer's body is
  recorded like one sent later.
- :class:`FolderTransport`: write the package into a drop folder the vendor's connector watches, and
  read status packages from an inbox folder. A package appears under its final name only when it is
  complete (written to a hidden temporary file in the same folder, flushed to disk, then renamed).

See docs/filing.md for what a vendor implements.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import httpx

from meetings.outbox_claim import Result

PACKAGE_CONTENT_TYPE = "application/xml; charset=utf-8"
_TEMPORARY_HTTP = frozenset({408, 425, 429})
_MAX_REPLY = 2000


@dataclass(frozen=True)
class OutgoingPackage:
    destination: str
    """The receiving agency's identifier code."""
    document_id: str
    message_id: str
    """The same on every attempt: a receiver recognises a package sent again after a lost answer."""
    data: bytes


@dataclass(frozen=True)
class SendOutcome:
    result: Result
    code: int | None = None
    reply: str = ""
    statuses: tuple[bytes, ...] = ()
    """Status packages that came back with the answer."""


@dataclass(frozen=True)
class IncomingStatus:
    source: str
    """Where it came from (a file name), for messages and acknowledgement."""
    data: bytes


class FilingTransport(Protocol):
    def describe(self) -> str:
        """Where packages go, for the log and the administrator's page."""
        ...

    async def send(self, package: OutgoingPackage) -> SendOutcome:
        """Hand one package over; never raises for a failure the receiver causes."""
        ...

    def receive(self) -> list[IncomingStatus]:
        """Status packages waiting to be read (blocking; called from a worker thread)."""
        ...

    def acknowledge(self, status: IncomingStatus, problem: str | None = None) -> None:
        """``status`` was recorded (``problem`` None) or could not be (then it is set aside, not lost)."""
        ...


# --- HTTP -----------------------------------------------------------------------------------------------


def _looks_like_status(body: bytes) -> bool:
    return b"<" in body[:200] and b"Status" in body


class HttpTransport:
    """POST each package to ``url`` (``Authorization: Bearer token`` when a token is set)."""

    def __init__(self, url: str, *, token: str = "", timeout: float = 30.0, verify: bool | str = True) -> None:
        self.url = url
        self.token = token
        self.timeout = timeout
        self.verify = verify

    def describe(self) -> str:
        return f"HTTP POST {self.url}"

    async def send(self, package: OutgoingPackage) -> SendOutcome:
        headers = {
            "Content-Type": PACKAGE_CONTENT_TYPE,
            "X-Edxml-Document-Id": package.document_id,
            "X-Edxml-To": package.destination,
            "Idempotency-Key": package.message_id,
        }
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            async with httpx.AsyncClient(timeout=self.timeout, verify=self.verify) as client:
                response = await client.post(self.url, content=package.data, headers=headers)
        except httpx.TimeoutException:
            return SendOutcome(Result.TEMPORARY, None, f"Hết thời gian chờ {self.url} trả lời.")
        except httpx.HTTPError as exc:
            return SendOutcome(Result.TEMPORARY, None, f"Không kết nối được {self.url}: {type(exc).__name__} {exc}")
        code = response.status_code
        body = response.content
        reply = body[:_MAX_REPLY].decode("utf-8", "replace").strip()
        if 200 <= code < 300:
            statuses = (body,) if _looks_like_status(body) else ()
            return SendOutcome(Result.DELIVERED, code, reply, statuses)
        if code in _TEMPORARY_HTTP or code >= 500:
            return SendOutcome(Result.TEMPORARY, code, f"HTTP {code}: {reply}")
        return SendOutcome(Result.PERMANENT, code, f"HTTP {code}: {reply}")

    def receive(self) -> list[IncomingStatus]:
        # Vendors on HTTP push their status packages to giaoban (docs/filing.md); nothing to fetch.
        return []

    def acknowledge(self, status: IncomingStatus, problem: str | None = None) -> None:
        return None


# --- folders --------------------------------------------------------------------------------------------


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``path`` so that it appears complete or not at all: a hidden temporary file in the same
    folder (same file system, so the rename is atomic), flushed to disk, renamed, and the folder entry
    flushed too (so a crash after returning cannot lose the rename)."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.part")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def package_file_name(package: OutgoingPackage) -> str:
    """``000.00.12.H49_2026-03-05_05-BB-UBND__000.05.12.H49__1a2b3c4d5e6f.edxml``: readable, and the same
    for every attempt at one message (a retry replaces, never duplicates)."""
    readable = re.sub(r"[^0-9A-Za-z.-]+", "_", package.document_id.replace("/", "-")).strip("_")
    digest = hashlib.sha256(package.message_id.encode()).hexdigest()[:12]
    return f"{readable}__{package.destination}__{digest}.edxml"


class FolderTransport:
    """Packages into ``outgoing``; status packages from ``incoming`` (moved to ``incoming/processed`` once
    recorded, to ``incoming/rejected`` with a ``.reason.txt`` when they cannot be read)."""

    def __init__(self, outgoing: Path, incoming: Path) -> None:
        self.outgoing = outgoing
        self.incoming = incoming

    def describe(self) -> str:
        return f"thư mục {self.outgoing} (trạng thái từ {self.incoming})"

    async def send(self, package: OutgoingPackage) -> SendOutcome:
        name = package_file_name(package)
        try:
            self.outgoing.mkdir(parents=True, exist_ok=True)
            atomic_write(self.outgoing / name, package.data)
        except OSError as exc:
            return SendOutcome(Result.TEMPORARY, None, f"Không ghi được {self.outgoing / name}: {exc.strerror or exc}")
        return SendOutcome(Result.DELIVERED, None, f"Đã đặt gói tin vào {self.outgoing / name}")

    def receive(self) -> list[IncomingStatus]:
        if not self.incoming.is_dir():
            return []
        found = []
        for path in sorted(self.incoming.iterdir()):
            # Hidden names are files the vendor is still writing.
            if path.name.startswith(".") or not path.is_file() or path.suffix.lower() not in (".xml", ".edxml"):
                continue
            try:
                found.append(IncomingStatus(path.name, path.read_bytes()))
            except OSError:
                continue  # gone meanwhile, or not readable yet: the next round sees it
        return found

    def acknowledge(self, status: IncomingStatus, problem: str | None = None) -> None:
        folder = self.incoming / ("rejected" if problem else "processed")
        folder.mkdir(parents=True, exist_ok=True)
        source = self.incoming / status.source
        target = folder / status.source
        if target.exists():
            target = folder / f"{source.stem}.{secrets.token_hex(4)}{source.suffix}"
        if problem:
            atomic_write(target.with_name(target.name + ".reason.txt"), problem.encode("utf-8"))
        with contextlib.suppress(FileNotFoundError):
            os.replace(source, target)
