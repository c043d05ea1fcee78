"""Wiring filing into the outbox: the transport the settings choose, the ``edxml`` deliverer and the
sweep reading status packages, for the one outbox worker (see web/mail_delivery.py).

- ``GIAOBAN_FILING_URL`` an ``http(s)://`` URL: packages are POSTed there (``GIAOBAN_FILING_TOKEN`` as a
  Bearer token); the document system pushes its status packages to ``POST /api/filing/status``.
- otherwise the drop folder ``GIAOBAN_FILING_FOLDER`` (default ``<data folder>/filing``): packages go
  to its ``out/``, status packages are read from its ``in/``.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from meetings.outbox_worker import Sweep
from meetings.records.edxml_status import StatusCodes
from meetings.records.filing import PackageStore
from meetings.records.filing_delivery import FilingDeliverer, read_statuses
from meetings.records.filing_transport import FilingTransport, FolderTransport, HttpTransport
from web.settings import Settings


def filing_transport(settings: Settings) -> FilingTransport:
    if settings.filing_url:
        return HttpTransport(settings.filing_url, token=settings.filing_token, timeout=settings.filing_timeout_seconds)
    folder = settings.filing_folder or settings.data_dir / "filing"
    return FolderTransport(folder / "out", folder / "in")


def status_codes(settings: Settings) -> StatusCodes:
    """The document system's status codes (``arrived=01,rejected=02,…``); defaults when not set."""
    return StatusCodes.parse(settings.filing_status_codes)


def package_store(settings: Settings) -> PackageStore:
    return PackageStore(settings.data_dir / "filing" / "packages")


def filing_deliverer(settings: Settings, engine: Engine, transport: FilingTransport | None = None) -> FilingDeliverer:
    return FilingDeliverer(
        engine, transport or filing_transport(settings), package_store(settings), codes=status_codes(settings)
    )


def filing_sweeps(settings: Settings, deliverer: FilingDeliverer) -> list[Sweep]:
    """Reading the status packages waiting at the transport (a drop folder's ``in/``)."""
    run = read_statuses(deliverer.transport, deliverer.codes)
    return [Sweep("filing-statuses", settings.filing_status_poll_seconds, run)]
