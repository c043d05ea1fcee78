"""Official documents rendered to PDF and read back: the Decree 30/2020 layout, the font, the texts."""

from __future__ import annotations

import asyncio
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from meetings.errors import ValidationError
from meetings.records.fonts import FontMissing, find_official_font, official_font
from meetings.records.render import on_renderer_thread, render, render_pdf, render_pdf_async
from tests.records import samples
from tests.records.pdfread import embedded_fonts, find, flat_text, page_texts, reader, runs

A4_MM = (210.0, 297.0)


def test_minutes_header_and_form_in_place() -> None:
    pdf = render(samples.minutes()).pdf
    page = runs(pdf)
    title = find(page, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    motto = find(page, "Độc lập - Tự do - Hạnh phúc")
    agency = find(page, "ỦY BAN NHÂN DÂN HUYỆN")
    number = find(page, "Số: 05/BB-UBND")
    place_date = find(page, "Hòa Vang, ngày 05 tháng 3 năm 2026")
    type_name = find(page, "BIÊN BẢN")
    summary = find(page, "Họp giao ban công tác tháng 3 năm 2026")

    # National title and motto on the right, agency and number on the left, side by side at the top.
    assert title.x > 90 and motto.x > 90 and place_date.x > 90
    assert agency.x < 60 and number.x < 60
    assert abs(title.y - agency.y) < 2 and title.y < 35
    assert motto.y > title.y and place_date.y > motto.y
    assert number.y > agency.y
    # Bold capitals for the title, the agency and the type name; the place-and-date line in italics.
    for run in (title, motto, agency, type_name, summary):
        assert run.font.endswith("-Bold"), run
    assert place_date.font.endswith("-Italic")
    assert number.font.endswith("Giaoban-Liberation-Serif")
    # Type name and summary centred under the header.
    assert type_name.y > place_date.y and summary.y > type_name.y
    assert 90 < type_name.x < 112  # "BIÊN BẢN" (about 24 mm wide) centred on 112.5 mm
    # Body 13–14 pt.
    body = find(page, "Thời gian bắt đầu:")
    assert 13 <= round(body.size, 1) <= 14


def test_minutes_attendance_conclusions_end_and_signatures() -> None:
    pdf = render(samples.minutes()).pdf
    text = flat_text(pdf)
    assert "Thời gian bắt đầu: 08 giờ 00 phút, ngày 05 tháng 3 năm 2026." in text
    assert "Thành phần tham dự: 1/2 điểm cầu có mặt." in text
    assert "UBND xã Hòa Tiến Trực tuyến 6 Đ/c Lê Văn Cường, Chủ tịch" in text
    assert "UBND xã Hòa Sơn Vắng Có lý do: dự hội nghị tại tỉnh" in text
    assert "Chủ trì (chủ tọa): Đồng chí Nguyễn Văn An, Chủ tịch UBND huyện." in text
    assert "1. Báo cáo kết quả thực hiện nhiệm vụ, phần 1" in text
    assert "Kết quả biểu quyết: Tán thành 5/5 (100%)." in text
    assert "Kết luận của chủ tọa:" in text
    assert "Giao UBND các xã hoàn thành kế hoạch giải ngân trước ngày 15 tháng 3 năm 2026." in text
    assert "Cuộc họp kết thúc vào 11 giờ 30 phút, ngày 05 tháng 3 năm 2026./." in text
    # Attendance comes before the content, the conclusions after it, the end line last.
    assert (
        text.index("Thành phần tham dự") < text.index("Nội dung (theo diễn biến") < text.index("Kết luận của chủ tọa")
    )
    assert text.index("Kết luận của chủ tọa") < text.index("Cuộc họp kết thúc vào")

    last = runs(pdf, len(reader(pdf).pages) - 1)
    secretary, chair = find(last, "THƯ KÝ"), find(last, "CHỦ TỌA")
    assert secretary.x < 100 < chair.x and abs(secretary.y - chair.y) < 1
    assert find(last, "Trần Thị Bình").x < 100 < find(last, "Nguyễn Văn An").x
    recipients = find(last, "Nơi nhận:")
    assert recipients.y > secretary.y and recipients.font.endswith("-Bold-Italic")


def test_margins_and_page_numbers_from_page_two() -> None:
    pdf = render(samples.minutes(sections=8)).pdf
    pages = reader(pdf).pages
    assert len(pages) >= 2
    for page in pages:
        assert (round(float(page.mediabox.width) / 72 * 25.4), round(float(page.mediabox.height) / 72 * 25.4)) == A4_MM
    for index in range(len(pages)):
        for run in runs(pdf, index):
            # Left margin 30 mm, right 15 mm (text may end exactly on the line).
            assert run.x >= 29.9, run
            assert run.x < A4_MM[0] - 15, run
            if run.text != str(index + 1):
                # Body text below the 20 mm top margin, above the 20 mm bottom margin.
                assert 20 <= run.y <= A4_MM[1] - 20 + 1, run
    first = [r.text for r in runs(pdf, 0) if r.y < 20]
    assert first == []  # no number on page 1
    for index in range(1, len(pages)):
        top = [r for r in runs(pdf, index) if r.y < 20]
        assert [r.text for r in top] == [str(index + 1)]
        # Centred in the text block (30 mm .. 195 mm).
        assert abs(top[0].x - (30 + 195) / 2) < 4


def test_invitation_and_conclusion_forms() -> None:
    invitation = render(samples.invitation())
    text = flat_text(invitation.pdf)
    for line in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Số: 07/GM-UBND",
        "Hòa Vang, ngày 02 tháng 3 năm 2026",
        "GIẤY MỜI",
        "Ủy ban nhân dân huyện Hòa Vang trân trọng kính mời:",
        "Chủ trì: Đồng chí Nguyễn Văn An, Chủ tịch UBND huyện.",
        "Thời gian: 08 giờ 00 phút, ngày 05 tháng 3 năm 2026",
        "Đường dẫn tham dự: https://giaoban.hoavang.gov.vn/hop/42",
        "- Điểm cầu UBND xã Hòa Sơn",
        "TM. ỦY BAN NHÂN DÂN",
        "Nơi nhận:",
    ):
        assert line in text, line

    notice = render(samples.conclusion())
    text = flat_text(notice.pdf)
    for line in (
        "Số: 12/TB-UBND",
        "Hòa Vang, ngày 09 tháng 3 năm 2026",
        "THÔNG BÁO",
        "Kết luận của Chủ tịch UBND huyện tại cuộc họp giao ban công tác tháng 3",
        "1. Giao UBND các xã hoàn thành kế hoạch giải ngân vốn đầu tư công",
        "2. Văn phòng HĐND và UBND huyện theo dõi",
        "TL. CHỦ TỊCH",
        "Phạm Minh Đức",
    ):
        assert line in text, line
    assert text.index("1. Giao UBND") < text.index("2. Văn phòng") < text.index("TL. CHỦ TỊCH")


def test_dates_take_a_leading_zero_for_small_days_and_january_february() -> None:
    doc = replace(samples.conclusion(number=3), issued_on=samples.conclusion().issued_on.replace(month=1, day=4))
    text = page_texts(render(doc).pdf)[0]
    assert "Hòa Vang, ngày 04 tháng 01 năm 2026" in text
    assert "Số: 03/TB-UBND" in text


def test_a_draft_leaves_the_number_blank() -> None:
    text = page_texts(render(samples.minutes(number=None)).pdf)[0]
    assert "/BB-UBND" in text and "Số: 05" not in text


def test_font_is_embedded_and_no_other_face_is_used() -> None:
    pdf = render(samples.minutes()).pdf
    fonts = embedded_fonts(pdf)
    family = official_font().family.replace(" ", "-")
    assert fonts and all(embedded for embedded in fonts.values())
    assert {name.split("+", 1)[1] for name in fonts} <= {
        f"Giaoban-{family}",
        f"Giaoban-{family}-Bold",
        f"Giaoban-{family}-Italic",
        f"Giaoban-{family}-Bold-Italic",
    }


def test_missing_font_names_the_package_to_install(tmp_path: Path) -> None:
    with pytest.raises(FontMissing, match="fonts-liberation2"):
        find_official_font(("Không Có Phông Này",))
    with pytest.raises(FontMissing, match="fonts-liberation2"):
        find_official_font(folders=[tmp_path], use_fontconfig=False)


def test_a_font_without_vietnamese_letters_is_refused(tmp_path: Path) -> None:
    old = Path("/usr/share/fonts/truetype/liberation")
    faces = ["Regular", "Bold", "Italic", "BoldItalic"]
    if not all((old / f"LiberationSerif-{face}.ttf").exists() for face in faces):
        pytest.skip("Liberation 1.x is not installed here")
    for face in faces:
        shutil.copy(old / f"LiberationSerif-{face}.ttf", tmp_path)
    with pytest.raises(FontMissing):
        find_official_font(("Liberation Serif",), folders=[tmp_path], use_fontconfig=False)


def test_the_font_is_found_without_fontconfig_too() -> None:
    font = find_official_font(use_fontconfig=False)
    assert font.family in ("Times New Roman", "Liberation Serif")
    assert font.bold_italic.exists()


def test_characters_the_font_lacks_are_refused_with_a_clear_message() -> None:
    doc = replace(samples.minutes(), conclusions="Hoàn thành 👍 đúng hạn 漢")
    with pytest.raises(ValidationError) as caught:
        render(doc)
    assert "👍" in caught.value.message and "漢" in caught.value.message


def test_markup_in_the_text_is_printed_not_obeyed() -> None:
    doc = replace(samples.minutes(), conclusions='<img src="http://127.0.0.1:9/x.png"> <b>in đậm</b>')
    text = flat_text(render(doc).pdf)
    assert '<img src="http://127.0.0.1:9/x.png"> <b>in đậm</b>' in text


async def test_rendering_from_async_code_leaves_the_event_loop_free() -> None:
    ticks = 0
    stop = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0.005)

    task = asyncio.create_task(ticker())
    started = time.monotonic()
    pdf = await render_pdf_async(samples.minutes(sections=6))
    elapsed = time.monotonic() - started
    stop.set()
    await task
    assert pdf.startswith(b"%PDF-")
    # The loop kept ticking while the PDF was made: blocked, it would tick once. The renderer's thread shares the
    # GIL, and a loaded machine shares the cores, so only a tenth of the ticks it could have made is asked for.
    assert ticks >= max(2, int(elapsed / 0.005 / 10)), (ticks, elapsed)


def _thread_name() -> str:
    return threading.current_thread().name


def test_work_handed_to_the_renderer_runs_on_its_one_thread() -> None:
    # From several worker threads at once (as the thread pool serves several publishing requests), the work
    # lands on one and the same thread, never the caller's.
    with ThreadPoolExecutor(max_workers=3) as callers:
        names = list(callers.map(lambda _: on_renderer_thread(_thread_name), range(6)))
    assert len(set(names)) == 1
    assert names[0].startswith("giaoban-pdf")
    assert names[0] != _thread_name()


async def test_render_pdf_async_waits_its_turn_on_the_same_thread() -> None:
    # While a worker's job holds the renderer's thread, an async render cannot start: it is queued behind it.
    gate = threading.Event()
    holding = asyncio.create_task(asyncio.to_thread(on_renderer_thread, gate.wait, 30))
    await asyncio.sleep(0.05)
    rendering = asyncio.create_task(render_pdf_async(samples.minutes()))
    await asyncio.sleep(1.5)  # enough for a render on another thread to have finished on an idle machine
    assert not rendering.done()
    gate.set()
    assert await holding is True
    assert (await asyncio.wait_for(rendering, 60)).startswith(b"%PDF-")


def test_renderer_work_gives_back_its_result_and_its_errors() -> None:
    pdf = on_renderer_thread(render_pdf, samples.minutes())
    assert pdf.startswith(b"%PDF-")
    doc = replace(samples.minutes(), conclusions="Kết luận 🎉")
    with pytest.raises(ValidationError, match="🎉"):
        on_renderer_thread(render, doc)


def test_work_already_on_the_renderer_thread_runs_at_once() -> None:
    # Something on the renderer's thread asking for it again (a signing step that renders) would wait for
    # itself forever if it were queued behind its own work.
    def nested() -> tuple[str, str]:
        return _thread_name(), on_renderer_thread(_thread_name)

    outer, inner = on_renderer_thread(nested)
    assert outer == inner and outer.startswith("giaoban-pdf")
