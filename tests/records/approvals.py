"""Approvals run in separate processes for the numbering race (spawned: importable, top level)."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from sqlmodel import Session

from meetings import db
from meetings.records.forms import DocumentType
from meetings.records.numbering import issue_number, lock_for_numbering
from meetings.units import Unit


def approve_many(url: str, unit_id: int, count: int, start_at: float, queue: Any) -> None:
    """Approve ``count`` documents one after the other, each in its own transaction that reads the
    agency first, gives the number, lingers a moment (as rendering and signing would), and commits."""
    engine = db.make_engine(url)
    try:
        time.sleep(max(0.0, start_at - time.time()))
        for _ in range(count):
            with Session(engine) as session:
                lock_for_numbering(session)
                unit = session.get(Unit, unit_id)
                assert unit is not None
                issued = issue_number(
                    session, unit=unit, document_type=DocumentType.MINUTES, issued_on=date(2026, 3, 5)
                )
                number = issued.number
                time.sleep(0.01)
                session.commit()
            queue.put(number)
    except Exception as exc:  # reported to the test, which fails with it
        queue.put(f"{type(exc).__name__}: {exc}")
    finally:
        engine.dispose()


def write_forever(folder: str) -> None:
    """Write big packages into ``folder`` one after the other until killed (the drop-folder crash test)."""
    from pathlib import Path

    from meetings.records.filing_transport import atomic_write

    data = b"<?xml version='1.0'?><edXML>" + b"x" * (64 * 1024 * 1024) + b"</edXML>\n"
    index = 0
    while True:
        index += 1
        atomic_write(Path(folder) / f"package-{index}.edxml", data)
