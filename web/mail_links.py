"""The links a meeting mail carries: where a site joins the meeting, and where a recipient answers the
invitation.

The reply link is signed with the application's secret (itsdangerous) and names the meeting and the
respondent (``site:<id>`` or ``person:<id>``); it expires when the meeting ends. Whoever holds the mail
may answer for its recipient — the same trust as the mail itself — and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from itsdangerous import BadSignature, URLSafeSerializer

from meetings.errors import DomainError

REPLY_SALT = "giaoban.invitation-reply.v1"


def join_url(base_url: str, meeting_id: int, site_id: int | None) -> str:
    """The link a site uses to join the meeting.

    For now the meeting's page (the person logs in and joins from there). The media issues replace this
    with the room's signed per-site join link; every mail takes its link from here.
    """
    return f"{base_url.rstrip('/')}/meetings/{meeting_id}"


def document_url(base_url: str, meeting_id: int, document_id: int) -> str:
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
