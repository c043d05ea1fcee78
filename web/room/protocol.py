"""The signalling protocol's messages: limits, validation of what clients send, error codes and close codes.

Every client message is a JSON object with a ``type``; each type's fields are checked here, before anything
acts on them, so a malformed message never reaches the room. See docs/signalling.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from web.i18n import N_
from web.room.layout import SLOT_ROLES, TRACK_ROLES

# Limits. An offer with every slot a room page asks for is about 20 KB with VP8 and Opus only.
MAX_MESSAGE_BYTES = 64 * 1024
MAX_SDP_BYTES = 60 * 1024
MAX_CHAT_CHARS = 500
MAX_THUMBS = 20  # with the other slots, stays under the media server's 32 m-lines
JOIN_TIMEOUT = 10.0  # seconds to send "join" after connecting
CONNECT_TIMEOUT = 20.0  # seconds for the media connection to come up after the answer
FLOOD_MESSAGES = 200  # messages per FLOOD_WINDOW seconds before the connection is closed
FLOOD_WINDOW = 10.0
CHAT_BURST = 5  # chat messages per CHAT_WINDOW seconds
CHAT_WINDOW = 10.0

# Close codes (4000-4999 are the application's).
CLOSE_NORMAL = 1000
CLOSE_TOO_BIG = 1009
CLOSE_BAD_MESSAGE = 4400
CLOSE_REFUSED = 4403
CLOSE_TIMEOUT = 4408
CLOSE_REPLACED = 4409
CLOSE_ENDED = 4410
CLOSE_FLOOD = 4429
CLOSE_UNAVAILABLE = 4503
# After these the client must not reconnect by itself.
FINAL_CLOSE_CODES = frozenset({CLOSE_REFUSED, CLOSE_REPLACED, CLOSE_ENDED})

TEXTS = {
    "too_big": N_("Tin nhắn gửi lên quá lớn."),
    "malformed": N_("Tin nhắn không đúng định dạng."),
    "unknown_type": N_("Loại tin nhắn không được hỗ trợ."),
    "join_first": N_("Cần gửi yêu cầu vào phòng trước."),
    "join_timeout": N_("Quá thời gian chờ yêu cầu vào phòng."),
    "flood": N_("Gửi quá nhiều tin nhắn trong thời gian ngắn."),
    "bad_offer": N_("Không thiết lập được kết nối hình và tiếng: mô tả kết nối (SDP) không hợp lệ."),
    "lobby": N_("Cuộc họp chưa bắt đầu: vui lòng chờ chủ trì mở cuộc họp."),
    "media_unavailable": N_("Máy chủ hình và tiếng đang khởi động lại, vui lòng chờ giây lát."),
    "media_timeout": N_("Kết nối hình và tiếng không thông: đang thử lại."),
    "not_chair": N_("Chỉ chủ trì được làm việc này."),
    "share_not_allowed": N_("Chủ trì chưa cho phép điểm cầu này chia sẻ màn hình."),
    "chat_too_fast": N_("Anh/chị gửi tin nhắn quá nhanh, vui lòng chờ một chút."),
    "chat_empty": N_("Tin nhắn trống."),
    "chat_too_long": N_("Tin nhắn dài quá 500 ký tự."),
    "unknown_participant": N_("Không có điểm cầu này trong phòng."),
    "replaced": N_("Điểm cầu này vừa vào phòng từ một máy khác, nên máy này đã rời phòng."),
    "replaced_notice": N_("%(name)s vừa vào lại phòng từ một máy khác."),
    "ended": N_("Chủ trì đã kết thúc cuộc họp. Cảm ơn anh/chị đã tham dự."),
    "closed_unavailable": N_("Máy chủ đang bận, vui lòng thử lại sau."),
}


@dataclass
class ProtocolError(Exception):
    """A message refused: ``code`` names the reason; ``close`` the close code when the connection must end."""

    code: str
    close: int | None = None

    def __str__(self) -> str:
        return self.code


def error(code: str, message: str) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message}


def decode(raw: str | bytes | None) -> dict[str, Any]:
    """One client message, parsed and its envelope checked (size, JSON object, a known type)."""
    if not isinstance(raw, str):
        raise ProtocolError("malformed", CLOSE_BAD_MESSAGE)  # binary frames are not part of the protocol
    if len(raw) > MAX_MESSAGE_BYTES or len(raw.encode("utf-8", "surrogatepass")) > MAX_MESSAGE_BYTES:
        raise ProtocolError("too_big", CLOSE_TOO_BIG)
    try:
        message = json.loads(raw)
    except (ValueError, RecursionError):
        raise ProtocolError("malformed", CLOSE_BAD_MESSAGE) from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise ProtocolError("malformed", CLOSE_BAD_MESSAGE)
    if message["type"] not in VALIDATORS:
        raise ProtocolError("unknown_type", CLOSE_BAD_MESSAGE)
    VALIDATORS[message["type"]](message)
    return message


def _bad() -> ProtocolError:
    return ProtocolError("malformed", CLOSE_BAD_MESSAGE)


def _string(message: dict[str, Any], name: str, max_length: int, *, optional: bool = False) -> None:
    value = message.get(name)
    if value is None and optional:
        return
    if not isinstance(value, str) or len(value) > max_length:
        raise _bad()


def _flag(message: dict[str, Any], name: str) -> None:
    if not isinstance(message.get(name), bool):
        raise _bad()


def _number(message: dict[str, Any], name: str, low: float, high: float) -> None:
    value = message.get(name)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise _bad()


def _roles(value: object, allowed: tuple[str, ...], *, empty: bool = False) -> dict[str, str]:
    """A mid -> role mapping as the client declares it (``empty``: may declare none)."""
    if not isinstance(value, dict) or not (0 if empty else 1) <= len(value) <= 40:
        raise _bad()
    for mid, role in value.items():
        if not isinstance(mid, str) or not 0 < len(mid) <= 32 or role not in allowed:
            raise _bad()
    return value


def _join(m: dict[str, Any]) -> None:
    _string(m, "token", 1000)
    _string(m, "client", 300, optional=True)


def _offer(m: dict[str, Any]) -> None:
    _string(m, "sdp", MAX_SDP_BYTES)
    tracks = _roles(m.get("tracks"), TRACK_ROLES, empty=True)  # the recorder only receives
    slots = _roles(m.get("slots"), SLOT_ROLES)
    if len(set(tracks.values())) != len(tracks) or set(tracks) & set(slots):
        raise _bad()  # each published role once; a mid is either sent or received
    for role in ("main", "speaker", "screen"):
        if list(slots.values()).count(role) > 1:
            raise _bad()
    if list(slots.values()).count("thumb") > MAX_THUMBS or list(slots.values()).count("audio") > 8:
        raise _bad()


def _chat(m: dict[str, Any]) -> None:
    _string(m, "text", 4 * MAX_CHAT_CHARS)


def _media_state(m: dict[str, Any]) -> None:
    _flag(m, "audio")
    _flag(m, "video")


def _hand(m: dict[str, Any]) -> None:
    _flag(m, "raised")


def _screen(m: dict[str, Any]) -> None:
    _flag(m, "on")


def _stats(m: dict[str, Any]) -> None:
    _number(m, "rtt_ms", 0, 60_000)
    _number(m, "loss", 0, 1)
    _number(m, "fps", 0, 1000)
    _number(m, "bitrate_in", 0, 1e10)


CHAIR_ACTIONS = frozenset({"open", "close", "allow_share", "auto_open"})


def _chair(m: dict[str, Any]) -> None:
    if m.get("action") not in CHAIR_ACTIONS:
        raise _bad()
    if m["action"] in ("allow_share", "auto_open"):
        _flag(m, "value")
    if m["action"] == "allow_share":
        _string(m, "participant", 64)


def _nothing(m: dict[str, Any]) -> None:
    return None


VALIDATORS = {
    "join": _join,
    "offer": _offer,
    "chat": _chat,
    "media_state": _media_state,
    "hand": _hand,
    "screen": _screen,
    "stats": _stats,
    "chair": _chair,
    "ping": _nothing,
    "leave": _nothing,
}


def clean_chat(text: str) -> str:
    """Chat text as shown: control characters removed, whitespace runs kept short; ProtocolError when empty
    or too long (not fatal)."""
    cleaned = "".join(ch for ch in text if ch in "\n\t" or (ch.isprintable() and ch != "\x00")).strip()
    if not cleaned:
        raise ProtocolError("chat_empty")
    if len(cleaned) > MAX_CHAT_CHARS:
        raise ProtocolError("chat_too_long")
    return cleaned
