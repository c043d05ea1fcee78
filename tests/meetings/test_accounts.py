"""Password hashes, log-in and API tokens, on a real database."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from meetings.accounts import (
    authenticate,
    create_api_token,
    hash_password,
    password_hasher,
    person_for_token,
    revoke_api_tokens,
    set_password,
    verify_password,
)
from meetings.errors import ValidationError
from meetings.people import ApiToken, Person
from meetings.units import Unit, UnitLevel


def _person(session: Session, username: str = "nguyenvana", active: bool = True) -> Person:
    unit = Unit(name="UBND huyện Ngọc Khê", code="000.00.12.H49", level=UnitLevel.DISTRICT)
    session.add(unit)
    session.flush()
    assert unit.id is not None
    person = Person(username=username, full_name="Nguyễn Văn A", unit_id=unit.id, active=active)
    session.add(person)
    session.commit()
    return person


def test_hash_is_argon2_salted_and_verifies() -> None:
    first = hash_password("mật khẩu dài")
    second = hash_password("mật khẩu dài")
    assert first.startswith("$argon2id$")
    assert first != second
    assert verify_password(first, "mật khẩu dài")
    assert not verify_password(first, "mat khau dai")


def test_verify_refuses_empty_and_garbage_hashes() -> None:
    assert not verify_password("", "anything")
    assert not verify_password("not-a-hash", "anything")


def test_authenticate(session: Session) -> None:
    person = _person(session)
    assert authenticate(session, "nguyenvana", "whatever-pw") is None  # no password set yet
    set_password(session, person, "correct horse")
    found = authenticate(session, "  NguyenVanA ", "correct horse")
    assert found is not None and found.id == person.id
    assert authenticate(session, "nguyenvana", "wrong horse") is None
    assert authenticate(session, "nobody", "correct horse") is None


def test_inactive_person_cannot_log_in(session: Session) -> None:
    person = _person(session, active=False)
    set_password(session, person, "correct horse")
    assert authenticate(session, "nguyenvana", "correct horse") is None


def test_password_policy(session: Session) -> None:
    person = _person(session)
    with pytest.raises(ValidationError, match="ít nhất 8") as caught:
        set_password(session, person, "short")
    assert caught.value.field == "password"


def test_api_token_round_trip(session: Session) -> None:
    person = _person(session)
    token = create_api_token(session, person, "Hệ thống QLVB")
    assert len(token) >= 43  # 32 random bytes, base64url
    rows = session.exec(select(ApiToken)).all()
    assert len(rows) == 1
    assert token not in rows[0].token_hash  # only the hash is kept
    assert len(rows[0].token_hash) == 64
    assert rows[0].last_used_at is None

    found = person_for_token(session, token)
    assert found is not None and found.id == person.id
    session.refresh(rows[0])
    assert rows[0].last_used_at is not None

    assert person_for_token(session, token + "x") is None
    assert person_for_token(session, "") is None


def test_token_of_inactive_person_is_refused_and_tokens_can_be_revoked(session: Session) -> None:
    person = _person(session)
    token = create_api_token(session, person)
    other = create_api_token(session, person, "second")
    person.active = False
    session.add(person)
    session.commit()
    assert person_for_token(session, token) is None
    person.active = True
    session.add(person)
    session.commit()
    assert person_for_token(session, other) is not None
    assert revoke_api_tokens(session, person) == 2
    assert person_for_token(session, other) is None


def test_the_standard_profile_hashes_with_the_production_parameters() -> None:
    assert password_hasher() is password_hasher("standard")
    made = hash_password("mật khẩu dài")
    assert made.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    fast = hash_password("mật khẩu dài", hasher=password_hasher("fast-insecure-for-tests"))
    assert fast.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert verify_password(fast, "mật khẩu dài")  # the parameters travel with the hash
    with pytest.raises(ValueError):
        password_hasher("nhanh")


def test_log_in_remakes_a_hash_with_the_hashers_parameters(session: Session) -> None:
    person = _person(session)
    set_password(session, person, "correct horse", hasher=password_hasher("fast-insecure-for-tests"))
    assert person.password_hash.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert authenticate(session, "nguyenvana", "correct horse") is not None
    session.refresh(person)
    assert person.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
