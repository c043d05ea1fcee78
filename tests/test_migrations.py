"""Migrations apply from empty and match the models exactly."""

from __future__ import annotations

from sqlalchemy import inspect

from meetings import db


def test_migrations_from_empty_match_models(empty_database_url: str) -> None:
    db.upgrade(empty_database_url)
    db.check(empty_database_url)  # raises if models and migrations drift apart
    engine = db.make_engine(empty_database_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    for expected in ("unit", "site", "person", "meeting", "meeting_site", "agenda_item", "document",
                     "holiday", "makeup_day", "audit_entry", "api_token", "alembic_version"):
        assert expected in tables


def test_upgrade_twice_is_harmless(empty_database_url: str) -> None:
    db.upgrade(empty_database_url)
    db.upgrade(empty_database_url)
    db.check(empty_database_url)
