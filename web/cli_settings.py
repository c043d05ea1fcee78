"""What every ``giaoban`` command shares: the usage error and reading the settings from the environment.

A module of its own so that ``web.cli`` can import the commands of other modules and they this, without a circle.
"""

from __future__ import annotations

from pydantic import ValidationError as SettingsError

from web.settings import Settings


class UsageError(Exception):
    """A command-line mistake: reported in one line, exit code 2."""


def load_settings() -> Settings:
    """The settings from the environment; UsageError when they are invalid."""
    try:
        return Settings()
    except SettingsError as exc:
        raise UsageError(f"invalid settings: {exc.errors()[0]['msg']}") from exc
