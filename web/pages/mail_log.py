"""A meeting's mail log — every recipient, status, attempts, the server's last reply — with resend; and the
administrator's outbox page with the dead letters and their retry."""

from __future__ import annotations

from sqlmodel import Session, col, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from meetings import access, outbox
from meetings.errors import DomainError, Forbidden
from meetings.meeting import Meeting
from meetings.meeting_mail import resend_mail
from meetings.outbox import OutboxStatus
from meetings.scheduling import get_meeting
from web.auth import require_person
from web.context import ctx
from web.i18n import translate
from web.mail_labels import PURPOSE_NAMES, STATUS_NAMES, shown_status
from web.pages.common import db, now, path_id
from web.pages.forms import see_other
from web.templating import render

_RESENDABLE = (OutboxStatus.DELIVERED, OutboxStatus.FAILED, OutboxStatus.DEAD)


def _labels() -> dict[str, object]:
    return {"purpose_names": PURPOSE_NAMES, "status_names": STATUS_NAMES, "shown_status": shown_status}


def _log_context(session: Session, request: Request, meeting_id: int) -> dict[str, object]:
    person = require_person(request)
    meeting = get_meeting(session, person, meeting_id)
    if not access.can_manage_meeting(person, meeting):
        raise Forbidden("Chỉ chủ trì, thư ký của đơn vị triệu tập hoặc quản trị viên được xem nhật ký gửi thư.")
    entries = outbox.items_for_meeting(session, meeting_id)
    counts: dict[str, int] = {}
    for entry in entries:
        status = shown_status(entry)
        counts[status] = counts.get(status, 0) + 1
    return {
        "m": meeting,
        "entries": list(reversed(entries)),  # newest first
        "counts": counts,
        "resendable": {s.value for s in _RESENDABLE},
        **_labels(),
    }


def mail_log(request: Request, *, error: str = "", status_code: int = 200) -> Response:
    with db(request) as session:
        context = _log_context(session, request, path_id(request))
    context["error"] = error
    return render(request, "mail/log.html", context, status_code=status_code)


def resend(request: Request) -> Response:
    person = require_person(request)
    meeting_id, item_id = path_id(request), path_id(request, "item_id")
    with db(request) as session:
        item = outbox.get_item(session, item_id)
        if item.meeting_id != meeting_id:
            raise Forbidden("Thư này không thuộc cuộc họp này.")
        try:
            resend_mail(session, person, item_id, now=now())
        except DomainError as exc:
            if exc.status_code in (401, 403, 404):
                raise
            return mail_log(request, error=translate(request, exc.message), status_code=exc.status_code)
    _wake(request)
    return see_other(f"/meetings/{meeting_id}/mail")


def _wake(request: Request) -> None:
    worker = getattr(request.app.state, "outbox", None)
    if worker is not None:
        worker.wake()


def outbox_page(request: Request, *, error: str = "", status_code: int = 200) -> Response:
    person = require_person(request)
    if not access.is_administrator(person):
        raise Forbidden("Chỉ quản trị viên được xem hộp thư đi.")
    with db(request) as session:
        problems = outbox.problem_items(session)
        waiting = outbox.waiting_items(session, now=now())
        ids = {i.meeting_id for i in [*problems, *waiting] if i.meeting_id is not None}
        titles = dict(session.exec(select(Meeting.id, Meeting.title).where(col(Meeting.id).in_(ids))).all())
        context: dict[str, object] = {
            "counts": outbox.status_counts(session),
            "problems": problems,
            "waiting": waiting,
            "titles": titles,
            "transport": _transport(request),
            "error": error,
            **_labels(),
        }
    return render(request, "mail/outbox.html", context, status_code=status_code)


def _transport(request: Request) -> str:
    worker = getattr(request.app.state, "outbox", None)
    if worker is None:
        settings = ctx(request).settings
        return "" if settings.mail_worker else translate(request, "Bộ gửi thư không chạy trong tiến trình này.")
    deliverer = worker.deliverers.get("mail")
    return str(deliverer.transport.describe()) if deliverer is not None else ""


def retry(request: Request) -> Response:
    person = require_person(request)
    if not access.is_administrator(person):
        raise Forbidden("Chỉ quản trị viên được gửi lại thư từ hộp thư đi.")
    with db(request) as session:
        try:
            outbox.retry_item(session, person, path_id(request, "item_id"), now=now())
        except DomainError as exc:
            if exc.status_code in (401, 403, 404):
                raise
            return outbox_page(request, error=translate(request, exc.message), status_code=exc.status_code)
    _wake(request)
    return see_other("/admin/outbox")


def routes() -> list[BaseRoute]:
    return [
        Route("/meetings/{id:int}/mail", mail_log, name="mail_log"),
        Route("/meetings/{id:int}/mail/{item_id:int}/resend", resend, methods=["POST"], name="mail_resend"),
        Route("/admin/outbox", outbox_page, name="outbox"),
        Route("/admin/outbox/{item_id:int}/retry", retry, methods=["POST"], name="outbox_retry"),
    ]
