"""Production keys (key files in a folder): a missing file stops the issue with a message naming it and
loses nothing; once the files are there, approving again signs with them."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select
from starlette.applications import Starlette

from meetings.documents import DocumentStore
from meetings.meeting import Document
from meetings.minutes.approval import approve
from meetings.minutes.editing import save_minutes
from meetings.minutes.issuing import IssueServices
from meetings.minutes.signers import FolderSigningKeys
from meetings.minutes.tables import MinutesRecord
from meetings.records.demo_pki import DemoCertificateAuthority
from meetings.records.filing import PackageStore
from meetings.records.signing import SigningError, load_trust_roots
from meetings.records.verification import check_signatures
from tests.minutes.world import ended_meeting
from tests.web.conftest import Directory

T = TypeVar("T")


def in_a_thread(call: Callable[[], T]) -> T:
    """Run ``call`` as the web server does, on a worker thread: pyHanko's blocking API runs an event loop of
    its own, which it cannot do on a thread that has one running (a browser test's, earlier in the session)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def test_missing_key_files_are_named_and_the_approval_completes_once_they_are_there(
    app: Starlette, people: Directory, tmp_path: Path
) -> None:
    ended = ended_meeting(app, people)
    mid = ended.meeting_id
    folder = tmp_path / "signing"
    folder.mkdir()
    services = IssueServices(
        keys=FolderSigningKeys(folder),
        documents=DocumentStore(tmp_path / "documents", max_bytes=10_000_000),
        packages=PackageStore(tmp_path / "packages"),
        tz=ZoneInfo("Asia/Ho_Chi_Minh"),
    )
    with app.state.ctx.session() as session:
        save_minutes(session, people.secretary, mid, {"conclusions": "Sơ tán dân."}, base_version=0)
        with pytest.raises(SigningError) as refused:
            in_a_thread(lambda: approve(session, people.chair, mid, services=services))
        assert f"person-{people.chair.username}.p12" in refused.value.message
        minutes = session.exec(select(MinutesRecord).where(MinutesRecord.meeting_id == mid)).one()
        assert minutes.state == "approved" and minutes.document_id is None

    ca = DemoCertificateAuthority.open(tmp_path / "ca")
    for person in (people.chair, people.secretary):
        issued = ca.issue(person.full_name, organisation="UBND huyện Mường Tè", passphrase="mk-" + person.username)
        (folder / f"person-{person.username}.p12").write_bytes(issued.path.read_bytes())
        (folder / f"person-{person.username}.pass").write_text(f"mk-{person.username}\n")
    with app.state.ctx.session() as session:
        minutes = in_a_thread(lambda: approve(session, people.chair, mid, services=services))
        assert minutes.document_id is not None
        document = session.get(Document, minutes.document_id)
        assert document is not None
        pdf = services.documents.read(document.sha256)
    check = check_signatures(pdf, load_trust_roots([ca.certificate_path]))
    assert [s.signer for s in check.signatures] == ["Pờ Thị Thư", "Lò Văn Chủ"]  # no agency key configured
    assert check.all_valid
