"""Credentials: argon2 password hashes and bearer tokens for integrations.

Only hashes are stored. An API token's plaintext is shown once, when it is made; the database keeps its
SHA-256, which is enough because the token itself is 256 random bits (no need for a slow hash).

Password hashing is slow on purpose (about a quarter of a second per hash). The functions that hash take
the ``hasher`` to use, by default the standard one; a test suite that seeds many people passes the
``fast-insecure-for-tests`` profile's hasher instead (the application's settings refuse that profile outside
the test environment). Verifying needs no hasher: a hash carries its own parameters.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlmodel import Session, select

from meetings import audit
from meetings.errors import N_, ValidationError
from meetings.people import ApiToken, Person
from meetings.text import NUL, refuse_nul
from meetings.types import utcnow

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024


class HashProfile(StrEnum):
    STANDARD = "standard"
    FAST_INSECURE_FOR_TESTS = "fast-insecure-for-tests"


_HASHERS = {
    # The library's defaults: RFC 9106's low-memory choice, 3 passes over 64 MiB with 4 lanes.
    HashProfile.STANDARD: PasswordHasher(),
    # The cheapest parameters argon2 accepts: for test suites only, never for a real password.
    HashProfile.FAST_INSECURE_FOR_TESTS: PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
}


def password_hasher(profile: HashProfile | str = HashProfile.STANDARD) -> PasswordHasher:
    """The hasher of ``profile`` (one instance per profile)."""
    return _HASHERS[HashProfile(profile)]


@functools.cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    # Verified against when the username is unknown, so a wrong username costs as long as a wrong password.
    return hasher.hash("giaoban-no-such-user")


def hash_password(password: str, *, hasher: PasswordHasher | None = None) -> str:
    """An argon2id hash of ``password`` (salted; two calls give different strings)."""
    return (hasher or password_hasher()).hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True if ``password`` matches ``password_hash``; False for a wrong password or an unusable hash."""
    if not password_hash:
        return False
    try:
        # Any PasswordHasher verifies any argon2 hash: the parameters are read from the hash itself.
        return password_hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def normalize_username(username: str) -> str:
    """Usernames are compared without case and surrounding spaces."""
    return username.strip().lower()


def authenticate(
    session: Session, username: str, password: str, *, hasher: PasswordHasher | None = None
) -> Person | None:
    """The active person with this username and password, or None.

    A person without a password (imported, not yet set) cannot log in. When the stored hash was made with
    other parameters than ``hasher``'s (by default the standard ones), it is remade with them on the way.
    """
    hasher = hasher or password_hasher()
    # No username holds a NUL (and PostgreSQL could not even be asked about one): an unknown user.
    person = None
    if NUL not in username:
        person = session.exec(select(Person).where(Person.username == normalize_username(username))).first()
    if person is None or not person.password_hash:
        verify_password(_dummy_hash(hasher), password)
        return None
    if not verify_password(person.password_hash, password):
        return None
    if not person.active:
        return None
    if hasher.check_needs_rehash(person.password_hash):
        person.password_hash = hash_password(password, hasher=hasher)
        session.add(person)
        session.commit()
    return person


def check_password_policy(password: str) -> None:
    """Raise a ValidationError (field ``password``) for a password too short or too long."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(N_("Mật khẩu phải có ít nhất %(n)d ký tự."), field="password", n=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError(N_("Mật khẩu quá dài."), field="password")


def set_password(
    session: Session,
    person: Person,
    password: str,
    *,
    actor: Person | None = None,
    hasher: PasswordHasher | None = None,
) -> None:
    """Check the policy, store a new hash and record it in the audit log; commits."""
    check_password_policy(password)
    person.password_hash = hash_password(password, hasher=hasher)
    session.add(person)
    audit.record(session, actor.id if actor else None, "set_password", "person", person.id)
    session.commit()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_api_token(session: Session, person: Person, name: str = "", *, actor: Person | None = None) -> str:
    """Make a bearer token for ``person``; returns the plaintext, which is not kept anywhere. Commits."""
    name = refuse_nul(name, "name", "Tên mã truy cập").strip()
    if len(name) > 100:
        raise ValidationError(N_("Tên mã truy cập quá dài (tối đa 100 ký tự)."), field="name")
    if person.id is None:
        raise ValueError("person must be saved before a token is made for them")
    token = secrets.token_urlsafe(32)
    row = ApiToken(person_id=person.id, token_hash=_token_hash(token), name=name)
    session.add(row)
    session.flush()
    audit.record(session, actor.id if actor else None, "create", "api_token", row.id, person_id=person.id, name=name)
    session.commit()
    return token


def person_for_token(session: Session, token: str) -> Person | None:
    """The active person a bearer token belongs to, or None; notes when the token was last used."""
    token = token.strip()
    if not token:
        return None
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == _token_hash(token))).first()
    if row is None:
        return None
    person = session.get(Person, row.person_id)
    if person is None or not person.active:
        return None
    row.last_used_at = utcnow()
    session.add(row)
    session.commit()
    return person


def revoke_api_tokens(session: Session, person: Person, *, actor: Person | None = None) -> int:
    """Delete every token of ``person``; returns how many there were. Commits."""
    rows = session.exec(select(ApiToken).where(ApiToken.person_id == person.id)).all()
    for row in rows:
        session.delete(row)
    audit.record(session, actor.id if actor else None, "revoke_tokens", "person", person.id, count=len(rows))
    session.commit()
    return len(rows)
