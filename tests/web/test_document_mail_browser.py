"""A real Chromium: the secretary uploads a document to a published briefing, sees it waiting, presses the
send button, confirms, and sees when it went out."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import Dialog, Page, expect
from starlette.applications import Starlette

from tests.web.conftest import PASSWORD, Directory, LiveServer
from tests.web.test_document_mail_pages import TZ, announce, far_wednesday

pytestmark = pytest.mark.browser


def test_the_secretary_sends_a_new_document_from_the_meeting_page(
    app: Starlette, people: Directory, live_server: LiveServer, page: Page
) -> None:
    meeting = announce(app, people, far_wednesday())
    page.goto(f"{live_server.url}/meetings/{meeting.id}")
    page.fill("#username", "thuky")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Đăng nhập')")
    expect(page).to_have_url(f"{live_server.url}/meetings/{meeting.id}")

    docx = b"PK\x03\x04" + b"x" * 900
    report = {"name": "Báo cáo tháng.docx", "mimeType": "application/octet-stream", "buffer": docx}
    page.set_input_files("input[name=documents]", files=[report])
    page.click("button:has-text('Tải lên')")
    expect(page.locator(".document-unsent")).to_have_text("Chưa gửi cho các điểm cầu")
    expect(page.locator("#documents-unsent")).to_contain_text("chưa gửi cho các điểm cầu: 1")

    asked: list[str] = []

    def accept(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    page.click("button:has-text('Gửi tài liệu mới cho các điểm cầu')")
    expect(page.locator(".doc-mail .badge")).to_contain_text("Đã gửi")
    assert asked == ["Gửi các tài liệu chưa gửi cho mọi điểm cầu và người được mời?"]
    today = datetime.now(UTC).astimezone(TZ)
    expect(page.locator(".doc-mail .badge")).to_contain_text(f"{today:%d/%m/%Y}")
    expect(page.locator("#documents-unsent")).to_have_count(0)
    expect(page.locator("button:has-text('Gửi tài liệu mới cho các điểm cầu')")).to_have_count(0)
