"""The meeting page shows each signature of the meeting's signed PDFs: who signed, when (local time), and
whether it holds — checked against the demo CA (test environment) and kept per document hash."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from meetings.meeting import Document, MeetingKind
from meetings.minutes.tables import MinutesRecord
from meetings.records.demo_pki import DemoCertificateAuthority
from meetings.records.signing import Appearance, Pkcs12Credential, sign_pdf
from meetings.scheduling import MeetingDraft, create_meeting
from tests.minutes.world import ended_meeting
from tests.web.conftest import Directory, log_in, token_for
from web.context import document_store
from web.signature_status import CACHE, CheckCache, ShownDocument

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
VALID = "Chữ ký hợp lệ, chứng thư số được tin cậy."
CHANGED = "Văn bản đã bị thay đổi sau khi ký."
UNTRUSTED = "Chữ ký đúng, nhưng chứng thư số không được tin cậy tại đây."
TIME = re.compile(r'<time datetime="([^"]+)">([^<]+)</time>')


def _published(client: TestClient, app: Starlette, people: Directory) -> int:
    day = datetime.now(UTC).astimezone(TZ).date() + timedelta(days=35)
    start = datetime(day.year, day.month, day.day, 8, 0, tzinfo=TZ)
    with app.state.ctx.session() as session:
        draft = MeetingDraft(
            title="Giao ban tuần",
            kind=MeetingKind.BRIEFING,
            start_at=start,
            end_at=start + timedelta(hours=2),
            convening_unit_id=people.district.id or 0,
            chair_id=people.chair.id or 0,
            secretary_id=people.secretary.id,
            site_ids=[people.district_site.id or 0, people.site_a.id or 0],
        )
        meeting_id = create_meeting(session, people.secretary, draft, tz=TZ).id or 0
    log_in(client, "thuky")
    published = client.post(
        f"/meetings/{meeting_id}/publish", data={"csrf_token": token_for(client)}, follow_redirects=False
    )
    assert published.status_code == 303, published.text
    return meeting_id


def _invitation_file(app: Starlette, meeting_id: int) -> Path:
    with app.state.ctx.session() as session:
        document = session.exec(select(Document).where(Document.meeting_id == meeting_id)).one()
        assert document.filename == "Giay-moi-01-GM-UBND.pdf"
        return document_store(app.state.ctx.settings).path_for(document.sha256)


def _signatures_block(html: str, filename: str) -> str:
    start = html.index(f">{filename}</a>")
    return html[start : html.index("</li>\n</ul>", start)]


def test_the_invitations_signatures_are_shown_valid_then_invalid_after_one_changed_byte(
    client: TestClient, app: Starlette, people: Directory
) -> None:
    before = datetime.now(TZ).replace(second=0, microsecond=0)
    meeting_id = _published(client, app, people)
    after = datetime.now(TZ)

    block = _signatures_block(client.get(f"/meetings/{meeting_id}").text, "Giay-moi-01-GM-UBND.pdf")
    assert block.count(VALID) == 2
    # The chair's own certificate (organisation: the unit), then the agency's.
    assert '<strong class="signer">Lò Văn Chủ</strong>, UBND huyện Mường Tè' in block
    assert '<strong class="signer">UBND huyện Mường Tè</strong>' in block
    times = TIME.findall(block)
    assert len(times) == 2
    for machine, shown in times:
        assert machine.endswith("+07:00")
        signed_at = datetime.strptime(shown, "%d/%m/%Y %H:%M").replace(tzinfo=TZ)
        assert before <= signed_at <= after

    path = _invitation_file(app, meeting_id)
    signed = bytearray(path.read_bytes())
    # A byte inside the first page's content stream, which both signatures cover.
    signed[signed.index(b"stream", signed.index(b"/Length")) + 20] ^= 0x01
    path.write_bytes(bytes(signed))

    # Kept by the document's hash: the stored bytes of a hash are not expected to change, so the result
    # stands until the process forgets it.
    assert _signatures_block(client.get(f"/meetings/{meeting_id}").text, "Giay-moi-01-GM-UBND.pdf").count(VALID) == 2
    CACHE.clear()
    block = _signatures_block(client.get(f"/meetings/{meeting_id}").text, "Giay-moi-01-GM-UBND.pdf")
    assert block.count(CHANGED) == 2 and VALID not in block
    assert block.count("KHÔNG HỢP LỆ") == 2
    assert "Lò Văn Chủ" in block and "UBND huyện Mường Tè" in block


def test_a_signature_by_an_unknown_authority_is_shown_not_trusted(
    client: TestClient, app: Starlette, people: Directory, tmp_path: Path
) -> None:
    meeting_id = _published(client, app, people)
    stranger_ca = DemoCertificateAuthority.open(tmp_path / "elsewhere")
    stranger = stranger_ca.issue("Người Lạ", organisation="Nơi khác", passphrase="x")
    countersigned = sign_pdf(
        _invitation_file(app, meeting_id).read_bytes(),
        Pkcs12Credential(stranger.path, stranger.passphrase),
        field_name="nguoi-la",
        appearance=Appearance("Người Lạ"),
    )
    uploaded = client.post(
        f"/meetings/{meeting_id}/documents",
        data={"csrf_token": token_for(client, f"/meetings/{meeting_id}")},
        files={"documents": ("ban-sao-ky-lai.pdf", countersigned, "application/pdf")},
        follow_redirects=False,
    )
    assert uploaded.status_code == 303, uploaded.text
    block = _signatures_block(client.get(f"/meetings/{meeting_id}").text, "ban-sao-ky-lai.pdf")
    assert block.count(VALID) == 2 and block.count(UNTRUSTED) == 1
    assert '<strong class="signer">Người Lạ</strong>, Nơi khác' in block


def test_only_people_who_may_see_the_meeting_see_its_signatures(
    client: TestClient, app: Starlette, people: Directory
) -> None:
    meeting_id = _published(client, app, people)
    log_in(client, "canbo.a")  # an official of an invited site
    block = _signatures_block(client.get(f"/meetings/{meeting_id}").text, "Giay-moi-01-GM-UBND.pdf")
    assert block.count(VALID) == 2 and "Lò Văn Chủ" in block
    log_in(client, "canbo.b")  # an official of a commune that is not invited
    hidden = client.get(f"/meetings/{meeting_id}")
    assert hidden.status_code in (403, 404)
    assert "Lò Văn Chủ" not in hidden.text and VALID not in hidden.text


def test_the_english_page_says_it_in_english(client: TestClient, app: Starlette, people: Directory) -> None:
    meeting_id = _published(client, app, people)
    chosen = client.post("/language", data={"lang": "en", "csrf_token": token_for(client)}, follow_redirects=False)
    assert chosen.status_code == 303
    block = _signatures_block(client.get(f"/meetings/{meeting_id}").text, "Giay-moi-01-GM-UBND.pdf")
    assert block.count("Valid signature, trusted certificate.") == 2


def test_the_approved_minutes_show_the_secretarys_the_chairs_and_the_agencys_signatures(
    client: TestClient, app: Starlette, people: Directory
) -> None:
    ended = ended_meeting(app, people)
    mid = ended.meeting_id
    log_in(client, "thuky")
    content = {"items": {str(ended.items[0]): "Báo cáo.", str(ended.items[1]): "Thống nhất."}, "conclusions": "Xong."}
    saved = client.post(
        f"/meetings/{mid}/minutes/save",
        json={"base_version": 0, "content": content},
        headers={"X-CSRF-Token": token_for(client)},
    )
    assert saved.status_code == 200, saved.text
    log_in(client, "chutich")
    approved = client.post(f"/meetings/{mid}/minutes/approve", data={"csrf_token": token_for(client), "version": "1"})
    assert approved.status_code == 200, approved.text
    with app.state.ctx.session() as session:
        minutes = session.exec(select(MinutesRecord).where(MinutesRecord.meeting_id == mid)).one()
        document = session.get(Document, minutes.document_id)
        assert document is not None
        filename = document.filename
    block = _signatures_block(client.get(f"/meetings/{mid}").text, filename)
    assert block.count(VALID) == 3
    signers = re.findall(r'<strong class="signer">([^<]+)</strong>', block)
    assert signers == ["Pờ Thị Thư", "Lò Văn Chủ", "UBND huyện Mường Tè"]


def test_a_document_being_checked_is_checked_once_for_requests_arriving_together() -> None:
    cache = CheckCache()
    runs: list[int] = []
    shown = ShownDocument([])

    def check() -> ShownDocument:
        runs.append(1)
        time.sleep(0.2)  # as pyHanko would take
        return shown

    key = ("ab" * 32, ())
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: cache.get_or_check(key, check), range(8)))
    assert runs == [1] and all(r is shown for r in results)
    stale = CheckCache(recheck_after=0.0)
    stale.get_or_check(key, check)
    time.sleep(0.01)
    stale.get_or_check(key, check)
    assert len(runs) == 3  # trust depends on the day: an old result is checked again
