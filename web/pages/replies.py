"""Answering an invitation through the signed link in the mail (no log-in: the link is the credential), and
the chair's view of the answers, where a deputy is accepted or refused (Decision 45/2018)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from meetings import access, replies
from meetings.errors import DomainError, Forbidden, NotFound, ValidationError
from meetings.mail_recipients import meeting_recipients
from meetings.meeting import Meeting
from meetings.replies import InvitationReply
from meetings.scheduling import get_meeting, meeting_detail
from web.auth import require_person
from web.context import ctx
from web.i18n import translate
from web.mail_labels import ANSWER_NAMES, DECISION_NAMES
from web.mail_links import ReplyLink, read_reply_token
from web.pages.common import db, now, path_id
from web.pages.forms import see_other, text
from web.templating import render


def _link(request: Request) -> ReplyLink:
    token = request.path_params.get("token", "")
    return read_reply_token(ctx(request).secret_key, str(token), now=now())


def _reply_context(session: Session, link: ReplyLink) -> dict[str, object]:
    meeting = session.get(Meeting, link.meeting_id)
    if meeting is None:
        raise NotFound("Không tìm thấy cuộc họp.")
    name = replies.respondent_name(session, link.meeting_id, link.respondent)
    detail = meeting_detail(session, meeting)
    return {
        "m": meeting,
        "detail": detail,
        "respondent": name,
        "current": replies.get_reply(session, link.meeting_id, link.respondent),
        "answer_names": ANSWER_NAMES,
        "decision_names": DECISION_NAMES,
    }


def reply_form(request: Request) -> Response:
    return _render_form(request)


def _render_form(
    request: Request,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    link = _link(request)
    with db(request) as session:
        context = _reply_context(session, link)
        try:
            replies.open_meeting(session, link.meeting_id)
            context["closed"] = ""
        except DomainError as exc:
            context["closed"] = translate(request, exc.message)
    current = context["current"]
    assert current is None or isinstance(current, InvitationReply)
    context["errors"] = errors or {}
    context["values"] = values or {
        "answer": current.answer if current else "attend",
        "reason": current.reason if current else "",
        "deputy_name": current.deputy_name if current else "",
        "deputy_position": current.deputy_position if current else "",
    }
    context["token"] = request.path_params["token"]
    return render(request, "mail/reply.html", context, status_code=status_code)


def reply_submit(request: Request) -> Response:
    link = _link(request)
    values = {name: text(request, name) for name in ("answer", "reason", "deputy_name", "deputy_position")}
    with db(request) as session:
        try:
            saved = replies.record_reply(
                session,
                link.meeting_id,
                link.respondent,
                answer=values["answer"],
                reason=values["reason"],
                deputy_name=values["deputy_name"],
                deputy_position=values["deputy_position"],
                now=now(),
            )
        except ValidationError as exc:
            errors = {exc.field or "answer": translate(request, exc.message)}
            return _render_form(request, errors=errors, values=values, status_code=exc.status_code)
        context = _reply_context(session, link)
    context["saved"] = saved
    return render(request, "mail/reply_done.html", context)


@dataclass(frozen=True)
class AnswerRow:
    ref: str
    name: str
    site_name: str
    reply: InvitationReply | None


def replies_page(request: Request, *, error: str = "", status_code: int = 200) -> Response:
    person = require_person(request)
    meeting_id = path_id(request)
    with db(request) as session:
        meeting = get_meeting(session, person, meeting_id)
        is_chair = person.id == meeting.chair_id
        if not (is_chair or access.can_manage_meeting(person, meeting)):
            raise Forbidden("Chỉ chủ trì, thư ký của đơn vị triệu tập hoặc quản trị viên được xem trả lời giấy mời.")
        answers = {r.respondent: r for r in replies.replies_for(session, meeting_id)}
        rows = [
            AnswerRow(r.ref, r.name, r.site_name if r.ref.startswith("site:") else "", answers.pop(r.ref, None))
            for r in meeting_recipients(session, meeting)
        ]
        # Answers of respondents no longer invited are still shown, after the others.
        rows += [AnswerRow(ref, r.respondent_name, "", r) for ref, r in answers.items()]
    counts: dict[str, int] = {}
    for row in rows:
        key = row.reply.answer if row.reply else "none"
        counts[key] = counts.get(key, 0) + 1
    context = {
        "m": meeting,
        "rows": rows,
        "counts": counts,
        "is_chair": is_chair,
        "error": error,
        "answer_names": ANSWER_NAMES,
        "decision_names": DECISION_NAMES,
    }
    return render(request, "mail/replies.html", context, status_code=status_code)


def decide(request: Request) -> Response:
    person = require_person(request)
    meeting_id, reply_id = path_id(request), path_id(request, "reply_id")
    decision = text(request, "decision")
    with db(request) as session:
        reply = session.get(InvitationReply, reply_id)
        if reply is None or reply.meeting_id != meeting_id:
            raise NotFound("Không tìm thấy trả lời này.")
        if decision not in ("accept", "refuse"):
            message = translate(request, "Hãy chọn đồng ý hoặc không đồng ý.")
            return replies_page(request, error=message, status_code=422)
        try:
            replies.decide_deputy(session, person, reply_id, accept=decision == "accept", note=text(request, "note"))
        except DomainError as exc:
            if exc.status_code in (401, 404):
                raise
            return replies_page(request, error=translate(request, exc.message), status_code=exc.status_code)
    return see_other(f"/meetings/{meeting_id}/replies")


def routes() -> list[BaseRoute]:
    return [
        Route("/reply/{token}", reply_form, name="reply"),
        Route("/reply/{token}", reply_submit, methods=["POST"], name="reply_submit"),
        Route("/meetings/{id:int}/replies", replies_page, name="replies"),
        Route("/meetings/{id:int}/replies/{reply_id:int}/decide", decide, methods=["POST"], name="decide_deputy"),
    ]
