"""What the mail templates are filled with: plain values, never database rows.

The domain turns a meeting (and the recipient's site) into a ``MeetingContext``, or a minutes/conclusion
record into a ``RecordContext``; a plain ``dict`` with the same keys is accepted too (``from_mapping``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from mailer.errors import InvalidMailError


@dataclass(frozen=True)
class Contact:
    """A person named in a mail: the chair, the contact person, the signer."""

    name: str
    position: str = ""
    unit: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class AgendaEntry:
    title: str
    presenter: str = ""
    minutes: int | None = None


@dataclass(frozen=True)
class DocumentLink:
    """A meeting document: attached to the mail (``attached``) or reachable at ``url``."""

    name: str
    url: str = ""
    size_bytes: int | None = None
    attached: bool = False


@dataclass(frozen=True)
class MeetingContext:
    """Everything the invitation, update, cancellation and reminder templates show.

    Times are timezone-aware; they are shown in ``timezone``. ``site_name`` and ``join_url`` are the
    recipient's own site and its link. ``changes`` (update) and ``reason`` (cancellation; the chair's note
    on a deputy) are written by the caller; ``starts_in`` is the reminder's lead time.
    """

    title: str
    start: datetime
    end: datetime
    convening_unit: str
    chair: Contact
    timezone: str = "Asia/Ho_Chi_Minh"
    number: str = ""
    kind: str = ""
    content: str = ""
    place: str = ""
    site_name: str = ""
    join_url: str = ""
    agenda: Sequence[AgendaEntry] = ()
    preparation: str = ""
    contact: Contact | None = None
    documents: Sequence[DocumentLink] = ()
    reply_url: str = ""
    recipient_name: str = ""
    signer: Contact | None = None
    urgent: bool = False
    confidential: bool = False
    changes: Sequence[str] = ()
    reason: str = ""
    starts_in: timedelta | None = None
    deputy: Contact | None = None
    """The deputy proposed (deputy mail), and whether the chair accepted them."""
    deputy_accepted: bool = False
    meeting_url: str = ""
    """The meeting's page (log-in needed), where every document can be found."""


class RecordKind(StrEnum):
    MINUTES = "minutes"
    """Biên bản cuộc họp."""
    CONCLUSION = "conclusion"
    """Thông báo kết luận."""
    OTHER = "other"
    """Any other record; ``RecordContext.label`` names it."""


@dataclass(frozen=True)
class RecordContext:
    """A record circulated after a meeting (minutes, conclusion notice, ...)."""

    kind: RecordKind
    title: str
    meeting_title: str
    meeting_start: datetime
    convening_unit: str
    timezone: str = "Asia/Ho_Chi_Minh"
    number: str = ""
    label: str = ""
    summary: str = ""
    documents: Sequence[DocumentLink] = ()
    link: str = ""
    recipient_name: str = ""
    signer: Contact | None = None
    confidential: bool = False


_NESTED: dict[str, type[Any]] = {"chair": Contact, "contact": Contact, "signer": Contact, "deputy": Contact}
_NESTED_LISTS: dict[str, type[Any]] = {"agenda": AgendaEntry, "documents": DocumentLink}

T = TypeVar("T")


def from_mapping(cls: type[T], values: Mapping[str, Any]) -> T:
    """Build ``cls`` (``MeetingContext`` or ``RecordContext``) from a dict, nested dicts included;
    unknown or missing keys raise ``InvalidMailError`` naming them."""
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(values) - names)
    if unknown:
        raise InvalidMailError(f"Khóa không dùng được trong nội dung thư: {unknown}")
    converted: dict[str, Any] = {}
    for key, value in values.items():
        if key in _NESTED and isinstance(value, Mapping):
            value = _NESTED[key](**value)
        elif key in _NESTED_LISTS:
            value = tuple(_NESTED_LISTS[key](**v) if isinstance(v, Mapping) else v for v in value)
        elif key == "kind" and cls is RecordContext:
            value = RecordKind(value)
        converted[key] = value
    try:
        return cls(**converted)
    except TypeError as exc:
        raise InvalidMailError(f"Thiếu nội dung cho thư: {exc}") from None
