"""The links a meeting mail carries: where a site joins the meeting, and where a recipient answers the
invitation.

The reply link is signed with the application's secret (itsdangerous) and names the meeting and the
respondent (``site:<id>`` or ``person:<id>``); it expires when the meeting ends. Whoever holds the mail
may answer for its recipient — the same trust as the mail itself — and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer

from meetings.errors import DomainError
from web.room.tokens import JoinGrant, make_token

REPLY_SALT = "giaoban.invitation-reply.v1"


def join_url(
    base_url: str, meeting_id: int, site_id: int | None, *, secret_key: str, meeting_end: datetime, link_minutes: int
) -> str:
    """The link a recipient uses to join the meeting.

    A site gets its meeting-room PC's signed join link (no log-in; it expires ``link_minutes`` after the
    meeting's scheduled end), the same link the meeting page shows. A person invited by name gets the
    meeting's page, where they log in and join.
    """
    if site_id is None:
        return f"{base_url.rstrip('/')}/meetings/{meeting_id}"
    grant = JoinGrant("site", meeting_id, site_id, None, meeting_end + timedelta(minutes=link_minutes))
    return f"{base_url.rstrip('/')}/join/{make_token(secret_key, grant)}"


def meeting_url(base_url: str, meeting_id: int) -> str:
    """The meeting's page (its documents are there; log-in needed)."""
    return f"{base_url.rstrip('/')}/meetings/{meeting_id}"


def document_url(base_url: str, meeting_id: int, document_id: int, join: str = "") -> str:
    """Where a mail's reader downloads a document it links: through a site's join link (the meeting-room PC
    has no log-in), else from the meeting's page (log-in needed)."""
    if "/join/" in join:
        return f"{join}/documents/{document_id}"
    return f"{base_url.rstrip('/')}/meetings/{meeting_id}/documents/{document_id}"


class InvalidReplyLink(DomainError):
    status_code = 404


@dataclass(frozen=True)
class ReplyLink:
    meeting_id: int
    respondent: str


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=REPLY_SALT)


def reply_token(secret_key: str, meeting_id: int, respondent: str, expires: datetime) -> str:
    return _serializer(secret_key).dumps({"m": meeting_id, "r": respondent, "x": int(expires.timestamp())})


def reply_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/reply/{token}"


def read_reply_token(secret_key: str, token: str, *, now: datetime) -> ReplyLink:
    """The meeting and respondent a reply link names; InvalidReplyLink when it is forged, damaged or
    expired."""
    try:
        data = _serializer(secret_key).loads(token)
    except BadSignature:
        raise InvalidReplyLink(
            "Đường dẫn trả lời không đúng hoặc đã bị sửa. Hãy mở lại đường dẫn trong thư mời."
        ) from None
    if not isinstance(data, dict):
        raise InvalidReplyLink("Đường dẫn trả lời không đúng.")
    meeting_id, respondent, expires = data.get("m"), data.get("r"), data.get("x")
    if not isinstance(meeting_id, int) or not isinstance(respondent, str) or not isinstance(expires, int):
        raise InvalidReplyLink("Đường dẫn trả lời không đúng.")
    if now.timestamp() > expires:
        raise InvalidReplyLink("Đường dẫn trả lời đã hết hạn: cuộc họp đã kết thúc.")
    return ReplyLink(meeting_id=meeting_id, respondent=respondent)
