"""Documents for the tests, written out by hand: a district's briefing with two of its communes."""

from __future__ import annotations

from datetime import date, datetime

from meetings.records.forms import (
    Agency,
    AgendaSection,
    AttendanceRow,
    ConclusionNotice,
    Invitation,
    Minutes,
    NumberAndSymbol,
    Signature,
)

DISTRICT = Agency(
    name="Ủy ban nhân dân huyện Hòa Vang",
    abbreviation="UBND",
    code="000.00.12.H49",
    place_name="Hòa Vang",
)
COMMUNE = Agency(name="Ủy ban nhân dân xã Hòa Tiến", abbreviation="UBND", code="000.05.12.H49", place_name="Hòa Tiến")

CHAIR = Signature(title="CHỦ TỊCH", full_name="Nguyễn Văn An", competence="TM. ỦY BAN NHÂN DÂN")


def invitation(number: int | None = 7) -> Invitation:
    return Invitation(
        DISTRICT,
        NumberAndSymbol(number, "GM", "UBND"),
        date(2026, 3, 2),
        "Họp giao ban công tác tháng 3 năm 2026",
        invitees=["Chủ tịch Ủy ban nhân dân các xã: Hòa Tiến, Hòa Sơn", "Chánh Văn phòng HĐND và UBND huyện"],
        subject="cuộc họp giao ban công tác tháng 3 năm 2026",
        chair="Đồng chí Nguyễn Văn An, Chủ tịch UBND huyện",
        start_at=datetime(2026, 3, 5, 8, 0),
        end_at=datetime(2026, 3, 5, 11, 30),
        place="Phòng họp trực tuyến UBND huyện Hòa Vang",
        online=True,
        join_link="https://giaoban.hoavang.gov.vn/hop/42",
        sites=["Điểm cầu UBND xã Hòa Tiến", "Điểm cầu UBND xã Hòa Sơn"],
        content="Đánh giá kết quả thực hiện nhiệm vụ tháng 2.\nTriển khai nhiệm vụ trọng tâm tháng 3.",
        preparation="Báo cáo kết quả thực hiện nhiệm vụ tháng 2, gửi Văn phòng trước ngày 04 tháng 3 năm 2026.",
        contact="Đồng chí Trần Thị Bình, Văn phòng HĐND và UBND huyện, điện thoại 0236 3846 123",
        signature=CHAIR,
        recipients=["Như trên;", "Lưu: VT."],
    )


def minutes(number: int | None = 5, sections: int = 2) -> Minutes:
    return Minutes(
        DISTRICT,
        NumberAndSymbol(number, "BB", "UBND"),
        date(2026, 3, 5),
        "Họp giao ban công tác tháng 3 năm 2026",
        start_at=datetime(2026, 3, 5, 8, 0),
        end_at=datetime(2026, 3, 5, 11, 30),
        place="Phòng họp trực tuyến UBND huyện Hòa Vang",
        online_sites=["UBND xã Hòa Tiến", "UBND xã Hòa Sơn"],
        chair="Đồng chí Nguyễn Văn An, Chủ tịch UBND huyện",
        secretary="Đồng chí Trần Thị Bình, Chuyên viên Văn phòng HĐND và UBND huyện",
        attendance=[
            AttendanceRow("UBND xã Hòa Tiến", "Trực tuyến", 6, "Đ/c Lê Văn Cường, Chủ tịch UBND xã"),
            AttendanceRow("UBND xã Hòa Sơn", "Vắng", None, "", "Có lý do: dự hội nghị tại tỉnh"),
        ],
        attendance_note="1/2 điểm cầu có mặt.",
        sections=[
            AgendaSection(
                f"Báo cáo kết quả thực hiện nhiệm vụ, phần {i}",
                "Văn phòng trình bày báo cáo tóm tắt.\nCác xã bổ sung ý kiến về tiến độ giải ngân vốn đầu tư công.",
                ["Đ/c Lê Văn Cường, Chủ tịch UBND xã Hòa Tiến"],
                "Tán thành 5/5 (100%)." if i == 1 else "",
            )
            for i in range(1, sections + 1)
        ],
        conclusions="Giao UBND các xã hoàn thành kế hoạch giải ngân trước ngày 15 tháng 3 năm 2026.",
        secretary_signature=Signature("THƯ KÝ", "Trần Thị Bình"),
        chair_signature=Signature("CHỦ TỌA", "Nguyễn Văn An"),
        recipients=["UBND các xã;", "Lưu: VT, hồ sơ."],
    )


def conclusion(number: int | None = 12) -> ConclusionNotice:
    return ConclusionNotice(
        DISTRICT,
        NumberAndSymbol(number, "TB", "UBND"),
        date(2026, 3, 9),
        "Kết luận của Chủ tịch UBND huyện tại cuộc họp giao ban công tác tháng 3 năm 2026",
        introduction=(
            "Ngày 05 tháng 3 năm 2026, đồng chí Nguyễn Văn An, Chủ tịch UBND huyện chủ trì cuộc họp giao ban "
            "trực tuyến với UBND các xã. Sau khi nghe báo cáo và ý kiến của các đại biểu, đồng chí Chủ tịch "
            "UBND huyện kết luận như sau:"
        ),
        conclusions=[
            "Giao UBND các xã hoàn thành kế hoạch giải ngân vốn đầu tư công trước ngày 15 tháng 3 năm 2026.",
            "Văn phòng HĐND và UBND huyện theo dõi, tổng hợp, báo cáo kết quả.",
        ],
        signature=Signature(title="CHÁNH VĂN PHÒNG", full_name="Phạm Minh Đức", competence="TL. CHỦ TỊCH"),
        recipients=["UBND các xã;", "Lưu: VT."],
    )
