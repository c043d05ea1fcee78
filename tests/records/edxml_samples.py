"""A package for the tests: the district files its briefing minutes with two communes, written by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

from meetings.records.edxml import Attachment, EdxmlPackage, Organ, Signer, TraceHeader

DISTRICT = Organ(
    organ_id="000.00.12.H49",
    name="UBND huyện Hòa Vang",
    address="Số 1 đường Hùng Vương, huyện Hòa Vang",
    email="ubnd@hoavang.gov.vn",
    telephone="0236 3846 123",
    website="hoavang.gov.vn",
    in_charge="UBND thành phố Đà Nẵng",
)
HOA_TIEN = Organ(organ_id="000.05.12.H49", name="UBND xã Hòa Tiến", email="hoatien@hoavang.gov.vn")
HOA_SON = Organ(organ_id="000.06.12.H49", name="UBND xã Hòa Sơn")

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
CSV = "\ufeffĐiểm cầu,Có mặt\r\nUBND xã Hòa Tiến,6\r\n".encode()


def minutes_package(number: str = "05", attachments: list[Attachment] | None = None) -> EdxmlPackage:
    return EdxmlPackage(
        sender=DISTRICT,
        recipients=[HOA_TIEN, HOA_SON],
        code_number=number,
        code_notation="BB-UBND",
        promulgation_place="Hòa Vang",
        promulgation_date=date(2026, 3, 5),
        document_type=1,
        type_name="Biên bản",
        subject="Biên bản họp giao ban công tác tháng 3 năm 2026",
        content="Biên bản cuộc họp giao ban trực tuyến ngày 05/3/2026",
        signer=Signer("", "Chủ tịch", "Nguyễn Văn An"),
        trace=[TraceHeader("000.00.12.H49", datetime(2026, 3, 5, 4, 50, 7, tzinfo=UTC))],
        attachments=attachments
        if attachments is not None
        else [
            Attachment("1", f"{number}-BB-UBND.pdf", "application/pdf", PDF, "Biên bản (PDF, đã ký số)"),
            Attachment("2", "diem-danh.csv", "text/csv", CSV, "Điểm danh các điểm cầu"),
        ],
        due_date=date(2026, 3, 12),
        page_amount=2,
        to_places=["UBND xã Hòa Tiến", "UBND xã Hòa Sơn"],
        appendixes=["Danh sách điểm danh"],
        staff_department="Văn phòng HĐND và UBND",
        staff_name="Trần Thị Bình",
    )
