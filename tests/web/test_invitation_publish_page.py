"""Publishing from the meeting page issues the Giấy mời; where the clerk gives numbers from the register,
the page asks for the number and refuses to publish without it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from meetings.meeting import Document, Meeting, MeetingKind, MeetingState
from meetings.records.numbering import NumberingMode, set_numbering_mode
from meetings.records.verification import check_signatures
from meetings.scheduling import MeetingDraft, create_meeting
from tests.web.conftest import Directory, build_directory, log_in, token_for
from web.app import create_app
from web.settings import Settings

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _draft(app: Starlette, people: Directory, *, register: bool) -> int:
    day = datetime.now(UTC).astimezone(TZ).date() + timedelta(days=35)
    start = datetime(day.year, day.month, day.day, 8, 0, tzinfo=TZ)
    with app.state.ctx.session() as session:
        if register:
            set_numbering_mode(session, people.admin, people.district.id or 0, NumberingMode.REGISTER)
            session.commit()
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
        return create_meeting(session, people.secretary, draft, tz=TZ).id or 0


def test_publishing_attaches_the_numbered_invitation(client: TestClient, app: Starlette, people: Directory) -> None:
    meeting_id = _draft(app, people, register=False)
    log_in(client, "thuky")
    page = client.get(f"/meetings/{meeting_id}")
    assert 'name="number"' not in page.text  # giaoban gives the number
    response = client.post(
        f"/meetings/{meeting_id}/publish", data={"csrf_token": token_for(client)}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    page = client.get(f"/meetings/{meeting_id}").text
    assert "Giay-moi-01-GM-UBND.pdf" in page
    assert "không có chữ ký số" not in page  # signed (the demo CA of the test environment)


def test_the_clerks_number_is_asked_for_and_required(client: TestClient, app: Starlette, people: Directory) -> None:
    meeting_id = _draft(app, people, register=True)
    log_in(client, "thuky")
    page = client.get(f"/meetings/{meeting_id}")
    assert 'name="number"' in page.text and "Số giấy mời (lấy từ sổ đăng ký văn bản đi)" in page.text
    token = token_for(client)
    refused = client.post(f"/meetings/{meeting_id}/publish", data={"csrf_token": token}, follow_redirects=False)
    assert refused.status_code == 422
    assert "Hãy nhập số văn bản lấy từ sổ đăng ký văn bản đi." in refused.text
    assert 'aria-invalid="true"' in refused.text
    not_a_number = client.post(f"/meetings/{meeting_id}/publish", data={"csrf_token": token, "number": "5a"})
    assert not_a_number.status_code == 422 and "phải là số" in not_a_number.text
    published = client.post(
        f"/meetings/{meeting_id}/publish", data={"csrf_token": token, "number": "05"}, follow_redirects=False
    )
    assert published.status_code == 303, published.text
    page = client.get(f"/meetings/{meeting_id}")
    assert "Giay-moi-05-GM-UBND.pdf" in page.text and 'name="number"' not in page.text


def test_a_title_the_official_font_cannot_print_is_refused(
    client: TestClient, app: Starlette, people: Directory
) -> None:
    meeting_id = _draft(app, people, register=False)
    with app.state.ctx.session() as session:
        meeting = session.get(Meeting, meeting_id)
        assert meeting is not None
        meeting.title = "Giao ban tuần 🎉"
        session.add(meeting)
        session.commit()
    log_in(client, "thuky")
    response = client.post(f"/meetings/{meeting_id}/publish", data={"csrf_token": token_for(client)})
    assert response.status_code == 422
    assert "🎉" in response.text and "Liberation Serif" in response.text
    with app.state.ctx.session() as session:
        meeting = session.get(Meeting, meeting_id)
        assert meeting is not None and meeting.state == MeetingState.DRAFT


def _edit(client: TestClient, people: Directory, meeting_id: int, hour: int, **extra: str) -> Any:
    day = datetime.now(UTC).astimezone(TZ).date() + timedelta(days=35)
    data: dict[str, object] = {
        "csrf_token": token_for(client),
        "convening_unit_id": str(people.district.id),
        "title": "Giao ban tuần",
        "kind": "briefing",
        "start_at": f"{day}T{hour:02d}:00",
        "end_at": f"{day}T{hour + 2:02d}:00",
        "chair_id": str(people.chair.id),
        "secretary_id": str(people.secretary.id),
        "contact_id": "",
        "place": "",
        "site_ids": [str(people.district_site.id), str(people.site_a.id)],
        "description": "",
        "preparation": "",
        **extra,
    }
    return client.post(f"/meetings/{meeting_id}/edit", data=data, follow_redirects=False)


def test_moving_a_published_meeting_issues_a_new_invitation(
    client: TestClient, app: Starlette, people: Directory
) -> None:
    meeting_id = _draft(app, people, register=True)
    log_in(client, "thuky")
    token = token_for(client)
    published = client.post(f"/meetings/{meeting_id}/publish", data={"csrf_token": token, "number": "3"})
    assert published.status_code == 200 and "Giay-moi-03-GM-UBND.pdf" in published.text
    form = client.get(f"/meetings/{meeting_id}/edit").text
    assert 'name="invitation_number"' in form
    refused = _edit(client, people, meeting_id, 9)
    assert refused.status_code == 422
    assert "Hãy nhập số văn bản lấy từ sổ đăng ký văn bản đi." in refused.text
    saved = _edit(client, people, meeting_id, 9, invitation_number="04")
    assert saved.status_code == 303, saved.text
    page = client.get(f"/meetings/{meeting_id}").text
    assert "Giay-moi-04-GM-UBND.pdf" in page and "Giay-moi-03-GM-UBND.pdf" not in page


def test_the_issued_invitation_cannot_be_removed(client: TestClient, app: Starlette, people: Directory) -> None:
    meeting_id = _draft(app, people, register=False)
    log_in(client, "thuky")
    token = token_for(client)
    client.post(f"/meetings/{meeting_id}/publish", data={"csrf_token": token})
    with app.state.ctx.session() as session:
        [document] = session.exec(select(Document).where(Document.meeting_id == meeting_id)).all()
    removed = client.post(f"/meetings/{meeting_id}/documents/{document.id}/remove", data={"csrf_token": token})
    assert removed.status_code == 409
    assert "Giấy mời số 01/GM-UBND đã ban hành là văn bản chính thức, không xoá được" in removed.text
    page = client.get(f"/meetings/{meeting_id}").text
    assert "Giay-moi-01-GM-UBND.pdf" in page
    # The page offers no remove button the server would refuse.
    assert f"/documents/{document.id}/remove" not in page


UNSIGNED = "Giấy mời số 01/GM-UBND đã được gửi đi mà không có chữ ký số."
UNSIGNED_WHY = "máy chủ chưa được cấu hình chứng thư số của cơ quan (GIAOBAN_SIGNING_AGENCY_P12)"


@pytest.fixture
def production_app(tmp_path: Path, database_url: str) -> Iterator[Starlette]:
    """The application as deployed without an agency certificate: no demo CA to fall back on."""
    settings = Settings(
        data_dir=tmp_path / "production", database_url=database_url, environment="production", secret_key="p" * 48
    )
    application = create_app(settings)
    yield application
    application.state.ctx.engine.dispose()


def _document_bytes(app: Starlette, meeting_id: int) -> bytes:
    with app.state.ctx.session() as session:
        [document] = session.exec(select(Document).where(Document.meeting_id == meeting_id)).all()
    root = Path(app.state.ctx.settings.data_dir) / "documents"
    return (root / document.sha256[:2] / document.sha256).read_bytes()


def test_an_invitation_sent_unsigned_is_shown_to_its_managers_with_the_reason(
    production_app: Starlette, caplog: pytest.LogCaptureFixture
) -> None:
    with production_app.state.ctx.session() as session:
        people = build_directory(session, production_app.state.ctx.password_hasher)
    meeting_id = _draft(production_app, people, register=False)
    with TestClient(production_app, base_url="http://127.0.0.1") as client:
        log_in(client, "thuky")
        assert UNSIGNED not in client.get(f"/meetings/{meeting_id}").text  # a draft has no Giấy mời yet
        with caplog.at_level(logging.WARNING, logger="giaoban.records"):
            published = client.post(
                f"/meetings/{meeting_id}/publish", data={"csrf_token": token_for(client)}, follow_redirects=False
            )
        assert published.status_code == 303, published.text
        assert "the Giấy mời goes out unsigned" in caplog.text
        assert check_signatures(_document_bytes(production_app, meeting_id), []).signatures == []

        page = client.get(f"/meetings/{meeting_id}").text
        assert UNSIGNED in page and UNSIGNED_WHY in page
        assert "gửi giấy mời có chữ ký qua hệ thống quản lý văn bản" in page
        token = token_for(client)
        client.post("/language", data={"csrf_token": token, "lang": "en", "next": f"/meetings/{meeting_id}"})
        english = client.get(f"/meetings/{meeting_id}").text
        assert "Invitation No. 01/GM-UBND was sent without a digital signature." in english
        assert "no agency signing certificate was configured on the server (GIAOBAN_SIGNING_AGENCY_P12)" in english
        assert UNSIGNED not in english
        client.post("/logout", data={"csrf_token": token_for(client)})

        log_in(client, "chutich")  # the chair, of the convening unit, is told too
        assert UNSIGNED in client.get(f"/meetings/{meeting_id}").text
        client.post("/logout", data={"csrf_token": token_for(client)})

        log_in(client, "canbo.a")  # an invited commune's official sees the meeting, not the warning
        page = client.get(f"/meetings/{meeting_id}")
        assert page.status_code == 200 and "Giay-moi-01-GM-UBND.pdf" in page.text
        assert UNSIGNED not in page.text and "GIAOBAN_SIGNING_AGENCY_P12" not in page.text
