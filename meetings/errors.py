"""Errors a user can cause. The web layer turns each into a 4xx response in one place."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

# What a message's parameters may be: texts already written out (names, titles, dates) and numbers.
Param = str | int


class Message(str):
    """A message in Vietnamese that remembers the template it was filled from, and with what.

    It is the filled Vietnamese text in every respect (``str(exc)``, comparisons, logs), so the domain and
    its tests read it as before; the web layer looks ``template`` up in the catalog and fills the
    translation with ``params`` instead. A template is marked with ``N_`` where it is written (so it is
    extracted into the catalog) and uses ``%(name)s`` placeholders.
    """

    template: str
    params: Mapping[str, Param]

    def __new__(cls, template: str, params: Mapping[str, Param] | None = None) -> Message:
        params = dict(params or {})
        self = super().__new__(cls, template % params if params else template)
        self.template = template
        self.params = params
        return self


def as_message(text: str) -> Message:
    """``text`` as a message to look up where shown: a field's name from the pages' catalog, say."""
    return text if isinstance(text, Message) else Message(text)


def joined(items: Sequence[Param], separator: str = ", ") -> Message:
    """``items`` one after the other, each translated where shown when it is a message (a list of states)."""
    template = separator.join(f"%(i{n})s" for n in range(len(items)))
    return Message(template, {f"i{n}": item for n, item in enumerate(items)})


def N_(message: str) -> str:
    """Marks a text for the catalog where it is written; it is translated where it is shown."""
    return message


class DomainError(Exception):
    """A request the domain refuses, with a message a person can act on.

    ``field`` names the form field the error belongs to, when there is one, so pages can show the
    message beside it. Keyword parameters fill the message's ``%(name)s`` placeholders:
    ``RuleViolation(N_("... cuộc họp «%(title)s» ..."), title=other.title, field="chair_id")``.
    """

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, **params: Param) -> None:
        self.message = Message(message, params)
        super().__init__(str(self.message))
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
