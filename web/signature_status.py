"""The digital signatures of a meeting's PDF documents, as the meeting page shows them: for each signature,
who signed, when, and one of four states (see :func:`state_of`).

Checking costs CPU (pyHanko, a tenth of a second or more per signature), so a result is kept in memory,
per process, by the document's sha256 and the set of trusted roots: the stored bytes of a hash never change
(meetings.documents names files by their hash). An entry is checked again after :data:`RECHECK_AFTER`,
because a certificate's trust depends on the day (it expires). Called from the synchronous page handler,
which starlette runs in a worker thread: the check never blocks the event loop.

Trusted roots: the PEM/DER files of ``GIAOBAN_SIGNING_TRUST_ROOTS`` (a JSON list of paths), and in the test
and development environments the demo certificate authority under ``<data folder>/pki``
(web/invitation_signing.py, meetings/minutes/signers.py issue from it).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from meetings.documents import DocumentStore
from meetings.meeting import Document
from meetings.records.demo_pki import CA_CERT
from meetings.records.signing import SigningError, load_trust_roots
from meetings.records.verification import DocumentCheck, SignatureReport, check_signatures
from web.invitation_signing import DEMO_ENVIRONMENTS
from web.settings import Settings

log = logging.getLogger("giaoban.records")

RECHECK_AFTER = 6 * 3600.0
"""Seconds a result is kept: trust can lapse (an expired certificate) though the bytes cannot change."""
MAX_ENTRIES = 512

Key = tuple[str, tuple[bytes, ...]]
"""A document's sha256 and the sha256 of each trusted root."""


@dataclass(frozen=True)
class ShownSignature:
    signer: str
    organisation: str
    signed_at: Any
    """An aware datetime, or None when the signature carries no time."""
    state: str
    """``valid`` (unchanged, trusted), ``untrusted`` (unchanged, but the certificate is not trusted here),
    ``changed`` (the document was changed after signing), ``invalid`` (a wrong or unreadable signature)."""


@dataclass(frozen=True)
class ShownDocument:
    signatures: list[ShownSignature]
    unreadable: bool = False


def state_of(report: SignatureReport) -> str:
    if not report.intact or (report.valid and not report.modifications_ok):
        return "changed"
    if not report.valid:
        return "invalid"
    return "valid" if report.trusted else "untrusted"


def _shown(check: DocumentCheck) -> ShownDocument:
    signatures = [ShownSignature(s.signer, s.organisation, s.signed_at, state_of(s)) for s in check.signatures]
    return ShownDocument(signatures, unreadable=bool(check.problem))


def trust_root_files(settings: Settings) -> list[Path]:
    files = list(settings.signing_trust_roots)
    demo = settings.data_dir / "pki" / CA_CERT
    if settings.environment in DEMO_ENVIRONMENTS and demo.is_file():
        files.append(demo)
    return files


def trust_roots(settings: Settings) -> list[Any]:
    """The trusted root certificates; one unreadable file is logged and left out rather than taking the
    meeting page down (its signatures then show as not trusted, which says what is wrong)."""
    roots: list[Any] = []
    for path in trust_root_files(settings):
        try:
            roots.extend(load_trust_roots([path]))
        except SigningError:
            log.warning("trusted root %s (GIAOBAN_SIGNING_TRUST_ROOTS) cannot be read: left out", path)
    return roots


class CheckCache:
    """Results by (sha256, roots); least recently used first out. Thread-safe: the pages run in threads.
    Requests for a document being checked wait for that check (:meth:`get_or_check`) instead of checking it
    again — many sites open the meeting page at once when the Giấy mời arrives."""

    def __init__(self, max_entries: int = MAX_ENTRIES, recheck_after: float = RECHECK_AFTER) -> None:
        self._entries: OrderedDict[Key, tuple[float, ShownDocument]] = OrderedDict()
        self._lock = threading.Lock()
        self._checking: dict[Key, threading.Lock] = {}
        self.max_entries = max_entries
        self.recheck_after = recheck_after

    def get(self, key: Key) -> ShownDocument | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or time.monotonic() - entry[0] > self.recheck_after:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: Key, shown: ShownDocument) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic(), shown)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def get_or_check(self, key: Key, check: Callable[[], ShownDocument | None]) -> ShownDocument | None:
        """The kept result, else ``check()``'s (kept unless None), run once at a time per key."""
        result = self.get(key)
        if result is not None:
            return result
        with self._lock:
            checking = self._checking.setdefault(key, threading.Lock())
        with checking:
            result = self.get(key)  # checked by the request we waited for
            if result is None:
                result = check()
                if result is not None:
                    self.put(key, result)
        with self._lock:
            self._checking.pop(key, None)
        return result

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


CACHE = CheckCache()


def is_pdf(document: Document) -> bool:
    return document.content_type == "application/pdf" or document.filename.lower().endswith(".pdf")


def _check(store: DocumentStore, document: Document, roots: list[Any]) -> ShownDocument | None:
    try:
        data = store.read(document.sha256)
    except OSError:
        log.warning("document %s: stored file missing, signatures not checked", document.id)
        return None
    return _shown(check_signatures(data, roots))


def document_signatures(
    settings: Settings, store: DocumentStore, documents: Iterable[Document], *, cache: CheckCache = CACHE
) -> dict[int, ShownDocument]:
    """The signatures of each PDF among ``documents``, by document id; PDFs without signatures are left out.
    Blocking (reads files, checks signatures): call it from a worker thread."""
    pdfs = [d for d in documents if d.id is not None and is_pdf(d)]
    if not pdfs:
        return {}
    roots = trust_roots(settings)
    roots_key = tuple(sorted(root.sha256 for root in roots))
    shown: dict[int, ShownDocument] = {}
    for document in pdfs:
        result = cache.get_or_check((document.sha256, roots_key), partial(_check, store, document, roots))
        if result is not None and (result.signatures or result.unreadable):
            assert document.id is not None
            shown[document.id] = result
    return shown
