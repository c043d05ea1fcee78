"""The web layer's fixtures for the minutes tests: a real application on a real database, its test client,
and the small district of tests/web."""

from tests.web.conftest import app, client, people, settings

__all__ = ["app", "client", "people", "settings"]
