"""Join tokens: who may enter which room, signed with the application's secret, with an expiry.

Three kinds, all bound to what they name:

- ``site``: the join link of an invited site's meeting-room PC (it goes out with the invitation, so it lasts
  until ``join_token_minutes`` after the meeting's scheduled end);
- ``person``: given to a logged-in person by the room page, bound to the meeting, the seat's site (if any)
  and the person; lasts ``join_token_minutes``;
- ``rehearsal``: a site's test room, for its PC (from its join link) or a logged-in person;
- ``recorder``: the meeting's recorder process (``web.room.recording``), on a hidden seat; made when the chair
  starts recording and handed to the process only, never shown; lasts ``RECORDER_HOURS``.

The token only says who the bearer is; what it may do is decided again from the database on every join (the
site may have been removed from the invitation, the meeting cancelled, the person's account closed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from itsdangerous import BadSignature, URLSafeSerializer

from meetings.errors import DomainError
from meetings.meeting import Meeting
from meetings.units import Site
from web.i18n import N_
from web.settings import Settings

SALT = "giaoban.room-join.v1"
Kind = Literal["site", "person", "rehearsal", "recorder"]
KINDS: frozenset[str] = frozenset({"site", "person", "rehearsal", "recorder"})
RECORDER_HOURS = 12  # a recording's longest run (the recorder joins again with it after a network cut)


class JoinRefused(DomainError):
    """A join token that is forged, damaged, expired, or names what it may not enter."""

    status_code = 403


FORGED = N_(
    "Đường dẫn vào phòng họp không hợp lệ (có thể đã bị sửa hoặc chép thiếu). Hãy mở đúng đường dẫn trong giấy mời."
)
EXPIRED = N_("Đường dẫn vào phòng họp đã hết hạn. Hãy xin đường dẫn mới từ thư ký cuộc họp.")


@dataclass(frozen=True)
class JoinGrant:
    kind: Kind
    meeting_id: int | None
    site_id: int | None
    person_id: int | None
    expires: datetime


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=SALT)


def make_token(secret_key: str, grant: JoinGrant) -> str:
    payload = {
        "k": grant.kind,
        "m": grant.meeting_id,
        "s": grant.site_id,
        "p": grant.person_id,
        "x": int(grant.expires.timestamp()),
    }
    return _serializer(secret_key).dumps(payload)


def _optional_id(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise JoinRefused(FORGED)
    return value


def read_token(secret_key: str, token: object, *, now: datetime) -> JoinGrant:
    """What a token grants; JoinRefused when it is forged, damaged or expired."""
    if not isinstance(token, str) or not token or len(token) > 1000:
        raise JoinRefused(FORGED)
    try:
        data = _serializer(secret_key).loads(token)
    except BadSignature:
        raise JoinRefused(FORGED) from None
    if not isinstance(data, dict) or data.get("k") not in KINDS or not isinstance(data.get("x"), int):
        raise JoinRefused(FORGED)
    grant = JoinGrant(
        kind=data["k"],
        meeting_id=_optional_id(data, "m"),
        site_id=_optional_id(data, "s"),
        person_id=_optional_id(data, "p"),
        expires=datetime.fromtimestamp(data["x"], UTC),
    )
    if now >= grant.expires:
        raise JoinRefused(EXPIRED)
    return grant


def read_site_token(secret_key: str, token: object, *, now: datetime) -> JoinGrant:
    """A site's join link (its meeting-room PC): JoinRefused unless it is one, for a meeting and a site."""
    grant = read_token(secret_key, token, now=now)
    if grant.kind != "site" or grant.meeting_id is None or grant.site_id is None:
        raise JoinRefused(FORGED)
    return grant


def site_link_expiry(settings: Settings, meeting: Meeting) -> datetime:
    return meeting.end_at + timedelta(minutes=settings.join_token_minutes)


def site_token(settings: Settings, secret_key: str, meeting: Meeting, site_id: int) -> str:
    assert meeting.id is not None
    grant = JoinGrant("site", meeting.id, site_id, None, site_link_expiry(settings, meeting))
    return make_token(secret_key, grant)


def join_link(settings: Settings, secret_key: str, meeting: Meeting, site: Site | int) -> str:
    """The signed join link of one invited site's meeting-room PC, for the invitation and the meeting page.

    It opens the device check and then the room, with no log-in; it expires ``join_token_minutes`` after
    the meeting's scheduled end.
    """
    site_id = site if isinstance(site, int) else site.id
    assert site_id is not None
    return f"{settings.base_url.rstrip('/')}/join/{site_token(settings, secret_key, meeting, site_id)}"


def person_token(
    settings: Settings, secret_key: str, meeting_id: int, site_id: int | None, person_id: int, *, now: datetime
) -> str:
    expires = now + timedelta(minutes=settings.join_token_minutes)
    return make_token(secret_key, JoinGrant("person", meeting_id, site_id, person_id, expires))


def rehearsal_token(settings: Settings, secret_key: str, site_id: int, person_id: int | None, *, now: datetime) -> str:
    expires = now + timedelta(minutes=settings.join_token_minutes)
    return make_token(secret_key, JoinGrant("rehearsal", None, site_id, person_id, expires))


def recorder_token(secret_key: str, meeting_id: int, *, now: datetime) -> str:
    expires = now + timedelta(hours=RECORDER_HOURS)
    return make_token(secret_key, JoinGrant("recorder", meeting_id, None, None, expires))
