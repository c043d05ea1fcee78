"""Text the domain keeps: never with a NUL character.

PostgreSQL refuses NUL in text outright (the whole statement fails), and nobody types one: it comes from a
broken file, a bad export or a probe. So every cleaning function refuses it with an error naming the field,
whatever the way in (page, API, import file, command line), rather than letting the database fail later.
"""

from __future__ import annotations

from meetings.errors import N_, ValidationError, as_message

NUL = "\x00"


def refuse_nul(value: str, field: str, label: str) -> str:
    """``value`` unchanged, or a ValidationError on ``field`` (``label`` is its name for people)."""
    if NUL in value:
        raise ValidationError(
            N_("%(label)s chứa ký tự NUL (\\u0000), không lưu được."), field=field, label=as_message(label)
        )
    return value


def shown(value: str) -> str:
    """``value`` fit to quote in a message: a NUL written as ``\\u0000`` rather than sent to a terminal."""
    return value.replace(NUL, "\\u0000")
