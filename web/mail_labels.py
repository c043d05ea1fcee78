"""Names shown for the outbox's and the replies' values, marked for the catalog (English via Babel)."""

from __future__ import annotations

from meetings.outbox import OutboxItem
from web.i18n import N_

PURPOSE_NAMES: dict[str, str] = {
    "invitation": N_("Giấy mời"),
    "update": N_("Thông báo thay đổi"),
    "cancellation": N_("Thông báo huỷ"),
    "reminder": N_("Nhắc lịch họp"),
    "record": N_("Văn bản sau cuộc họp"),
    "deputy": N_("Ý kiến về người dự thay"),
    "documents": N_("Tài liệu họp"),
}

STATUS_NAMES: dict[str, str] = {
    "pending": N_("Chờ gửi"),
    "sending": N_("Đang gửi"),
    "retrying": N_("Chờ gửi lại"),
    "delivered": N_("Máy chủ thư đã nhận"),
    "failed": N_("Bị từ chối"),
    "dead": N_("Đã ngừng thử"),
}

ANSWER_NAMES: dict[str, str] = {
    "attend": N_("Tham dự"),
    "decline": N_("Báo vắng"),
    "deputy": N_("Cử người dự thay"),
}

DECISION_NAMES: dict[str, str] = {
    "pending": N_("Chờ chủ trì cho ý kiến"),
    "accepted": N_("Chủ trì đồng ý"),
    "refused": N_("Chủ trì không đồng ý"),
}


def shown_status(item: OutboxItem) -> str:
    """The status a person reads: a pending item is sending (it has a lease) or waiting to retry."""
    if item.status == "pending":
        if item.claimed_by is not None:
            return "sending"
        if item.attempts > 0:
            return "retrying"
    return item.status
