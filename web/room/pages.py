"""The room's pages: the room of a meeting (for people logged in, and for a site's PC through its join link),
a site's rehearsal room with its last device checks, the device-check report, and the card on the meeting
page with the join button and the sites' links.

One page does it all (device check, lobby, room); its script takes everything it needs from a JSON block:
the join token, the signalling path, and every text in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from babel.dates import format_datetime
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from meetings import rooms as domain
from meetings.drafts import agenda_of
from meetings.errors import DomainError, Forbidden, NotFound, ValidationError
from meetings.meeting import Meeting, MeetingState
from meetings.people import Person, Role
from web.auth import require_person
from web.context import ctx
from web.i18n import N_, language_of, translate
from web.pages.forms import see_other
from web.room.console_texts import CONSOLE_TEXTS
from web.room.room_documents import room_documents, site_document
from web.room.tokens import (
    JoinGrant,
    join_link,
    person_token,
    read_site_token,
    read_token,
    rehearsal_token,
)
from web.templating import render

# The domain's refusals to let anyone into a room (meetings.rooms.check_joinable), named here so that the
# catalog keeps them: the error page translates a domain error's message found in it.
ROOM_REFUSALS = (
    N_("Cuộc họp chưa phát hành giấy mời, chưa thể vào phòng họp."),
    N_("Cuộc họp đã kết thúc, phòng họp đã đóng."),
)

# Texts the page's script shows, by key (translated for each page).
SCRIPT_TEXTS = {
    "insecure": N_(
        "Trang này không được mở qua kết nối an toàn (HTTPS), nên trình duyệt không cho dùng camera và micrô. "
        "Hãy mở bằng địa chỉ https://… hoặc báo quản trị viên cấu hình HTTPS."
    ),
    "refused": N_(
        "Trình duyệt đang chặn camera hoặc micrô. Bấm vào biểu tượng ổ khoá (hoặc camera) bên trái thanh địa chỉ, "
        "chọn «Cho phép», rồi bấm «Kiểm tra lại»."
    ),
    "missing": N_("Không tìm thấy thiết bị. Kiểm tra dây cắm hoặc chọn thiết bị khác trong danh sách."),
    "busy": N_(
        "Thiết bị đang được một chương trình khác dùng (Zalo, Zoom, Teams…). Hãy đóng chương trình đó rồi bấm "
        "«Kiểm tra lại»."
    ),
    "error": N_("Không mở được thiết bị. Hãy bấm «Kiểm tra lại» hoặc khởi động lại trình duyệt."),
    "camera_ok": N_("Camera hoạt động tốt."),
    "mic_ok": N_("Micrô hoạt động: hãy nói thử và xem vạch âm lượng."),
    "mic_silent": N_("Chưa nghe thấy tiếng: hãy nói thử vào micrô."),
    "no_camera_join": N_("Anh/chị vẫn có thể vào phòng, nhưng các điểm cầu khác sẽ không thấy hình của mình."),
    "default_device": N_("Thiết bị mặc định"),
    "device": N_("Thiết bị %(n)s"),
    "reconnecting": N_("Đang kết nối lại…"),
    "connecting": N_("Đang kết nối…"),
    "connected": N_("Đã kết nối"),
    "lobby_wait": N_("Cuộc họp chưa bắt đầu. Vui lòng chờ chủ trì mở cuộc họp; trang sẽ tự vào phòng."),
    "lobby_start": N_("Giờ bắt đầu: %(time)s"),
    "you": N_("Bạn"),
    "chair": N_("Chủ trì"),
    "speaking": N_("Đang phát biểu"),
    "hand": N_("Xin phát biểu (%(n)s)"),
    "mic_off": N_("Đã tắt micrô"),
    "camera_off": N_("Đã tắt camera"),
    "sharing": N_("Đang chia sẻ màn hình"),
    "quality_good": N_("Đường truyền tốt"),
    "quality_fair": N_("Đường truyền trung bình"),
    "quality_poor": N_("Đường truyền yếu"),
    "quality_unknown": N_("Chưa rõ chất lượng đường truyền"),
    "mute": N_("Tắt micrô"),
    "unmute": N_("Bật micrô"),
    "camera_stop": N_("Tắt camera"),
    "camera_start": N_("Bật camera"),
    "raise_hand": N_("Xin phát biểu"),
    "lower_hand": N_("Thôi xin phát biểu"),
    "holding_floor": N_("Đang được phát biểu"),
    "share": N_("Chia sẻ màn hình"),
    "stop_share": N_("Dừng chia sẻ"),
    "allow_share": N_("Cho chia sẻ màn hình"),
    "deny_share": N_("Thôi cho chia sẻ"),
    "share_failed": N_("Không chia sẻ được màn hình."),
    "ended": N_("Cuộc họp đã kết thúc."),
    "left": N_("Anh/chị đã rời phòng họp."),
    "rejoin": N_("Vào lại"),
    "confirm_close": N_("Kết thúc cuộc họp cho tất cả các điểm cầu?"),
    "check_saved": N_("Đã lưu kết quả kiểm tra."),
    "nobody": N_("Chưa có điểm cầu nào khác trong phòng."),
    "yourself": N_("Hình của anh/chị, gửi qua máy chủ và nhận về"),
}

RESULT_LABELS = {
    "ok": N_("Tốt"),
    "refused": N_("Bị chặn"),
    "missing": N_("Không có"),
    "busy": N_("Đang bận"),
    "insecure": N_("Trang không an toàn"),
    "error": N_("Lỗi"),
    "untested": N_("Chưa thử"),
    "heard": N_("Nghe rõ"),
    "not_heard": N_("Không nghe thấy"),
}

INVALID_CHECK = N_("Kết quả kiểm tra không hợp lệ.")


def _now() -> datetime:
    return datetime.now(UTC)


def _id(request: Request) -> int:
    value = request.path_params["id"]
    if not isinstance(value, int) or value > 2**31 - 1:  # beyond 32 bits it cannot be a row
        raise NotFound("Không tìm thấy trang hoặc đối tượng yêu cầu.")
    return value


def _texts(request: Request) -> dict[str, str]:
    return {key: translate(request, text) for key, text in (SCRIPT_TEXTS | CONSOLE_TEXTS).items()}


def _agenda(session: Session, meeting: Meeting) -> list[dict[str, Any]]:
    """The agenda as the console moves through it (the current item itself comes from the server)."""
    assert meeting.id is not None
    return [
        {"id": i.id, "title": i.title, "presenter": i.presenter, "planned_minutes": i.planned_minutes}
        for i in agenda_of(session, meeting.id)
    ]


@dataclass
class RoomPage:
    title: str
    label: str
    token: str
    kind: str  # meeting | rehearsal
    meeting: Meeting | None = None
    site_id: int | None = None
    chair: bool = False
    rehearsal_url: str = ""
    back_url: str = ""
    agenda: list[dict[str, Any]] | None = None
    person: bool = False  # a logged-in person (may answer votes per person), not a site's PC
    documents: list[dict[str, Any]] | None = None  # the meeting's, each {name, url, kb}


def _render(request: Request, page: RoomPage, checks: list[domain.DeviceCheck] | None = None) -> Response:
    config: dict[str, Any] = {
        "token": page.token,
        "signalling": "/ws/room",
        "checks": "/room/checks",
        "kind": page.kind,
        "label": page.label,
        "texts": _texts(request),
        "lang": language_of(request),
        "agenda": page.agenda or [],
        # The server's clock, for times the script counts from (the PC's clock may be set to anything).
        "now": _now().isoformat(),
        "person": page.person,
        # A confidential meeting is recorded only with the chair's logged override (asked before starting).
        "confidential": bool(page.meeting and page.meeting.confidential and not page.meeting.record_confidential),
        # The start time as the server's time zone has it (the PC's clock may be set to anything).
        "start_text": format_datetime(
            page.meeting.start_at, "HH:mm, dd/MM/yyyy", tzinfo=request.app.state.tz, locale=language_of(request)
        )
        if page.meeting is not None
        else "",
    }
    context = {
        "page": page,
        "config": config,
        "checks": checks,
        "result_labels": RESULT_LABELS,
        "start_at": page.meeting.start_at if page.meeting is not None else None,
    }
    return render(request, "room/room.html", context)


# ---------- pages ----------


def meeting_room(request: Request) -> Response:
    """The room of a meeting, for a logged-in person (as their site, or as themselves)."""
    person = require_person(request)
    meeting_id = _id(request)
    with ctx(request).session() as session:
        meeting = domain.load_meeting(session, meeting_id)
        seat = domain.seat_for_person(session, person, meeting)
        domain.check_joinable(meeting)
        agenda = _agenda(session, meeting)
        documents = room_documents(session, meeting, None)
    context = ctx(request)
    assert person.id is not None
    token = person_token(context.settings, context.secret_key, meeting_id, seat.site_id, person.id, now=_now())
    rehearsal = f"/sites/{seat.site_id}/rehearsal" if seat.site_id is not None else ""
    page = RoomPage(
        title=meeting.title,
        label=seat.label,
        token=token,
        kind="meeting",
        meeting=meeting,
        site_id=seat.site_id,
        chair=seat.chair,
        rehearsal_url=rehearsal,
        back_url=f"/meetings/{meeting_id}",
        agenda=agenda,
        person=True,
        documents=documents,
    )
    return _render(request, page)


def _site_grant(request: Request) -> JoinGrant:
    return read_site_token(ctx(request).secret_key, request.path_params["token"], now=_now())


def site_room(request: Request) -> Response:
    """The room through a site's join link: no log-in, the meeting-room PC."""
    grant = _site_grant(request)
    assert grant.meeting_id is not None and grant.site_id is not None
    with ctx(request).session() as session:
        meeting = domain.load_meeting(session, grant.meeting_id)
        seat = domain.seat_for_site(session, meeting, grant.site_id)
        domain.check_joinable(meeting)
        agenda = _agenda(session, meeting)
        documents = room_documents(session, meeting, request.path_params["token"])
    page = RoomPage(
        title=meeting.title,
        label=seat.label,
        token=request.path_params["token"],
        kind="meeting",
        meeting=meeting,
        site_id=grant.site_id,
        rehearsal_url=f"/join/{request.path_params['token']}/rehearsal",
        agenda=agenda,
        documents=documents,
    )
    return _render(request, page)


def site_rehearsal(request: Request) -> Response:
    """A site's rehearsal room, reached from its join link."""
    grant = _site_grant(request)
    assert grant.site_id is not None
    with ctx(request).session() as session:
        site = domain.load_site(session, grant.site_id)
    context = ctx(request)
    token = rehearsal_token(context.settings, context.secret_key, grant.site_id, None, now=_now())
    page = RoomPage(
        title=site.name,
        label=site.name,
        token=token,
        kind="rehearsal",
        site_id=grant.site_id,
        back_url=f"/join/{request.path_params['token']}",
    )
    return _render(request, page)


def _sees_checks(person: Person, site_unit_id: int) -> bool:
    return (
        person.has_role(Role.ADMINISTRATOR)
        or person.has_role(Role.SITE_OPERATOR)
        or (person.unit_id == site_unit_id and bool(person.role_set()))
    )


def rehearsal_room(request: Request) -> Response:
    """A site's rehearsal room for a logged-in person (its officials, IT officers), with its last checks."""
    person = require_person(request)
    site_id = _id(request)
    with ctx(request).session() as session:
        site = domain.load_site(session, site_id)
        seat = domain.rehearsal_seat_for_person(session, person, site)
        checks = domain.last_checks(session, site_id) if _sees_checks(person, site.unit_id) else None
    context = ctx(request)
    assert person.id is not None
    token = rehearsal_token(context.settings, context.secret_key, site_id, person.id, now=_now())
    page = RoomPage(title=site.name, label=seat.label, token=token, kind="rehearsal", site_id=site_id, chair=seat.chair)
    return _render(request, page, checks)


# ---------- the device check report ----------


async def record_check(request: Request) -> Response:
    """The device check's results, posted by the page's script (JSON, CSRF header) with its join token."""
    try:
        data = await request.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return JSONResponse({"error": translate(request, INVALID_CHECK)}, status_code=422)
    try:
        grant = read_token(ctx(request).secret_key, data.get("token"), now=_now())
        fields = {name: data.get(name, "") for name in ("camera", "microphone", "speaker")}
        labels = {name: data.get(name, "") for name in ("camera_label", "microphone_label", "browser")}
        if not all(isinstance(v, str) for v in (*fields.values(), *labels.values())):
            raise ValidationError(INVALID_CHECK)
        mic_peak = data.get("mic_peak", 0)
        if isinstance(mic_peak, float) and mic_peak.is_integer():
            mic_peak = int(mic_peak)
        with ctx(request).session() as session:
            domain.record_check(
                session,
                site_id=grant.site_id,
                person_id=grant.person_id,
                meeting_id=grant.meeting_id,
                mic_peak=mic_peak,
                **fields,
                **labels,
            )
    except DomainError as exc:
        return JSONResponse({"error": translate(request, exc.message), "field": exc.field}, status_code=exc.status_code)
    return JSONResponse({"ok": True}, status_code=201)


# ---------- the card on the meeting page ----------


def room_card(request: Request, session: Session, person: Person, meeting: Meeting) -> dict[str, Any]:
    """What the meeting page shows about the room: whether and how this person enters, and (for the chair,
    the secretary and the sites' IT officers) each invited site's join link to open on its meeting-room PC."""
    assert meeting.id is not None
    joinable = meeting.state in (MeetingState.PUBLISHED, MeetingState.LIVE)
    try:
        seat: domain.Seat | None = domain.seat_for_person(session, person, meeting)
    except Forbidden:
        seat = None
    chair = domain.can_chair(person, meeting)
    links = []
    if joinable:
        context = ctx(request)
        for site in domain.invited_sites(session, meeting.id):
            own = person.unit_id == site.unit_id and person.has_role(Role.SITE_OPERATOR)
            if site.active and (chair or own):
                url = join_link(context.settings, context.secret_key, meeting, site)
                links.append({"site": site, "url": url, "rehearsal": f"{url}/rehearsal"})
    return {
        "joinable": joinable,
        "live": meeting.state == MeetingState.LIVE,
        "enter_url": f"/meetings/{meeting.id}/room" if joinable and seat is not None else "",
        "seat": seat,
        "chair": chair,
        "links": links,
        "meeting_id": meeting.id,
    }


def end_meeting(request: Request) -> Response:
    """The chair, or whoever manages the meeting, ends a live meeting from its page: everyone left the room
    without ending it, say, and the secretary cannot write the minutes of a meeting still live. A room still
    running sees it within a few seconds and ends too."""
    person = require_person(request)
    meeting_id = int(request.path_params["id"])
    with ctx(request).session() as session:
        domain.close_meeting(session, person, meeting_id, now=_now())
    return see_other(f"/meetings/{meeting_id}")


def routes() -> list[BaseRoute]:
    return [
        Route("/meetings/{id:int}/room", meeting_room, name="meeting_room"),
        Route("/meetings/{id:int}/end", end_meeting, methods=["POST"], name="end_meeting"),
        Route("/join/{token}", site_room, name="site_room"),
        Route("/join/{token}/rehearsal", site_rehearsal, name="site_rehearsal"),
        Route("/join/{token}/documents/{doc:int}", site_document, name="site_document"),
        Route("/sites/{id:int}/rehearsal", rehearsal_room, name="rehearsal_room"),
        Route("/room/checks", record_check, methods=["POST"], name="room_checks"),
    ]
