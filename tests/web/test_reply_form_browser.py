"""The reply to an invitation in a real browser: the reason and the deputy's fields appear only for the
answers that need them, so a commune official on a phone sees a short form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import Directory, LiveServer
from tests.web.test_mail_pages import _publish
from web.mail_links import reply_token

pytestmark = pytest.mark.browser


def test_the_reply_form_asks_only_what_the_answer_needs(live_server: LiveServer, people: Directory, page: Page) -> None:
    app = live_server.app
    meeting_id = _publish(app, people)
    until = datetime.now(UTC) + timedelta(days=30)
    token = reply_token(app.state.ctx.secret_key, meeting_id, f"site:{people.site_a.id}", until)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/reply/{token}")
    reason, deputy = page.locator("#reason-field"), page.locator("#deputy-fields")
    expect(page.locator("input[name=answer][value=attend]")).to_be_checked()
    expect(reason).to_be_hidden()
    expect(deputy).to_be_hidden()
    page.check("input[name=answer][value=decline]")
    expect(reason).to_be_visible()
    expect(deputy).to_be_hidden()
    page.check("input[name=answer][value=deputy]")
    expect(reason).to_be_visible()
    expect(deputy).to_be_visible()
    # A refused answer comes back with its fields open, the error beside the one to fix.
    page.fill("#reason", "Chủ tịch xã đi công tác")
    page.click("form.card button[type=submit]")
    expect(page.locator("input[name=answer][value=deputy]")).to_be_checked()
    expect(deputy).to_be_visible()
    expect(page.locator(".field-error").first).to_be_visible()
    page.fill("#deputy_name", "Nguyễn Thị Phương Thảo")
    page.fill("#deputy_position", "Phó Chủ tịch UBND xã")
    page.click("form.card button[type=submit]")
    expect(page.get_by_text("Nguyễn Thị Phương Thảo")).to_be_visible()
