"""Names shown for the domain's enumerations, marked for the catalog so English pages translate them.

Kinds and states repeat the domain's own Vietnamese labels (tests/web check they stay equal); roles
and levels have no labels in the domain.
"""

from __future__ import annotations

from meetings.meeting import MeetingKind, MeetingState
from meetings.people import Role
from meetings.units import UnitLevel
from web.i18n import N_

KIND_NAMES: dict[MeetingKind, str] = {
    MeetingKind.ADVISORY: N_("Họp tham mưu, tư vấn"),
    MeetingKind.RESOLUTION: N_("Họp giải quyết công việc"),
    MeetingKind.PROFESSIONAL: N_("Họp chuyên môn"),
    MeetingKind.BRIEFING: N_("Họp giao ban"),
    MeetingKind.REVIEW: N_("Họp sơ kết, tổng kết"),
}

STATE_NAMES: dict[MeetingState, str] = {
    MeetingState.DRAFT: N_("Dự thảo"),
    MeetingState.PUBLISHED: N_("Đã phát hành giấy mời"),
    MeetingState.LIVE: N_("Đang họp"),
    MeetingState.ENDED: N_("Đã kết thúc"),
    MeetingState.MINUTES_APPROVED: N_("Đã duyệt biên bản"),
    MeetingState.FILED: N_("Đã lưu hồ sơ"),
    MeetingState.CANCELLED: N_("Đã huỷ"),
}

ROLE_NAMES: dict[Role, str] = {
    Role.ADMINISTRATOR: N_("Quản trị viên"),
    Role.CHAIR: N_("Chủ trì (lãnh đạo)"),
    Role.SECRETARY: N_("Thư ký"),
    Role.SITE_OFFICIAL: N_("Cán bộ dự họp tại điểm cầu"),
    Role.SITE_OPERATOR: N_("Cán bộ kỹ thuật điểm cầu"),
}

LEVEL_NAMES: dict[UnitLevel, str] = {
    UnitLevel.PROVINCE: N_("Cấp tỉnh"),
    UnitLevel.DISTRICT: N_("Cấp huyện"),
    UnitLevel.COMMUNE: N_("Cấp xã"),
}

AUDIT_ACTIONS: dict[str, str] = {
    "create": N_("Tạo"),
    "add": N_("Thêm"),
    "update": N_("Sửa"),
    "publish": N_("Phát hành"),
    "cancel": N_("Huỷ"),
    "start": N_("Bắt đầu họp"),
    "end": N_("Kết thúc họp"),
    "approve_minutes": N_("Duyệt biên bản"),
    "issue_minutes": N_("Phát hành biên bản"),
    "restore_minutes": N_("Khôi phục phiên bản biên bản"),
    "start_conclusion": N_("Soạn thông báo kết luận"),
    "issue_conclusion": N_("Ban hành thông báo kết luận"),
    "file": N_("Lưu hồ sơ"),
    "delete": N_("Xoá"),
    "set_password": N_("Đặt mật khẩu"),
    "revoke_tokens": N_("Thu hồi mã truy cập"),
    "retry": N_("Gửi lại thư"),
    "resend": N_("Gửi lại thư"),
    "reply": N_("Trả lời giấy mời"),
    "decide_deputy": N_("Cho ý kiến về người dự thay"),
    "number_invitation": N_("Cấp số giấy mời"),
    "issue_invitation": N_("Ban hành giấy mời"),
    "supersede_invitation": N_("Thay thế giấy mời"),
    "send_documents": N_("Gửi tài liệu cho các điểm cầu"),
    "room_auto_open": N_("Đặt chế độ tự mở cuộc họp"),
    "set_numbering": N_("Đặt cách cấp số văn bản"),
    "import": N_("Nhập danh bạ"),
}

OBJECT_TYPES: dict[str, str] = {
    "meeting": N_("Cuộc họp"),
    "unit": N_("Đơn vị"),
    "site": N_("Điểm cầu"),
    "person": N_("Người dùng"),
    "api_token": N_("Mã truy cập API"),
    "holiday": N_("Ngày nghỉ lễ"),
    "makeup_day": N_("Ngày làm bù"),
    "document": N_("Tài liệu"),
    "outbox_item": N_("Thư đi"),
    "minutes": N_("Biên bản"),
    "directory": N_("Danh bạ"),
}
