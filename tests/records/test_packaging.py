"""A rendered, signed document becomes the package that files it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from meetings.records.edxml import Attachment, Signer, build_package
from meetings.records.edxml_reader import parse_package
from meetings.records.packaging import package_for
from meetings.records.render import render
from tests.records import samples
from tests.records.edxml_samples import CSV, DISTRICT, HOA_SON, HOA_TIEN


def test_minutes_package_carries_the_forms_fields_and_the_pdf() -> None:
    rendered = render(samples.minutes())
    package = package_for(
        samples.minutes(),
        rendered.pdf,
        sender=DISTRICT,
        recipients=[HOA_TIEN, HOA_SON],
        signer=Signer("", "Chủ tịch", "Nguyễn Văn An"),
        pages=rendered.pages,
        now=datetime(2026, 3, 5, 5, 0, tzinfo=UTC),
        attachments=[Attachment("x", "diem-danh.csv", "text/csv", CSV, "Điểm danh")],
    )
    again = parse_package(build_package(package))
    assert again.document_id == "000.00.12.H49,2026/03/05,05/BB-UBND"
    assert (again.code_number, again.code_notation, again.type_name) == ("05", "BB-UBND", "Biên bản")
    assert again.promulgation_place == "Hòa Vang" and again.page_amount == rendered.pages
    assert again.subject == "Biên bản Họp giao ban công tác tháng 3 năm 2026"
    assert [(a.content_id, a.name) for a in again.attachments] == [("1", "05-BB-UBND.pdf"), ("2", "diem-danh.csv")]
    assert again.attachments[0].data == rendered.pdf and again.attachments[1].data == CSV
    assert [t.timestamp for t in again.trace] == [datetime(2026, 3, 5, 5, 0, tzinfo=UTC)]


def test_a_draft_without_number_is_not_filed() -> None:
    with pytest.raises(ValueError, match="number"):
        package_for(
            samples.minutes(number=None), b"%PDF-", sender=DISTRICT, recipients=[HOA_TIEN],
            signer=Signer("", "", "A"), pages=1, now=datetime(2026, 3, 5, tzinfo=UTC),
        )  # fmt: skip
