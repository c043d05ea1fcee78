"""Working days: Monday to Friday, less public holidays, plus declared make-up Saturdays."""

from __future__ import annotations

from datetime import date

from sqlmodel import Field, SQLModel


class Holiday(SQLModel, table=True):
    """A public holiday (ngày nghỉ lễ) falling on a day that would otherwise be worked."""

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(unique=True, index=True)
    name: str = Field(default="", max_length=200)


class MakeupDay(SQLModel, table=True):
    """A Saturday (or Sunday) the government declared a working day (ngày làm bù)."""

    __tablename__ = "makeup_day"

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(unique=True, index=True)
    name: str = Field(default="", max_length=200)
