"""Reading produced PDFs back: text per page, where each run of text sits and in which font."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from pypdf import PdfReader

MM = 72 / 25.4  # PDF points per millimetre


@dataclass(frozen=True)
class Run:
    text: str
    x: float
    """From the left edge of the page, in millimetres."""
    y: float
    """From the top edge of the page, in millimetres."""
    font: str
    size: float


def reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in reader(pdf).pages]


def flat_text(pdf: bytes) -> str:
    """All pages' text with every run of white space (line ends included) made one space."""
    return " ".join(" ".join(page_texts(pdf)).split())


def runs(pdf: bytes, page_number: int = 0) -> list[Run]:
    page = reader(pdf).pages[page_number]
    height = float(page.mediabox.height)
    found: list[Run] = []

    def visit(text: str, cm: list[float], tm: list[float], font: dict[str, Any] | None, size: float) -> None:
        if not text.strip() or font is None:
            return
        # The text matrix applied to the current transformation: where the run starts on the page.
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = (tm[0] * cm[0]) or 1.0
        found.append(Run(text.strip(), x / MM, (height - y) / MM, str(font.get("/BaseFont", "")), size * abs(scale)))

    page.extract_text(visitor_text=visit)
    return found


def find(all_runs: list[Run], fragment: str) -> Run:
    for run in all_runs:
        if fragment in run.text:
            return run
    raise AssertionError(f"{fragment!r} not found in {[r.text for r in all_runs]}")


def embedded_fonts(pdf: bytes) -> dict[str, bool]:
    """BaseFont name → whether the font program is embedded (FontFile, FontFile2 or FontFile3)."""
    fonts: dict[str, bool] = {}
    for page in reader(pdf).pages:
        resources = page["/Resources"].get_object()
        for ref in resources.get("/Font", {}).values():
            font = ref.get_object()
            descriptor = None
            if "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            else:
                descriptor = font.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            fonts[str(font["/BaseFont"])] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    return fonts
