"""Credentials: argon2 password hashes and bearer tokens for integrations.

Only hashes are stored. An API token's plaintext is shown once, when it is made; the database keeps its
SHA-256, which is enough because the token itself is 256 random bits (no need for a slow hash).
"""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlmodel import Session, select

from meetings import audit
from meetings.errors import ValidationError
from meetings.people import ApiToken, Person
from meetings.text import NUL, refuse_nul
from meetings.types import utcnow

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024

_hasher = PasswordHasher()
# Verified against when the username is unknown, so a wrong username costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("giaoban-no-such-user")


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (salted; two calls give different strings)."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True if ``password`` matches ``password_hash``; False for a wrong password or an unusable hash."""
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def normalize_username(username: str) -> str:
    """Usernames are compared without case and surrounding spaces."""
    return username.strip().lower()


def authenticate(session: Session, username: str, password: str) -> Person | None:
    """The active person with this username and password, or None.

    A person without a password (imported, not yet set) cannot log in. When the stored hash was made with
    weaker parameters than today's, it is upgraded on the way.
    """
    # No username holds a NUL (and PostgreSQL could not even be asked about one): an unknown user.
    person = None
    if NUL not in username:
        person = session.exec(select(Person).where(Person.username == normalize_username(username))).first()
    if person is None or not person.password_hash:
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(person.password_hash, password):
        return None
    if not person.active:
        return None
    if _hasher.check_needs_rehash(person.password_hash):
        person.password_hash = hash_password(password)
        session.add(person)
        session.commit()
    return person


def check_password_policy(password: str) -> None:
    """Raise a ValidationError (field ``password``) for a password too short or too long."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.", field="password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError("Mật khẩu quá dài.", field="password")


def set_password(session: Session, person: Person, password: str, *, actor: Person | None = None) -> None:
    """Check the policy, store a new hash and record it in the audit log; commits."""
    check_password_policy(password)
    person.password_hash = hash_password(password)
    session.add(person)
    audit.record(session, actor.id if actor else None, "set_password", "person", person.id)
    session.commit()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_api_token(session: Session, person: Person, name: str = "", *, actor: Person | None = None) -> str:
    """Make a bearer token for ``person``; returns the plaintext, which is not kept anywhere. Commits."""
    name = refuse_nul(name, "name", "Tên mã truy cập").strip()
    if len(name) > 100:
        raise ValidationError("Tên mã truy cập quá dài (tối đa 100 ký tự).", field="name")
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
