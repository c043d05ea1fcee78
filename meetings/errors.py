"""Errors a user can cause. The web layer turns each into a 4xx response in one place."""

from __future__ import annotations


class DomainError(Exception):
    """A request the domain refuses, with a message a person can act on.

    ``field`` names the form field the error belongs to, when there is one, so pages can show the
    message beside it.
    """

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationError(DomainError):
    status_code = 422


class RuleViolation(DomainError):
    """A meeting rule (notice period, double booking, ...) is broken."""

    status_code = 409


class NotFound(DomainError):
    status_code = 404


class Forbidden(DomainError):
    status_code = 403


class Conflict(DomainError):
    status_code = 409
