"""The chair approves: the minutes are frozen, numbered, rendered, signed by the secretary and the chair,
kept as the meeting's document, filed (one edXML package per unit) and mailed to every invited unit.
A signing failure loses nothing, and approving again completes the issue."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from meetings.meeting import Document, MeetingState
from meetings.minutes.tables import MinutesRecord
from meetings.outbox import OutboxItem
from meetings.records.demo_pki import CA_CERT
from meetings.records.filing import EDXML
from meetings.records.numbering import NumberingMode, set_numbering_mode
from meetings.records.signing import load_trust_roots
from meetings.records.verification import check_signatures
from meetings.units import Unit
from tests.minutes.world import ended_meeting, meeting_of
from tests.records.pdfread import find, flat_text, reader, runs
from tests.web.conftest import Directory, log_in, token_for
from web.invitation_signing import demo_signers

CONCLUSIONS = "Giao UBND các xã sơ tán dân vùng trũng trước 17 giờ ngày mai."


def _write_minutes(client: TestClient, meeting_id: int, items: list[int]) -> None:
    log_in(client, "thuky")
    token = token_for(client)
    body = {
        "items": {str(items[0]): "Văn phòng báo cáo diễn biến của bão.", str(items[1]): "Thống nhất phương án."},
        "conclusions": CONCLUSIONS,
    }
    response = client.post(
        f"/meetings/{meeting_id}/minutes/save",
        json={"base_version": 0, "content": body},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 200, response.text
    client.post("/logout", data={"csrf_token": token})


def _approve(client: TestClient, meeting_id: int) -> tuple[int, str]:
    token = token_for(client)
    response = client.post(
        f"/meetings/{meeting_id}/minutes/approve", data={"csrf_token": token, "version": "1"}, follow_redirects=True
    )
    return response.status_code, response.text


def _pdf(app: Starlette, meeting_id: int) -> bytes:
    with app.state.ctx.session() as session:
        minutes = session.exec(select(MinutesRecord).where(MinutesRecord.meeting_id == meeting_id)).one()
        assert minutes.document_id is not None
        document = session.get(Document, minutes.document_id)
        assert document is not None
        root = Path(app.state.ctx.settings.data_dir) / "documents"
        data: bytes = (root / document.sha256[:2] / document.sha256).read_bytes()
        return data


def test_approval_numbers_signs_files_and_mails_the_minutes(
    app: Starlette, client: TestClient, people: Directory
) -> None:
    ended = ended_meeting(app, people)
    mid = ended.meeting_id
    _write_minutes(client, mid, ended.items)
    log_in(client, "chutich")
    code, page = _approve(client, mid)
    assert code == 200, page
    assert "01/BB-UBND" in page
    # Approved; filed as soon as the worker has delivered every package to the drop folder.
    assert meeting_of(app, mid).state in (MeetingState.MINUTES_APPROVED, MeetingState.FILED)

    pdf = _pdf(app, mid)
    text = flat_text(pdf)
    assert "Số: 01/BB-UBND" in text
    assert "BIÊN BẢN" in text
    assert "Họp khẩn phòng chống bão số 3" in text
    # The attendance table: the unit, its presence, the headcount, the site and the absence's reason.
    assert "UBND xã Bum Nưa Trực tuyến 5 Hội trường xã Bum Nưa" in text
    assert "UBND xã Ka Lăng Vắng Hội trường xã Ka Lăng; Lý do: Đang ứng trực bão" in text
    assert "Phát biểu: Chủ tịch UBND xã Bum Nưa." in text
    assert "Kết quả biểu quyết: Thông qua phương án sơ tán: Đồng ý 2, Không đồng ý 0" in text
    assert f"Kết luận của chủ tọa: {CONCLUSIONS}" in text
    # Where the form puts them: the attendance after the place and before the chair, the content by agenda
    # item, the conclusions after it and before the end line; signatures secretary left, chair right.
    order = [
        "Địa điểm: Phòng họp UBND huyện",
        "Thành phần tham dự:",
        "UBND xã Bum Nưa Trực tuyến",
        "Chủ trì (chủ tọa): Đồng chí Lò Văn Chủ",
        "Thư ký (người ghi biên bản): Đồng chí Pờ Thị Thư",
        "1. Báo cáo tình hình bão",
        "2. Phương án sơ tán",
        "Kết luận của chủ tọa:",
        "Cuộc họp kết thúc vào",
    ]
    positions = [text.index(fragment) for fragment in order]
    assert positions == sorted(positions)
    page_runs = runs(pdf, len(reader(pdf).pages) - 1)
    secretary, chair = find(page_runs, "THƯ KÝ"), find(page_runs, "CHỦ TỌA")
    assert secretary.x < 90 < chair.x and abs(secretary.y - chair.y) < 2

    roots = load_trust_roots([Path(app.state.ctx.settings.data_dir) / "pki" / CA_CERT])
    check = check_signatures(pdf, roots)
    assert [s.signer for s in check.signatures] == ["Pờ Thị Thư", "Lò Văn Chủ", "UBND huyện Mường Tè"]
    assert check.all_valid

    with app.state.ctx.session() as session:
        items = session.exec(select(OutboxItem).where(OutboxItem.meeting_id == mid)).all()
    filing = sorted(i.destination for i in items if i.kind == EDXML)
    assert filing == ["000.00.12.H49", "000.01.12.H49", "000.02.12.H49"]
    records = [i for i in items if i.purpose == "record"]
    assert len(records) == 3  # the three invited sites' units
    assert all(i.data()["record"]["number"] == "01/BB-UBND" for i in records)

    # Frozen: an edit is refused with a message; approving again too.
    token = token_for(client)
    edit = client.post(
        f"/meetings/{mid}/minutes/save",
        json={"base_version": 1, "content": {"conclusions": "Sửa sau khi duyệt"}},
        headers={"X-CSRF-Token": token},
    )
    assert edit.status_code == 409 and "đã được chủ tọa duyệt" in edit.json()["error"]
    again = client.post(f"/meetings/{mid}/minutes/approve", data={"csrf_token": token, "version": "1"})
    assert again.status_code == 409 and "đã được duyệt và phát hành" in again.text

    # A commune official reads the approved minutes now.
    client.post("/logout", data={"csrf_token": token})
    log_in(client, "canbo.a")
    read = client.get(f"/meetings/{mid}/minutes")
    assert read.status_code == 200 and CONCLUSIONS in read.text and "minutes-editor" not in read.text


def test_a_signing_failure_keeps_the_number_and_approving_again_completes(
    app: Starlette, client: TestClient, people: Directory
) -> None:
    ended = ended_meeting(app, people)
    mid = ended.meeting_id
    _write_minutes(client, mid, ended.items)
    # The chair's key file is broken (as a wrong file or password would be).
    pki = Path(app.state.ctx.settings.data_dir) / "pki"
    pki.mkdir(parents=True, exist_ok=True)
    broken = pki / f"person-{people.chair.id}.p12"
    broken.write_bytes(b"not a PKCS#12 file")
    log_in(client, "chutich")
    code, page = _approve(client, mid)
    assert code == 422
    assert "Không mở được tệp chứng thư số" in page
    with app.state.ctx.session() as session:
        minutes = session.exec(select(MinutesRecord).where(MinutesRecord.meeting_id == mid)).one()
        assert minutes.state == "approved" and minutes.document_id is None
        assert not session.exec(select(OutboxItem).where(OutboxItem.meeting_id == mid, OutboxItem.kind == EDXML)).all()
    page = client.get(f"/meetings/{mid}/minutes").text
    assert 'id="issue-pending"' in page

    broken.unlink()
    code, page = _approve(client, mid)
    assert code == 200, page
    assert "01/BB-UBND" in page  # the same number
    assert "Số: 01/BB-UBND" in flat_text(_pdf(app, mid))
    with app.state.ctx.session() as session:
        assert len(session.exec(select(Document).where(Document.meeting_id == mid)).all()) == 1


def test_a_confidential_meetings_minutes_are_not_filed(app: Starlette, client: TestClient, people: Directory) -> None:
    ended = ended_meeting(app, people, confidential=True)
    mid = ended.meeting_id
    _write_minutes(client, mid, ended.items)
    log_in(client, "chutich")
    assert _approve(client, mid)[0] == 200
    with app.state.ctx.session() as session:
        items = session.exec(select(OutboxItem).where(OutboxItem.meeting_id == mid)).all()
    assert not [i for i in items if i.kind == EDXML]
    records = [i for i in items if i.purpose == "record"]
    assert records and all(not i.data()["record_documents"] for i in records)  # the PDF never goes by mail


def test_text_the_font_cannot_show_is_refused_before_anything_is_frozen(
    app: Starlette, client: TestClient, people: Directory
) -> None:
    ended = ended_meeting(app, people)
    mid = ended.meeting_id
    log_in(client, "thuky")
    token = token_for(client)
    body = {"conclusions": "Hoàn thành trước 17 giờ 👍"}
    saved = client.post(
        f"/meetings/{mid}/minutes/save", json={"base_version": 0, "content": body}, headers={"X-CSRF-Token": token}
    )
    assert saved.status_code == 200
    client.post("/logout", data={"csrf_token": token})
    log_in(client, "chutich")
    code, page = _approve(client, mid)
    assert code == 422 and "👍" in page
    with app.state.ctx.session() as session:
        minutes = session.exec(select(MinutesRecord).where(MinutesRecord.meeting_id == mid)).one()
        assert minutes.state == "draft" and minutes.issued_number_id is None
    assert meeting_of(app, mid).state == MeetingState.ENDED


def test_in_register_mode_the_clerks_number_is_used(app: Starlette, client: TestClient, people: Directory) -> None:
    with app.state.ctx.session() as session:
        set_numbering_mode(session, people.admin, people.district.id or 0, NumberingMode.REGISTER)
        session.commit()
    ended = ended_meeting(app, people)
    mid = ended.meeting_id
    _write_minutes(client, mid, ended.items)
    log_in(client, "chutich")
    page = client.get(f"/meetings/{mid}/minutes").text
    assert 'name="number"' in page
    token = token_for(client)
    missing = client.post(f"/meetings/{mid}/minutes/approve", data={"csrf_token": token, "version": "1"})
    assert missing.status_code == 422 and "sổ đăng ký" in missing.text
    entered = client.post(
        f"/meetings/{mid}/minutes/approve",
        data={"csrf_token": token, "version": "1", "number": "07"},
        follow_redirects=True,
    )
    assert entered.status_code == 200 and "07/BB-UBND" in entered.text
    assert "Số: 07/BB-UBND" in flat_text(_pdf(app, mid))


def test_the_draft_preview_and_keys_shared_with_the_invitation(
    app: Starlette, client: TestClient, people: Directory
) -> None:
    ended = ended_meeting(app, people)
    mid = ended.meeting_id
    _write_minutes(client, mid, ended.items)
    log_in(client, "thuky")
    preview = client.get(f"/meetings/{mid}/minutes/preview.pdf")
    assert preview.status_code == 200 and preview.headers["content-type"] == "application/pdf"
    text = flat_text(preview.content)
    assert "BIÊN BẢN" in text and CONCLUSIONS in text and "01/BB" not in text
    token = token_for(client)
    client.post("/logout", data={"csrf_token": token})
    log_in(client, "canbo.a")
    assert client.get(f"/meetings/{mid}/minutes/preview.pdf").status_code == 403
    client.post("/logout", data={"csrf_token": token_for(client)})

    # The Giấy mời's demo signers issued the chair's and the unit's certificates first: the minutes use them.
    with app.state.ctx.session() as session:
        unit = session.get(Unit, people.district.id)
        assert unit is not None
        demo_signers(Path(app.state.ctx.settings.data_dir) / "pki")(unit, people.chair)
    log_in(client, "chutich")
    code, page = _approve(client, mid)
    assert code == 200, page
    roots = load_trust_roots([Path(app.state.ctx.settings.data_dir) / "pki" / CA_CERT])
    assert check_signatures(_pdf(app, mid), roots).all_valid
