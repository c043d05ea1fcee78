"""The chair's console in real Chromium (fake camera and microphone), with the chair and two sites each in a
browser context of their own: a site asks for the floor and gets it, its picture becomes the main view at the
other site, the chair mutes it and its sound stops arriving there (per the receiver's getStats()); a vote's
results shown everywhere equal the answers given through the pages; the roll call answered by the sites shows
on the console, and the chair's correction too; the agenda moves at every site; a co-chair gets the console;
recording a confidential meeting asks the chair first."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from playwright.sync_api import Dialog, Page, expect

from meetings.meeting import AgendaItem, Meeting
from tests.web.conftest import Directory, LiveServer
from tests.web.room.browsing import enter, eventually, link, log_in, plays
from tests.web.room.conftest import RoomWorld, room_world

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Packets received by the audio receivers that, per the page's layout, carry ``participant``.
AUDIO_PACKETS = """async (who) => {
    const pc = window.giaoban.pc;
    const slots = window.giaoban.stage.slots;
    if (!pc) return {mids: [], packets: 0};
    let packets = 0;
    const mids = [];
    for (const t of pc.getTransceivers()) {
        if (t.receiver.track.kind !== "audio" || t.direction !== "recvonly" || slots[t.mid] !== who) continue;
        mids.push(t.mid);
        const stats = await t.receiver.getStats();
        stats.forEach((r) => { if (r.type === "inbound-rtp") packets += r.packetsReceived; });
    }
    return {mids, packets};
}"""


def audio_packets(page: Page, participant: str) -> int:
    result = page.evaluate(AUDIO_PACKETS, participant)
    return int(result["packets"]) if result["mids"] else -1


def rising(page: Page, participant: str, seconds: float) -> int:
    """How many packets of ``participant``'s sound arrived in ``seconds`` (-1: no receiver carries it)."""
    first = audio_packets(page, participant)
    time.sleep(seconds)
    last = audio_packets(page, participant)
    return -1 if first < 0 or last < 0 else last - first


def join_all(
    world: RoomWorld, live: LiveServer, new_page: Callable[[], Page], *, b_clock_ahead: int = 0
) -> tuple[Page, Page, Page]:
    """The chair (logged in, from the meeting's room page) and sites A and B (their join links), all in; B's
    PC clock ``b_clock_ahead`` seconds fast."""
    chair, a, b = new_page(), new_page(), new_page()
    if b_clock_ahead:
        b.add_init_script(f"{{ const real = Date.now; Date.now = () => real() + {b_clock_ahead * 1000}; }}")
    chair.on("dialog", lambda dialog: dialog.accept())
    log_in(chair, live, "chutich")
    enter(chair, f"{live.url}/meetings/{world.meeting_id}/room")
    enter(a, link(world, 1, live))
    enter(b, link(world, 2, live))
    for page in (chair, a, b):
        expect(page.locator("#conn-state")).to_have_text("Đã kết nối", timeout=40_000)
    # The console is the chair's alone.
    expect(chair.locator("#console")).to_be_visible()
    expect(a.locator("#console")).to_be_hidden()
    expect(b.locator("#console")).to_be_hidden()
    return chair, a, b


def test_the_floor_given_makes_the_main_view_and_muting_stops_the_sound(
    live_server: LiveServer, people: Directory, new_page: Callable[[], Page]
) -> None:
    live = live_server
    world = room_world(live.app, people)
    world.open()
    a_id, b_id = f"site-{world.sites[1].id}", f"site-{world.sites[2].id}"
    chair, a, b = join_all(world, live, new_page)
    plays(b, a_id)

    # Site A asks to speak; the chair sees it in the queue, with its name, and gives it the floor.
    a.click("#hand-toggle")
    expect(a.locator("#hand-toggle")).to_have_text("Thôi xin phát biểu")
    queued = chair.locator(f"#floor-queue li[data-participant='{a_id}']")
    expect(queued).to_contain_text("Hội trường xã Bum Nưa", timeout=20_000)
    expect(chair.locator(f"#console-sites li[data-participant='{a_id}'] .flag-hand")).to_be_visible()
    # Who is in the room from A: its own computer (its join link), no one logged in.
    expect(chair.locator(f"#console-sites li[data-participant='{a_id}'] .cs-present")).to_have_text(
        "Trong phòng: máy của điểm cầu"
    )
    queued.locator("button.give-floor").click()

    expect(a.locator("#floor-state")).to_have_text(
        "Anh/chị đang được phát biểu: mọi điểm cầu đang nghe điểm cầu này.", timeout=20_000
    )
    expect(chair.locator("#floor-holder")).to_contain_text("Đang phát biểu: Hội trường xã Bum Nưa")
    expect(chair.locator(f"#floor-queue li[data-participant='{a_id}']")).to_have_count(0)
    # Holding the floor, A is not offered to ask for it: its button says it has the floor, and does nothing.
    expect(a.locator("#hand-toggle")).to_have_text("Đang được phát biểu")
    expect(a.locator("#hand-toggle")).to_be_disabled()
    expect(b.locator("#hand-toggle")).to_have_text("Xin phát biểu")
    expect(b.locator("#hand-toggle")).to_be_enabled()
    # A's picture is the main view at site B, playing.
    expect(b.locator(f"#tile-main[data-participant='{a_id}']")).to_be_visible(timeout=20_000)
    eventually(
        lambda: (
            b.evaluate("document.querySelector('#tile-main video').getVideoPlaybackQuality().totalVideoFrames") > 10
        ),
        30,
        "A's picture playing in B's main view",
    )
    expect(b.locator(f".roster-item[data-participant='{a_id}'] .flag-floor")).to_be_visible()

    # A's sound arrives at B: the receiver carrying it counts packets (Opus: about 50 a second).
    eventually(lambda: rising(b, a_id, 2.0) > 40, 30, "A's sound arriving at B")

    # The chair mutes A: A is told, B stops receiving A's sound.
    chair.locator(f"#console-sites li[data-participant='{a_id}'] button.mute").click()
    expect(a.locator("#floor-state")).to_have_text(
        "Chủ trì đã tắt tiếng điểm cầu này: các điểm cầu khác không nghe thấy anh/chị.", timeout=20_000
    )
    expect(chair.locator(f"#console-sites li[data-participant='{a_id}'] button.unmute")).to_be_visible()
    eventually(lambda: rising(b, a_id, 2.0) in (-1, 0), 20, "A's sound no longer arriving at B")
    assert rising(b, a_id, 3.0) in (-1, 0), "A's sound must stay stopped"
    # A turning its microphone off and on does not change that; the page says why.
    a.click("#mic-toggle")
    a.click("#mic-toggle")
    expect(a.locator(".mic-note")).to_contain_text("chủ trì quyết định ai được nghe")
    assert rising(b, a_id, 2.0) in (-1, 0)

    # Unmuted, it is heard again; the floor taken back, the chair is the main view again.
    chair.locator(f"#console-sites li[data-participant='{a_id}'] button.unmute").click()
    eventually(lambda: rising(b, a_id, 2.0) > 40, 30, "A's sound arriving at B again")
    chair.locator("#floor-holder button.take-floor").click()
    expect(chair.locator("#floor-holder")).to_have_text("Chưa giao quyền phát biểu cho ai.", timeout=20_000)
    chair_id = f"person-{people.chair.id}"
    expect(b.locator(f"#tile-main[data-participant='{chair_id}']")).to_be_visible(timeout=20_000)
    expect(a.locator("#floor-state")).to_be_hidden()
    expect(a.locator("#hand-toggle")).to_have_text("Xin phát biểu")
    expect(a.locator("#hand-toggle")).to_be_enabled()
    # B never asked: nothing about it is flagged.
    expect(chair.locator(f"#console-sites li[data-participant='{b_id}'] .flag")).to_have_count(0)

    # Mute all (confirmed): both sites are told and neither is heard at the other; the chair still is.
    chair.click("#mute-all")
    for page in (a, b):
        expect(page.locator("#floor-state")).to_have_attribute("data-kind", "muted", timeout=20_000)
    for site in (a_id, b_id):
        expect(chair.locator(f"#console-sites li[data-participant='{site}'] button.unmute")).to_be_visible()
    eventually(lambda: rising(b, a_id, 2.0) in (-1, 0), 20, "A's sound no longer arriving at B after mute all")
    eventually(lambda: rising(a, chair_id, 2.0) > 40, 30, "the chair's sound still arriving at A")


def test_the_agenda_a_vote_the_roll_call_and_a_co_chair_through_the_pages(
    live_server: LiveServer, people: Directory, new_page: Callable[[], Page]
) -> None:
    live = live_server
    world = room_world(live.app, people)
    with live.app.state.ctx.session() as session:
        for position, (title, presenter, minutes) in enumerate(
            [("Báo cáo tình hình bão số 3", "Phó Chủ tịch UBND huyện", 15), ("Phương án sơ tán dân", "", 20)], 1
        ):
            session.add(
                AgendaItem(
                    meeting_id=world.meeting_id,
                    position=position,
                    title=title,
                    presenter=presenter,
                    planned_minutes=minutes,
                )
            )
        session.commit()
    world.open()
    site_a, site_b = world.sites[1].id, world.sites[2].id
    a_id = f"site-{site_a}"
    # B's PC clock is an hour fast: the time used is still counted on the server's clock.
    chair, a, b = join_all(world, live, new_page, b_clock_ahead=3600)

    # The agenda: the chair starts the first item, then moves to the next; every site sees the current one.
    expect(a.locator("#agenda-banner")).to_be_hidden()
    chair.click(".console-tab[data-tab='agenda']")
    expect(chair.locator("#agenda-prev")).to_be_disabled()
    chair.click("#agenda-next")
    for page in (a, b):
        expect(page.locator("#agenda-title")).to_have_text("Báo cáo tình hình bão số 3", timeout=20_000)
        expect(page.locator("#agenda-presenter")).to_have_text("Trình bày: Phó Chủ tịch UBND huyện")
        expect(page.locator("#agenda-clock")).to_have_text("0 / 15 phút")
    expect(chair.locator("#console-agenda li.current")).to_contain_text("Báo cáo tình hình bão số 3")
    chair.click("#agenda-next")
    expect(b.locator("#agenda-title")).to_have_text("Phương án sơ tán dân", timeout=20_000)
    expect(b.locator("#agenda-presenter")).to_have_text("")
    expect(b.locator("#agenda-clock")).to_have_text("0 / 20 phút")
    expect(chair.locator("#agenda-next")).to_be_disabled()

    # The chair asks a question with three options, one vote per site.
    chair.click(".console-tab[data-tab='vote']")
    chair.fill("#vote-question", "Thông qua phương án sơ tán dân vùng trũng?")
    options = chair.locator(".vote-option-input")
    # The usual three answers come filled in; the chair may change them.
    for i, usual in enumerate(("Tán thành", "Không tán thành", "Không có ý kiến")):
        expect(options.nth(i)).to_have_value(usual)
    options.nth(0).fill("Tán thành")
    options.nth(1).fill("Không tán thành")
    options.nth(2).fill("Xin ý kiến thêm")
    chair.select_option("#vote-per", "site")
    chair.click("#vote-form button[type=submit]")
    expect(chair.locator("#vote-live-question")).to_have_text("Thông qua phương án sơ tán dân vùng trũng?")

    # A says yes, B says no; each answers once (its buttons go away).
    for page, choice, label in ((a, 0, "Tán thành"), (b, 1, "Không tán thành")):
        expect(page.locator("#vote-answer-question")).to_have_text(
            "Thông qua phương án sơ tán dân vùng trũng?", timeout=20_000
        )
        page.click(f"#vote-answer-options button[data-choice='{choice}']")
        expect(page.locator("#vote-answer-done")).to_have_text(f"Đã biểu quyết: {label}", timeout=20_000)
        expect(page.locator("#vote-answer-options")).to_be_hidden()
    # A's page is opened again (a reconnection, another machine): it shows the answer A gave, not the choices.
    enter(a, link(world, 1, live))
    expect(a.locator("#vote-answer-done")).to_have_text("Đã biểu quyết: Tán thành", timeout=20_000)
    expect(a.locator("#vote-answer-options")).to_be_hidden()
    # Live counts for the chair.
    expect(chair.locator("#vote-live-answered")).to_contain_text("Đã trả lời: 2", timeout=20_000)
    expect(chair.locator("#vote-live-counts .vote-count-n")).to_have_text(["1", "1", "0"])

    # Closed: everyone sees the results, equal to the answers given.
    chair.click("#vote-close")
    for page in (chair, a, b):
        results = page.locator("#vote-results")
        expect(results).to_be_visible(timeout=20_000)
        expect(results.locator("#vote-results-question")).to_have_text("Thông qua phương án sơ tán dân vùng trũng?")
        expect(results.locator(".vote-count-label")).to_have_text(["Tán thành", "Không tán thành", "Xin ý kiến thêm"])
        expect(results.locator(".vote-count-n")).to_have_text(["1", "1", "0"])
        expect(results.locator("#vote-results-total")).to_have_text("Tổng số phiếu: 2")
        expect(page.locator("#vote-answer")).to_be_hidden()
    expect(chair.locator("#vote-form")).to_be_visible()

    # The roll call: the chair opens it; A is there in person with 12 people, B on line with 3. Both are
    # connected, so neither may report itself absent (the option is disabled, and the server would refuse it).
    chair.click(".console-tab[data-tab='roll']")
    expect(chair.locator("#roll-toggle")).to_have_text("Mở điểm danh")
    chair.click("#roll-toggle")
    expect(chair.locator("#roll-toggle")).to_have_text("Kết thúc điểm danh", timeout=20_000)
    expect(a.locator("#roll-answer")).to_be_visible(timeout=20_000)
    a.check("input[name=roll-status][value=in_person]")
    a.fill("#roll-headcount", "12")
    a.click("#roll-form button[type=submit]")
    expect(a.locator("#roll-sent")).to_have_text("Đã gửi điểm danh: Dự trực tiếp · 12 người")
    expect(b.locator("#roll-answer")).to_be_visible()
    expect(b.locator("input[name=roll-status][value=absent]")).to_be_disabled()
    absent_label = b.locator("label", has=b.locator("input[name=roll-status][value=absent]"))
    expect(absent_label).to_have_attribute("title", "Điểm cầu đang kết nối với cuộc họp nên không báo vắng mặt.")
    b.fill("#roll-headcount", "3")
    b.click("#roll-form button[type=submit]")
    expect(b.locator("#roll-sent")).to_have_text("Đã gửi điểm danh: Dự trực tuyến · 3 người")

    row_a = chair.locator(f"#roll-sites li[data-site='{site_a}']")
    row_b = chair.locator(f"#roll-sites li[data-site='{site_b}']")
    expect(row_a.locator(".roll-site-answer")).to_have_text("Dự trực tiếp · 12 người", timeout=20_000)
    expect(row_b.locator(".roll-site-answer")).to_have_text("Dự trực tuyến · 3 người", timeout=20_000)
    expect(chair.locator("#roll-total")).to_have_text("Tổng số người dự: 15")
    expect(chair.locator("#roll-counts")).to_have_text(
        "1 trực tuyến · 1 trực tiếp · 0 vắng · 1 chưa điểm danh"  # the district's room has not answered
    )
    # On the sites' list too.
    expect(chair.locator(f"#console-sites li[data-site='{site_a}'] .cs-roll")).to_have_text("Dự trực tiếp · 12 người")

    # The chair corrects A's headcount: 15; and marks B absent (its PC is on, its people went to the dykes),
    # which needs a reason.
    row_a.locator("button.roll-edit").click()
    row_a.locator("input.roll-edit-headcount").fill("15")
    row_a.locator("button.roll-save").click()
    expect(row_a.locator(".roll-site-answer")).to_contain_text("Dự trực tiếp · 15 người", timeout=20_000)
    row_b.locator("button.roll-edit").click()
    row_b.locator("select.roll-edit-status").select_option("absent")
    row_b.locator("button.roll-save").click()
    expect(row_b.locator(".roll-edit-error")).to_have_text("Hãy ghi lý do vắng mặt.")
    row_b.locator("input.roll-edit-reason").fill("Đi trực đê")
    row_b.locator("button.roll-save").click()
    expect(row_b.locator(".roll-site-answer")).to_contain_text("Vắng mặt · Lý do: Đi trực đê", timeout=20_000)
    expect(chair.locator("#roll-total")).to_have_text("Tổng số người dự: 15")

    # Closed: the sites' forms go away.
    chair.click("#roll-toggle")
    expect(a.locator("#roll-answer")).to_be_hidden(timeout=20_000)
    expect(b.locator("#roll-answer")).to_be_hidden()

    # The chair names site A co-chair: A gets the console; un-named, it goes away.
    chair.click(".console-tab[data-tab='more']")
    chair.locator(f"#cochairs li[data-participant='{a_id}'] button.cochair-toggle").click()
    expect(a.locator("#console")).to_be_visible(timeout=20_000)
    expect(chair.locator(f"#cochairs li[data-participant='{a_id}'] .flag-cochair")).to_have_text("Đồng chủ trì")
    chair.locator(f"#cochairs li[data-participant='{a_id}'] button.cochair-toggle").click()
    expect(a.locator("#console")).to_be_hidden(timeout=20_000)
    expect(b.locator("#console")).to_be_hidden()


def test_recording_a_confidential_meeting_asks_the_chair_first(
    live_server: LiveServer, people: Directory, new_page: Callable[[], Page]
) -> None:
    live = live_server
    world = room_world(live.app, people)
    with live.app.state.ctx.session() as session:
        meeting = session.get(Meeting, world.meeting_id)
        assert meeting is not None
        meeting.confidential = True
        session.add(meeting)
        session.commit()
    world.open()
    chair, a = new_page(), new_page()
    asked: list[str] = []
    answers = [False, True]  # the first time the chair thinks again; the second, records

    def dialog(d: Dialog) -> None:
        asked.append(d.message)
        if answers.pop(0):
            d.accept()
        else:
            d.dismiss()

    chair.on("dialog", dialog)
    log_in(chair, live, "chutich")
    enter(chair, f"{live.url}/meetings/{world.meeting_id}/room")
    enter(a, link(world, 1, live))
    expect(a.locator("#conn-state")).to_have_text("Đã kết nối", timeout=40_000)
    chair.click(".console-tab[data-tab='more']")
    expect(chair.locator("#record-toggle")).to_have_text("Bắt đầu ghi hình")

    chair.click("#record-toggle")
    eventually(lambda: len(asked) == 1, 10, "the chair asked")
    assert asked[0].startswith("Đây là cuộc họp mật, theo quy định không được ghi hình.")
    time.sleep(2)
    expect(a.locator("#recording-indicator")).to_be_hidden()
    expect(chair.locator("#record-state")).to_have_text("Không ghi hình")

    chair.click("#record-toggle")
    expect(a.locator("#recording-indicator")).to_be_visible(timeout=30_000)
    expect(chair.locator("#recording-indicator")).to_be_visible()
    expect(chair.locator("#record-state")).to_have_text("Đang ghi hình")
    expect(chair.locator("#record-toggle")).to_have_text("Dừng ghi hình")
    assert len(asked) == 2

    chair.click("#record-toggle")  # stopping asks nothing
    expect(a.locator("#recording-indicator")).to_be_hidden(timeout=60_000)
    expect(chair.locator("#record-toggle")).to_have_text("Bắt đầu ghi hình")
    assert len(asked) == 2
