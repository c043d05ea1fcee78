"""Administrative units (tỉnh, huyện, xã) and their meeting rooms (điểm cầu)."""

from __future__ import annotations

import re
from enum import StrEnum

from sqlmodel import Field, SQLModel

from meetings.errors import N_, ValidationError
from meetings.text import refuse_nul


class UnitLevel(StrEnum):
    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"


# QCVN 102:2016/BTTTT: V1V2V3.Z1Z2.Y1Y2.MX1X2, M a letter (H for People's Committees).
AGENCY_CODE_RE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")


def validate_agency_code(code: str) -> str:
    """Return the code, stripped, if it has the QCVN 102 form; else raise a ValidationError."""
    code = refuse_nul(code, "code", "Mã định danh").strip()
    if not AGENCY_CODE_RE.match(code):
        raise ValidationError(
            N_("Mã định danh «%(code)s» không đúng dạng QCVN 102:2016 (ví dụ 000.00.12.H49)."),
            field="code",
            code=code,
        )
    return code


class Unit(SQLModel, table=True):
    """An administrative unit. Any unit may convene a meeting of the units below it."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    abbreviation: str = Field(default="UBND", max_length=30)
    code: str = Field(max_length=20, unique=True, index=True)
    level: UnitLevel = Field(max_length=20)
    parent_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    address: str = Field(default="", max_length=300)
    email: str = Field(default="", max_length=254)
    telephone: str = Field(default="", max_length=50)
    place_name: str = Field(default="", max_length=100)  # for the "Xã A, ngày …" line


class Site(SQLModel, table=True):
    """A meeting room of a unit; attendance is kept per site."""

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    name: str = Field(max_length=200)
    location: str = Field(default="", max_length=300)
    active: bool = True
