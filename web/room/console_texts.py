"""Texts the room page's script shows for the chair's console and the sites' side of it (issue 6): the floor,
muting, the agenda, the roll call, votes and recording. Merged into the page's script texts by ``pages.py``;
translated for each page like the others. ``%(name)s`` placeholders are filled in by the script.
"""

from __future__ import annotations

from web.i18n import N_

CONSOLE_TEXTS = {
    # Sites on the console.
    "state_lobby": N_("Đang chờ"),
    "state_connected": N_("Đã kết nối"),
    "state_weak": N_("Đường truyền yếu"),
    "state_absent": N_("Chưa vào"),
    "people_n": N_("%(n)s người"),
    "present_names": N_("Trong phòng: %(names)s"),
    "invited_names": N_("Được mời: %(names)s"),
    "site_pc": N_("máy của điểm cầu"),
    "stats_rtt": N_("Trễ %(n)s ms"),
    "stats_loss": N_("Mất gói %(n)s"),
    "stats_fps": N_("%(n)s hình/giây"),
    "stats_weak_line": N_("Đường truyền yếu: đang nhận hình nhỏ"),
    "no_sites": N_("Cuộc họp chưa mời điểm cầu nào."),
    "others": N_("Người dự khác"),
    # The floor.
    "give_floor": N_("Cho phát biểu"),
    "take_floor": N_("Thu lại"),
    "floor_holder": N_("Đang phát biểu: %(name)s"),
    "floor_none": N_("Chưa giao quyền phát biểu cho ai."),
    "queue_empty": N_("Chưa có điểm cầu nào xin phát biểu."),
    "mute_one": N_("Tắt tiếng"),
    "unmute_one": N_("Bật tiếng"),
    "mode_is_chaired": N_("Chế độ điều hành: chỉ chủ trì và điểm cầu được giao phát biểu mới được nghe."),
    "mode_is_open": N_("Chế độ tự do: mọi điểm cầu đều được nghe."),
    "confirm_mute_all": N_("Tắt tiếng tất cả các điểm cầu (trừ chủ trì)?"),
    "floor_flag": N_("Được phát biểu"),
    "muted_flag": N_("Bị tắt tiếng"),
    "cochair_flag": N_("Đồng chủ trì"),
    "cochair_make": N_("Cử làm đồng chủ trì"),
    "cochair_remove": N_("Thôi đồng chủ trì"),
    "cochair_none": N_("Chưa có ai khác trong phòng để cử làm đồng chủ trì."),
    # The site's own state.
    "you_floor": N_("Anh/chị đang được phát biểu: mọi điểm cầu đang nghe điểm cầu này."),
    "muted_by_chair": N_("Chủ trì đã tắt tiếng điểm cầu này: các điểm cầu khác không nghe thấy anh/chị."),
    "chaired_note": N_(
        "Cuộc họp đang ở chế độ điều hành: chỉ chủ trì và điểm cầu được giao phát biểu mới được nghe. "
        "Bấm «Xin phát biểu» để chủ trì cho phép."
    ),
    "mic_blocked": N_(
        "Bật micrô ở máy này không làm các điểm cầu khác nghe thấy anh/chị: chủ trì quyết định ai được nghe. "
        "Hãy bấm «Xin phát biểu»."
    ),
    "hand_queued": N_("Đã xin phát biểu, thứ tự %(n)s"),
    # The agenda.
    "agenda_presenter": N_("Trình bày: %(name)s"),
    "agenda_time": N_("%(used)s / %(planned)s phút"),
    "agenda_over": N_("Quá giờ"),
    # The roll call.
    "rc_online": N_("Dự trực tuyến"),
    "rc_in_person": N_("Dự trực tiếp"),
    "rc_absent": N_("Vắng mặt"),
    "rc_none": N_("Chưa điểm danh"),
    "rc_reason": N_("Lý do: %(reason)s"),
    "rc_total": N_("Tổng số người dự: %(n)s"),
    "rc_counts": N_("%(online)s trực tuyến · %(in_person)s trực tiếp · %(absent)s vắng · %(none)s chưa điểm danh"),
    "rc_open": N_("Mở điểm danh"),
    "rc_close": N_("Kết thúc điểm danh"),
    "rc_is_open": N_("Đang điểm danh"),
    "rc_is_closed": N_("Điểm danh chưa mở hoặc đã kết thúc."),
    "rc_correct": N_("Sửa"),
    "rc_save": N_("Lưu"),
    "rc_cancel": N_("Huỷ"),
    "rc_corrected": N_("chủ trì đã sửa"),
    "rc_sent": N_("Đã gửi điểm danh: %(answer)s"),
    "rc_need_reason": N_("Hãy ghi lý do vắng mặt."),
    "rc_need_headcount": N_("Hãy ghi số người dự tại điểm cầu."),
    "rc_absent_connected": N_("Điểm cầu đang kết nối với cuộc họp nên không báo vắng mặt."),
    # Votes.
    "vote_option": N_("Phương án %(n)s"),
    "vote_yes": N_("Tán thành"),
    "vote_no": N_("Không tán thành"),
    "vote_abstain": N_("Không có ý kiến"),
    "vote_answered": N_("Đã trả lời: %(n)s"),
    "vote_need_question": N_("Hãy nhập nội dung cần biểu quyết."),
    "vote_need_options": N_("Cần từ 2 đến 10 phương án."),
    "vote_done": N_("Đã biểu quyết: %(choice)s"),
    "vote_total": N_("Tổng số phiếu: %(n)s"),
    "vote_per_site": N_("mỗi điểm cầu một phiếu"),
    "vote_per_person": N_("mỗi người một phiếu"),
    "confirm_vote_close": N_("Kết thúc biểu quyết và công bố kết quả cho tất cả các điểm cầu?"),
    # Recording.
    "rec_start": N_("Bắt đầu ghi hình"),
    "rec_stop": N_("Dừng ghi hình"),
    "rec_on": N_("Đang ghi hình"),
    "rec_off": N_("Không ghi hình"),
    "confirm_rec_confidential": N_(
        "Đây là cuộc họp mật, theo quy định không được ghi hình. Chủ trì vẫn quyết định ghi hình? "
        "Quyết định này được ghi vào nhật ký cuộc họp."
    ),
}
