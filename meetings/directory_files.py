"""Reading directory files (JSON or CSV, see docs/directory-import.md) into rows with line numbers.

Nothing here touches the database: a file becomes a list of ``ImportRow`` (the kind of record, the line
it starts on, its fields as given) and a list of problems ``(line, message)`` found while reading.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal

from meetings.errors import ValidationError
from meetings.text import refuse_nul, shown

Kind = Literal["unit", "site", "person"]
Problem = tuple[int, str]

# The fields each kind of record may have; the first ones identify the record.
FIELDS: dict[Kind, tuple[str, ...]] = {
    "unit": ("code", "name", "level", "parent", "abbreviation", "address", "email", "telephone", "place_name"),
    "site": ("unit", "name", "location", "active"),
    "person": (
        "username",
        "full_name",
        "unit",
        "position",
        "email",
        "telephone",
        "roles",
        "language",
        "active",
        "password",
    ),
}
JSON_SECTIONS: dict[str, Kind] = {"units": "unit", "sites": "site", "people": "person"}
CSV_COLUMNS = ("type", *dict.fromkeys(f for fields in FIELDS.values() for f in fields))
# What goes in the CSV ``type`` column; Vietnamese words too, as officials may write them.
TYPE_NAMES: dict[str, Kind] = {
    "unit": "unit",
    "đơn vị": "unit",
    "site": "site",
    "điểm cầu": "site",
    "person": "person",
    "người dùng": "person",
}


@dataclass
class ImportRow:
    kind: Kind
    line: int
    fields: dict[str, Any]


def decode(data: bytes) -> tuple[str, list[Problem]]:
    """UTF-8 text, without the byte-order mark Excel puts in front of "CSV UTF-8" files."""
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return "", [
            (
                line,
                "Tệp không được mã hóa UTF-8. Trong Excel hãy lưu bằng «CSV UTF-8 (Comma delimited)» "
                "(file is not UTF-8).",
            )
        ]


def read_rows(text: str, fmt: str) -> tuple[list[ImportRow], list[Problem]]:
    """The rows of ``text`` that could be read, and the problems of the others.

    A row with a NUL character in any field is a problem, not a row: no stored text may hold one.
    Messages quote what the file says with any NUL written as ``\\u0000``, so a terminal shows it.
    """
    text = text.removeprefix("\ufeff")
    if fmt == "json":
        rows, problems = _read_json(text)
    elif fmt == "csv":
        rows, problems = _read_csv(text)
    else:
        return [], [(1, f"Định dạng «{shown(fmt)}» không được hỗ trợ; dùng json hoặc csv.")]
    kept: list[ImportRow] = []
    for row in rows:
        try:
            _refuse_nul(row)
        except ValidationError as exc:
            problems.append((row.line, exc.message))
        else:
            kept.append(row)
    return kept, [(line, shown(message)) for line, message in problems]


def _refuse_nul(row: ImportRow) -> None:
    for name, value in row.fields.items():
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str):
                refuse_nul(text, name, f"Trường {name}")


# ---- JSON ----------------------------------------------------------------------------------------------


def _line_at(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _locate_array_items(text: str, start: int, decoder: json.JSONDecoder) -> tuple[list[int], int]:
    """Offsets of the items of the array starting at ``start`` (the text is known to be valid JSON)."""
    offsets: list[int] = []
    pos = _skip_ws(text, start + 1)
    if text[pos] == "]":
        return offsets, pos + 1
    while True:
        offsets.append(pos)
        _, pos = decoder.raw_decode(text, pos)
        pos = _skip_ws(text, pos)
        if text[pos] == "]":
            return offsets, pos + 1
        pos = _skip_ws(text, pos + 1)  # past the comma


def _locate_sections(text: str) -> dict[str, list[int]]:
    """For each top-level key whose value is an array, the offsets of its items.

    The standard library's parser forgets positions, so this walks the two outer levels by hand and hands
    every value to ``raw_decode``; a later duplicate key wins, as it does in ``json.loads``.
    """
    decoder = json.JSONDecoder()
    located: dict[str, list[int]] = {}
    pos = _skip_ws(text, 0)
    pos = _skip_ws(text, pos + 1)  # past "{"
    while text[pos] != "}":
        key, pos = decoder.raw_decode(text, pos)
        pos = _skip_ws(text, _skip_ws(text, pos) + 1)  # past ":"
        if text[pos] == "[":
            located[key], pos = _locate_array_items(text, pos, decoder)
        else:
            _, pos = decoder.raw_decode(text, pos)
        pos = _skip_ws(text, pos)
        if text[pos] == ",":
            pos = _skip_ws(text, pos + 1)
    return located


def _read_json(text: str) -> tuple[list[ImportRow], list[Problem]]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        return [], [(exc.lineno, f"JSON không hợp lệ: {exc.msg} (cột {exc.colno}).")]
    if not isinstance(document, dict):
        return [], [(1, 'Tệp JSON phải là một đối tượng {"units": [...], "sites": [...], "people": [...]}.')]
    located = _locate_sections(text)
    rows: list[ImportRow] = []
    problems: list[Problem] = []
    for key, items in document.items():
        if key not in JSON_SECTIONS:
            problems.append((1, f"Mục «{key}» không được biết; chỉ có units, sites, people."))
            continue
        if not isinstance(items, list):
            problems.append((1, f"Mục «{key}» phải là một mảng."))
            continue
        kind = JSON_SECTIONS[key]
        for item, offset in zip(items, located[key], strict=True):
            line = _line_at(text, offset)
            if not isinstance(item, dict):
                problems.append((line, f"Mỗi phần tử của «{key}» phải là một đối tượng."))
                continue
            unknown = [name for name in item if name not in FIELDS[kind]]
            if unknown:
                problems.append((line, f"Trường không được biết: {', '.join(unknown)}."))
                continue
            bad = [name for name, value in item.items() if not _scalar_ok(name, value)]
            if bad:
                problems.append((line, f"Giá trị của {', '.join(bad)} phải là chuỗi ký tự."))
                continue
            rows.append(ImportRow(kind, line, dict(item)))
    return rows, problems


def _scalar_ok(name: str, value: Any) -> bool:
    if value is None or isinstance(value, str):
        return True
    if name == "active":
        return isinstance(value, bool)
    if name == "roles":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return False


# ---- CSV -----------------------------------------------------------------------------------------------


def _delimiter(header_line: str) -> str:
    """Excel under a Vietnamese locale separates with ";" (the comma is the decimal sign there)."""
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _read_csv(text: str) -> tuple[list[ImportRow], list[Problem]]:
    header_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(header_line))
    try:
        header = next(reader)
    except StopIteration:
        return [], [(1, "Tệp CSV trống.")]
    except csv.Error as exc:
        return [], [(1, f"CSV không hợp lệ: {exc}")]
    columns = [unicodedata.normalize("NFC", h).strip().lower() for h in header]
    unknown = [c for c in columns if c not in CSV_COLUMNS]
    if unknown or "type" not in columns or len(set(columns)) != len(columns):
        return [], [
            (
                1,
                "Dòng tiêu đề phải gồm cột type và các cột: "
                f"{', '.join(CSV_COLUMNS[1:])}"
                + (f"; không biết cột: {', '.join(unknown)}" if unknown else "")
                + ("; có cột trùng tên" if len(set(columns)) != len(columns) else "")
                + ".",
            )
        ]
    rows: list[ImportRow] = []
    problems: list[Problem] = []
    line = reader.line_num + 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append((line, f"CSV không hợp lệ: {exc}"))
            break
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in record):
            continue  # blank lines, often left at the end by spreadsheets
        if len(record) > len(columns):
            problems.append((start, f"Dòng có {len(record)} ô, nhiều hơn {len(columns)} cột của tiêu đề."))
            continue
        values = dict(zip(columns, record, strict=False))
        kind_name = unicodedata.normalize("NFC", values.pop("type", "")).strip().lower()
        kind = TYPE_NAMES.get(kind_name)
        if kind is None:
            problems.append((start, f"Cột type phải là unit, site hoặc person, không phải «{kind_name}»."))
            continue
        misplaced = [c for c, v in values.items() if v.strip() and c not in FIELDS[kind]]
        if misplaced:
            problems.append((start, f"Dòng loại {kind} không dùng cột: {', '.join(misplaced)}."))
            continue
        rows.append(ImportRow(kind, start, {c: v for c, v in values.items() if c in FIELDS[kind]}))
    return rows, problems
