"""People, their roles and their credentials."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Column, Field, SQLModel

from meetings.types import UTCDateTime, utcnow


class Role(StrEnum):
    ADMINISTRATOR = "administrator"
    CHAIR = "chair"
    SECRETARY = "secretary"
    SITE_OFFICIAL = "site_official"
    SITE_OPERATOR = "site_operator"


class Person(SQLModel, table=True):
    """An official; also the account they log in with."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=80, unique=True, index=True)
    full_name: str = Field(max_length=200)
    position: str = Field(default="", max_length=200)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    email: str = Field(default="", max_length=254)
    telephone: str = Field(default="", max_length=50)
    # Space-separated Role values; a person may hold several.
    roles: str = Field(default="", max_length=200)
    language: str = Field(default="vi", max_length=5)
    password_hash: str = Field(default="", max_length=200)
    active: bool = True

    def role_set(self) -> frozenset[Role]:
        return frozenset(Role(r) for r in self.roles.split() if r)

    def has_role(self, role: Role) -> bool:
        return role in self.role_set()


class ApiToken(SQLModel, table=True):
    """A bearer token for integrations; only its hash is kept."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    last_used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
