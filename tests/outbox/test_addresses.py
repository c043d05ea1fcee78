"""An address the mailer could not use is refused when it is saved, with a message beside the field."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from mailer import normalize_address
from meetings.directory import PersonDraft, UnitDraft, create_person, create_unit
from meetings.errors import ValidationError
from meetings.units import UnitLevel

BAD = [
    ("ubnd@ngockhe.gov.vn\r\nBcc: spy@evil.vn", "không hợp lệ"),
    ("ubnd@ngockhe.gov.vn, spy@evil.vn", "không hợp lệ"),
    ('"ubnd ngockhe"@ngockhe.gov.vn', "không hợp lệ"),
    ("vănthư@ngockhe.gov.vn", "Phần trước dấu @ chỉ dùng chữ không dấu"),
    ("ubnd@localhost", "không hợp lệ"),
    ("ubnd@ngockhe", "không hợp lệ"),
    ("Văn thư <ubnd@ngockhe.gov.vn>", "không hợp lệ"),
]


@pytest.mark.parametrize(("address", "message"), BAD)
def test_a_unit_address_the_mailer_cannot_use_is_refused(session: Session, address: str, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        create_unit(session, None, UnitDraft("UBND huyện Ngọc Khê", "000.00.12.H49", UnitLevel.DISTRICT, email=address))
    assert refused.value.field == "email"
    assert message in refused.value.message


def test_a_person_address_is_refused_too_and_good_ones_are_kept_usable(session: Session) -> None:
    draft = UnitDraft("UBND huyện Ngọc Khê", "000.00.12.H49", UnitLevel.DISTRICT, email="VanThu@NgocKhe.gov.vn")
    unit = create_unit(session, None, draft)
    assert unit.id is not None
    with pytest.raises(ValidationError) as refused:
        create_person(session, None, PersonDraft("thuky", "Lê Thị Thư", unit.id, email="thư.ký@ngockhe.gov.vn"))
    assert refused.value.field == "email"
    person = create_person(session, None, PersonDraft("chutich", "Nguyễn Văn Chủ", unit.id, email="chutich@ngọckhê.vn"))
    # What the directory keeps, the mailer takes (an internationalised domain in its ASCII form).
    assert normalize_address(unit.email) == "VanThu@ngockhe.gov.vn"
    assert normalize_address(person.email) == "chutich@xn--ngckh-lsa7664c.vn"
