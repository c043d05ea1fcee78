"""The web layer's fixtures for the minutes tests: a real application on a real database, its test client,
the small district of tests/web, and for the browser test the application served and a real Chromium."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, app, client, live_server, page, people, settings

__all__ = ["app", "chromium", "client", "live_server", "page", "people", "settings"]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Chromium per module, not per session: while Playwright's synchronous API runs, pyHanko's blocking
    calls (signing, validating) cannot run their own event loop on the main thread in the tests after."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()
