"""What the secretary writes in the minutes, and what the chair's office writes in the conclusion notice:
plain data, checked on the way in (sizes, no NUL), kept as JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from meetings.errors import N_, ValidationError, as_message
from meetings.text import refuse_nul

MAX_TEXT = 50_000
"""Characters per field: a long meeting's content under one item fits easily."""
MAX_ITEMS = 200


def _text(value: object, field_name: str, label: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(N_("%(label)s phải là văn bản."), field=field_name, label=as_message(label))
    refuse_nul(value, field_name, label)
    if len(value) > MAX_TEXT:
        raise ValidationError(
            N_("%(label)s dài quá %(max)d ký tự."), field=field_name, label=as_message(label), max=MAX_TEXT
        )
    # Line endings as browsers send them vary; keep one kind so equal texts compare equal.
    return value.replace("\r\n", "\n").replace("\r", "\n")


@dataclass(frozen=True)
class MinutesContent:
    """The secretary's text: per agenda item (by its id), the chair's conclusions, a note on attendance."""

    items: dict[int, str] = field(default_factory=dict)
    conclusions: str = ""
    attendance_note: str = ""
    other: str = ""
    """Other matters raised outside the agenda."""

    def to_json(self) -> str:
        data = {
            "items": {str(k): v for k, v in sorted(self.items.items())},
            "conclusions": self.conclusions,
            "attendance_note": self.attendance_note,
            "other": self.other,
        }
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.to_json())
        return data

    @classmethod
    def from_json(cls, text: str) -> MinutesContent:
        return cls.parse(json.loads(text or "{}"))

    @classmethod
    def parse(cls, data: object, agenda_ids: set[int] | None = None) -> MinutesContent:
        """From what a browser sent (or the database kept); ``agenda_ids`` limits the items to the meeting's."""
        if not isinstance(data, dict):
            raise ValidationError(N_("Nội dung biên bản không hợp lệ."), field="content")
        raw_items = data.get("items") or {}
        if not isinstance(raw_items, dict) or len(raw_items) > MAX_ITEMS:
            raise ValidationError(N_("Nội dung theo mục chương trình không hợp lệ."), field="items")
        items: dict[int, str] = {}
        for key, value in raw_items.items():
            if not isinstance(key, str | int) or not str(key).isdigit():
                raise ValidationError(N_("Mục chương trình không hợp lệ."), field="items")
            item_id = int(key)
            if agenda_ids is not None and item_id not in agenda_ids:
                raise ValidationError(
                    N_("Mục chương trình %(id)s không thuộc cuộc họp này."), field="items", id=item_id
                )
            text = _text(value, f"item-{item_id}", N_("Nội dung mục chương trình"))
            if text:
                items[item_id] = text
        return cls(
            items=items,
            conclusions=_text(data.get("conclusions"), "conclusions", "Kết luận của chủ tọa"),
            attendance_note=_text(data.get("attendance_note"), "attendance_note", N_("Ghi chú thành phần")),
            other=_text(data.get("other"), "other", "Nội dung khác"),
        )


@dataclass(frozen=True)
class ConclusionContent:
    """The conclusion notice's text: the introduction (who met, when, what was heard), the conclusions one
    per paragraph, and the closing line (empty: the form's usual one)."""

    introduction: str = ""
    conclusions: str = ""
    closing: str = ""

    def to_json(self) -> str:
        data = {"introduction": self.introduction, "conclusions": self.conclusions, "closing": self.closing}
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ConclusionContent:
        return cls.parse(json.loads(text or "{}"))

    @classmethod
    def parse(cls, data: object) -> ConclusionContent:
        if not isinstance(data, dict):
            raise ValidationError(N_("Nội dung thông báo kết luận không hợp lệ."), field="content")
        return cls(
            introduction=_text(data.get("introduction"), "introduction", "Phần mở đầu"),
            conclusions=_text(data.get("conclusions"), "conclusions", N_("Nội dung kết luận")),
            closing=_text(data.get("closing"), "closing", N_("Phần kết")),
        )
