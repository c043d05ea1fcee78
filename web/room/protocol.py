"""The signalling protocol's messages: limits, validation of what clients send, error codes and close codes.

Every client message is a JSON object with a ``type``; each type's fields are checked here, before anything
acts on them, so a malformed message never reaches the room. See docs/signalling.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable
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
    "not_connected": N_("Điểm cầu này chưa kết nối hình và tiếng nên chưa thể phát biểu."),
    "already_voted": N_("Anh/chị đã biểu quyết; mỗi điểm cầu (hoặc mỗi người) chỉ biểu quyết một lần."),
    "vote_closed": N_("Cuộc biểu quyết này đã kết thúc hoặc không tồn tại."),
    "vote_open": N_("Đang có một cuộc biểu quyết chưa kết thúc."),
    "bad_vote": N_("Câu hỏi và các phương án biểu quyết không được để trống hay trùng nhau."),
    "bad_choice": N_("Phương án biểu quyết không hợp lệ."),
    "not_voter": N_("Anh/chị không thuộc đối tượng biểu quyết lần này."),
    "roll_call_closed": N_("Chủ trì chưa mở điểm danh hoặc đã kết thúc điểm danh."),
    "not_site": N_("Chỉ điểm cầu được mời mới điểm danh."),
    "connected_absent": N_(
        "Điểm cầu đang kết nối hình và tiếng với cuộc họp nên không thể báo vắng mặt. "
        "Nếu người dự tại điểm cầu vắng, hãy báo chủ trì để chủ trì sửa điểm danh."
    ),
    "unknown_item": N_("Không có nội dung này trong chương trình họp."),
    "recording_confidential": N_("Cuộc họp mật không được ghi hình, trừ khi chủ trì quyết định ghi."),
    "recording_unavailable": N_("Chưa ghi hình được lúc này."),
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


def _nothing(m: dict[str, Any]) -> None:
    return None


ROLL_CALL_STATUSES = ("online", "in_person", "absent")
MAX_HEADCOUNT = 10_000
MAX_VOTE_OPTIONS = 10


def _integer(m: dict[str, Any], name: str, low: int, high: int, *, optional: bool = False) -> None:
    value = m.get(name)
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _bad()


def _roll_call_answer(m: dict[str, Any]) -> None:
    if m.get("status") not in ROLL_CALL_STATUSES:
        raise _bad()
    _integer(m, "headcount", 0, MAX_HEADCOUNT, optional=True)
    if m.get("reason") is None:
        m["reason"] = ""
    _string(m, "reason", 500)


def _vote_open(m: dict[str, Any]) -> None:
    _string(m, "question", 500)
    options = m.get("options")
    if not isinstance(options, list) or not 2 <= len(options) <= MAX_VOTE_OPTIONS:
        raise _bad()
    if not all(isinstance(o, str) and 0 < len(o) <= 200 for o in options):
        raise _bad()
    if m.get("per") not in ("site", "person"):
        raise _bad()


def _participant(m: dict[str, Any], *, optional: bool = False) -> None:
    _string(m, "participant", 64, optional=optional)


def _value_for(m: dict[str, Any]) -> None:
    """A flag for a participant: allow_share, mute, co_chair."""
    _flag(m, "value")
    _participant(m)


def _mode(m: dict[str, Any]) -> None:
    if m.get("value") not in ("chaired", "open"):
        raise _bad()


def _roll_call_set(m: dict[str, Any]) -> None:
    _integer(m, "site", 1, 2**31)
    _roll_call_answer(m)


def _record(m: dict[str, Any]) -> None:
    _flag(m, "value")
    m.setdefault("override", False)
    _flag(m, "override")


# The fields of each chair action (issue 6 added all but the first four).
CHAIR_FIELDS: dict[str, Callable[[dict[str, Any]], None]] = {
    "open": _nothing,
    "close": _nothing,
    "allow_share": _value_for,
    "auto_open": lambda m: _flag(m, "value"),
    "floor": lambda m: _participant(m, optional=True),
    "mode": _mode,
    "mute": _value_for,
    "mute_all": _nothing,
    "agenda": lambda m: _integer(m, "item", 1, 2**31, optional=True),
    "roll_call": lambda m: _flag(m, "value"),
    "roll_call_set": _roll_call_set,
    "vote_open": _vote_open,
    "vote_close": lambda m: _integer(m, "vote", 1, 2**63),
    "record": _record,
    "co_chair": _value_for,
}
CHAIR_ACTIONS = frozenset(CHAIR_FIELDS)


def _chair(m: dict[str, Any]) -> None:
    action = m.get("action")
    if not isinstance(action, str) or action not in CHAIR_FIELDS:
        raise _bad()
    CHAIR_FIELDS[action](m)


def _vote(m: dict[str, Any]) -> None:
    _integer(m, "vote", 1, 2**63)
    _integer(m, "choice", 0, MAX_VOTE_OPTIONS - 1)


VALIDATORS = {
    "join": _join,
    "offer": _offer,
    "chat": _chat,
    "media_state": _media_state,
    "hand": _hand,
    "screen": _screen,
    "stats": _stats,
    "chair": _chair,
    "roll_call": _roll_call_answer,
    "vote": _vote,
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
