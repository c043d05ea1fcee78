"""Official documents to PDF: a Jinja2 template per form, laid out by weasyprint.

The font files are named in ``@font-face`` rules under a private family name ("Giaoban Liberation Serif"),
so no other installed face can stand in for them; after layout every font the document uses is checked
to be one of them, and a character the font lacks stops rendering with a message naming it. Rendering
reads only local files (the templates, the style sheet, the fonts): the URL fetcher refuses anything else.

Rendering is CPU work of a second or so and weasyprint is not meant to be used from several threads at
once, so all of it runs on one dedicated thread, off the event loop: :func:`on_renderer_thread` from a
worker thread (the work may be more than the layout, e.g. layout and signing), :func:`render_pdf_async`
from async code.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import jinja2
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from meetings.errors import ValidationError
from meetings.records.fonts import FontMissing, OfficialFont, official_font
from meetings.records.forms import ConclusionNotice, Invitation, Minutes, OfficialDocument, paragraphs
from meetings.records.vndates import clock_and_day, place_and_date

TEMPLATE_DIR = Path(__file__).parent / "templates"

_TEMPLATES: dict[type[OfficialDocument], str] = {
    Invitation: "invitation.html.jinja",
    Minutes: "minutes.html.jinja",
    ConclusionNotice: "conclusion.html.jinja",
}

_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_environment.filters["paragraphs"] = paragraphs

_renderer_thread = threading.local()


def _mark_renderer_thread() -> None:
    _renderer_thread.active = True


# One thread: weasyprint (Pango, fontconfig) is not meant for concurrent use within a process.
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="giaoban-pdf", initializer=_mark_renderer_thread)

_P = ParamSpec("_P")
_T = TypeVar("_T")


def on_renderer_thread(work: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
    """``work(*args, **kwargs)`` on the renderer's one thread, waiting for its result (or its exception).

    Blocking: call it from a worker thread (a synchronous handler, ``run_in_threadpool``), never from the
    event loop — from async code use :func:`render_pdf_async`. Anything that lays out a document with
    weasyprint goes through here. Work already on the renderer's thread runs at once (waiting for the one
    thread from itself would never end)."""
    if getattr(_renderer_thread, "active", False):
        return work(*args, **kwargs)
    return _executor.submit(work, *args, **kwargs).result()


PX_TO_PT = 0.75  # CSS pixels (1/96 in) to PDF points (1/72 in)


@dataclass(frozen=True)
class SignatureSlot:
    """Where a signature block leaves room for the signature: a page (0-based) and a rectangle in PDF
    points from the page's lower left corner, ``(x1, y1, x2, y2)``."""

    page: int
    box: tuple[int, int, int, int]


@dataclass(frozen=True)
class RenderedDocument:
    pdf: bytes
    pages: int
    fonts: frozenset[str]
    """The names of the fonts embedded (``Giaoban-Liberation-Serif-Bold`` …)."""
    slots: dict[str, SignatureSlot] = dataclasses.field(default_factory=dict)
    """The signature slots by name: ``signer``; for minutes ``secretary`` and ``chair``."""


def _slots(document: Any) -> dict[str, SignatureSlot]:
    """The rectangles of the elements marked ``data-slot``, read from the laid-out boxes. (The box tree is
    weasyprint's internal structure: if it ever changes shape, no slots are found and signatures fall
    back to their default place instead of failing.)"""
    found: dict[str, SignatureSlot] = {}
    for index, page in enumerate(document.pages):
        height = page.height
        stack = [getattr(page, "_page_box", None)]
        while stack:
            box = stack.pop()
            if box is None:
                continue
            element = getattr(box, "element", None)
            slot = element.get("data-slot") if element is not None and hasattr(element, "get") else None
            if slot and slot not in found and hasattr(box, "border_width"):
                x, y = box.border_box_x(), box.border_box_y()
                w, h = box.border_width(), box.border_height()
                x1, y1 = round(x * PX_TO_PT), round((height - y - h) * PX_TO_PT)
                x2, y2 = round((x + w) * PX_TO_PT), round((height - y) * PX_TO_PT)
                found[slot] = SignatureSlot(index, (x1, y1, x2, y2))
            stack.extend(getattr(box, "children", ()))
    return found


def css_family(font: OfficialFont) -> str:
    """The private family name the style sheet uses for ``font``."""
    return f"Giaoban {font.family}"


def _context(doc: OfficialDocument, font: OfficialFont) -> dict[str, Any]:
    context: dict[str, Any] = {
        "doc": doc,
        "place_date": place_and_date(doc.agency.place_name, doc.issued_on),
        "font_family": css_family(font),
        "font_faces": [(weight, style, path.resolve().as_uri()) for weight, style, path in font.faces()],
    }
    if isinstance(doc, Invitation):
        context["start"] = clock_and_day(doc.start_at)
        context["end"] = clock_and_day(doc.end_at) if doc.end_at else ""
    if isinstance(doc, Minutes):
        context["start"] = clock_and_day(doc.start_at)
        context["end"] = clock_and_day(doc.end_at)
    return context


def _texts(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            yield from _texts(getattr(value, item.name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)


def check_characters(doc: OfficialDocument, font: OfficialFont | None = None) -> None:
    """Refuse a document with characters the official font lacks (an emoji, a Chinese character): they
    would be set in another face, or as empty boxes."""
    font = font or official_font()
    missing = font.missing_characters("".join(_texts(doc)))
    if missing:
        raise ValidationError(
            f"Văn bản có ký tự mà phông chữ {font.family} không có: {' '.join(missing)}. "
            "Hãy bỏ các ký tự này (biểu tượng, chữ nước ngoài) khỏi nội dung."
        )


def render_html(doc: OfficialDocument, font: OfficialFont | None = None) -> str:
    """The document as HTML (what the PDF is laid out from; also a preview)."""
    name = _TEMPLATES.get(type(doc))
    if name is None:
        raise TypeError(f"no template for {type(doc).__name__}")
    return _environment.get_template(name).render(_context(doc, font or official_font()))


def render(doc: OfficialDocument, font: OfficialFont | None = None) -> RenderedDocument:
    """Lay out ``doc`` and write the PDF. Raises :class:`FontMissing` when the official font is not
    installed (or the layout needed another face after all), and ``ValidationError`` when the text has
    characters the font lacks."""
    font = font or official_font()
    check_characters(doc, font)
    html = render_html(doc, font)
    fetcher = URLFetcher(allowed_protocols={"file"}, fail_on_errors=True)
    font_config = FontConfiguration()
    document = HTML(string=html, base_url=str(TEMPLATE_DIR) + "/", url_fetcher=fetcher).render(font_config=font_config)
    pdf = document.write_pdf()
    assert isinstance(pdf, bytes)
    family = css_family(font)
    strangers = [f for f in document.fonts.values() if f.family != family]
    if strangers:
        characters = sorted({str(ch) for f in strangers for ch in f.to_unicode.values()})
        raise FontMissing(
            f"Phông chữ {font.family} không có các ký tự: {' '.join(characters)} "
            f"(đã phải dùng phông {', '.join(sorted({f.family for f in strangers}))}). "
            "Hãy bỏ các ký tự này (biểu tượng, chữ nước ngoài) khỏi nội dung văn bản."
        )
    names = frozenset(f.name.decode("ascii", "replace").lstrip("/").split("+", 1)[-1] for f in document.fonts.values())
    return RenderedDocument(pdf=pdf, pages=len(document.pages), fonts=names, slots=_slots(document))


def render_pdf(doc: OfficialDocument, font: OfficialFont | None = None) -> bytes:
    """The PDF of ``doc`` (blocking: from async code use :func:`render_pdf_async`)."""
    return render(doc, font).pdf


async def render_pdf_async(doc: OfficialDocument, font: OfficialFont | None = None) -> bytes:
    """:func:`render_pdf` on the renderer's own thread, so the event loop keeps serving."""
    # The same thread as :func:`on_renderer_thread`, awaited rather than waited for (no worker thread held).
    return await asyncio.wrap_future(_executor.submit(render_pdf, doc, font))
