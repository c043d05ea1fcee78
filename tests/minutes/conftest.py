"""The web layer's fixtures for the minutes tests: a real application on a real database, its test client,
the small district of tests/web, and for the browser test the application served and a real Chromium."""

from tests.web.conftest import app, chromium, client, live_server, page, people, settings

__all__ = ["app", "chromium", "client", "live_server", "page", "people", "settings"]
