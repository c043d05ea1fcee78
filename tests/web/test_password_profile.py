"""The password hashing profile: fast hashes only ever in the test environment."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from meetings.accounts import password_hasher
from web.app import create_app
from web.settings import Settings


@pytest.mark.parametrize("environment", ["production", "development"])
def test_fast_hashes_are_refused_outside_tests(tmp_path: Path, environment: str) -> None:
    with pytest.raises(ValidationError, match="for test suites only"):
        Settings(
            data_dir=tmp_path,
            environment=environment,
            secret_key="s" * 48,
            password_hash_profile="fast-insecure-for-tests",
        )


def test_an_unknown_profile_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        Settings(data_dir=tmp_path, environment="test", password_hash_profile="nhanh")


def test_the_app_hashes_with_the_configured_profile(tmp_path: Path) -> None:
    standard = create_app(Settings(data_dir=tmp_path / "a", environment="production", secret_key="s" * 48))
    fast = create_app(
        Settings(data_dir=tmp_path / "b", environment="test", password_hash_profile="fast-insecure-for-tests")
    )
    try:
        assert standard.state.ctx.password_hasher is password_hasher("standard")
        assert fast.state.ctx.password_hasher is password_hasher("fast-insecure-for-tests")
    finally:
        standard.state.ctx.engine.dispose()
        fast.state.ctx.engine.dispose()
