"""The minutes editor and the conclusion notice, as pages.

- ``GET /meetings/{id}/minutes``: the editor (secretary, chair, the convening unit's chairs and secretaries),
  or the approved minutes for everyone else who may see the meeting;
- ``POST /meetings/{id}/minutes/save``: the editor's autosave (JSON, ``X-CSRF-Token``): ``{"base_version",
  "content"}`` → ``{"version", "saved_at"}``, or ``{"error", "field", "version"}`` with 409 for a stale
  save, 4xx when frozen or refused;
- versions: ``GET …/minutes/versions/{v}`` shows one, ``POST …/restore`` makes it current;
- ``POST …/minutes/approve``: the chair approves (meetings.minutes.approval);
- ``/meetings/{id}/conclusion``: the conclusion notice, started, edited, issued.
"""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from meetings.errors import DomainError, ValidationError
from meetings.meeting import Meeting, MeetingState
from meetings.minutes import approval, conclusion, editing
from meetings.minutes.content import ConclusionContent, MinutesContent
from meetings.minutes.facts import MinutesFacts, gather_facts
from meetings.minutes.forms import minutes_form
from meetings.minutes.issuing import IssueServices, check_renderable
from meetings.minutes.signers import DemoSigningKeys, FolderSigningKeys, SigningKeys
from meetings.minutes.tables import MinutesState
from meetings.people import Person
from meetings.records.numbering import IssuedNumber, NumberingMode, numbering_mode
from meetings.records.render import on_renderer_thread, render_pdf
from meetings.records.signing import Pkcs12Credential
from meetings.units import Unit
from web.auth import require_person
from web.context import ctx, document_store
from web.filing_delivery import package_store
from web.i18n import translate
from web.pages.common import db, local_zone, now, path_id
from web.pages.forms import number, see_other, text
from web.settings import Settings
from web.templating import render

MAX_SAVE_BYTES = 1_000_000


def signing_keys(settings: Settings) -> SigningKeys:
    """The demo CA in development and tests (unless an agency certificate is configured); otherwise the
    people's key files an administrator put in ``<data folder>/signing`` and the agency's certificate of
    the settings (meetings.minutes.signers)."""
    if settings.environment in ("development", "test") and settings.signing_agency_p12 is None:
        return DemoSigningKeys(settings.data_dir / "pki")
    agency = (
        Pkcs12Credential(settings.signing_agency_p12, settings.signing_agency_passphrase)
        if settings.signing_agency_p12 is not None
        else None
    )
    return FolderSigningKeys(settings.data_dir / "signing", agency=agency, seal=settings.signing_seal_image)


def issue_services(request: Request) -> IssueServices:
    settings = ctx(request).settings
    return IssueServices(
        keys=signing_keys(settings),
        documents=document_store(settings),
        packages=package_store(settings),
        tz=local_zone(request),
        base_url=settings.base_url,
    )


def _facts(session: Session, view: editing.MinutesView) -> MinutesFacts:
    if view.minutes.facts_json:
        return MinutesFacts.from_json(view.minutes.facts_json)
    return gather_facts(session, view.meeting)


def _page_context(session: Session, person: Person, meeting_id: int, tz: ZoneInfo) -> dict[str, Any]:
    view = editing.open_minutes(session, person, meeting_id)
    meeting = view.meeting
    issued = session.get(IssuedNumber, view.minutes.issued_number_id) if view.minutes.issued_number_id else None
    register = numbering_mode(session, meeting.convening_unit_id) is NumberingMode.REGISTER
    notice = conclusion.conclusion_status(session, meeting_id, now(), tz)
    return {
        "m": meeting,
        "view": view,
        "facts": _facts(session, view),
        "content": view.content,
        "number": str(issued.number_and_symbol()) if issued else "",
        "register_mode": register,
        "can_approve": editing.can_approve_minutes(person, meeting)
        and (
            (view.minutes.state == MinutesState.DRAFT and meeting.state == MeetingState.ENDED)
            or (view.approved and view.minutes.document_id is None)
        ),
        "pending_issue": view.approved and view.minutes.document_id is None,
        "versions": editing.history(session, person, meeting_id) if editing.can_edit_minutes(person, meeting) else [],
        "editor": editing.can_edit_minutes(person, meeting),
        "conclusion": notice,
        "errors": {},
    }


def minutes_page(request: Request, *, errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    person = require_person(request)
    meeting_id = path_id(request)
    with db(request) as session:
        context = _page_context(session, person, meeting_id, local_zone(request))
    context["errors"] = errors or {}
    return render(request, "minutes/editor.html", context, status_code=status_code)


def _json_error(request: Request, exc: DomainError, **extra: Any) -> JSONResponse:
    body = {"error": translate(request, exc.message), "field": exc.field, **extra}
    return JSONResponse(body, status_code=exc.status_code)


async def save(request: Request) -> Response:
    person = require_person(request)
    meeting_id = path_id(request)
    body = await request.body()
    if len(body) > MAX_SAVE_BYTES:
        return _json_error(request, ValidationError("Biên bản dài quá giới hạn lưu một lần.", field="content"))
    try:
        data = json.loads(body or b"{}")
        base = data.get("base_version") if isinstance(data, dict) else None
        if not isinstance(base, int) or isinstance(base, bool):
            raise ValidationError("Thiếu phiên bản gốc của biên bản (base_version).", field="version")
    except (ValueError, ValidationError) as exc:
        error = exc if isinstance(exc, ValidationError) else ValidationError("Dữ liệu gửi lên không phải JSON.")
        return _json_error(request, error)

    def run() -> Response:
        with db(request) as session:
            try:
                saved = editing.save_minutes(session, person, meeting_id, data.get("content"), base_version=base)
            except DomainError as exc:
                current = editing.minutes_of(session, meeting_id)
                return _json_error(request, exc, version=current.version if current else 0)
        return JSONResponse(
            {"version": saved.version, "saved_at": saved.saved_at.isoformat(), "changed": saved.changed}
        )

    return await run_in_threadpool(run)


def version_page(request: Request) -> Response:
    person = require_person(request)
    meeting_id = path_id(request)
    with db(request) as session:
        row = editing.get_version(session, person, meeting_id, path_id(request, "v"))
        context = _page_context(session, person, meeting_id, local_zone(request))
    context["old"] = row
    context["old_content"] = MinutesContent.from_json(row.content_json)
    return render(request, "minutes/version.html", context)


def restore(request: Request) -> Response:
    person = require_person(request)
    meeting_id = path_id(request)
    base = number(text(request, "base_version"))
    with db(request) as session:
        if base is None:
            raise ValidationError("Thiếu phiên bản gốc của biên bản.", field="version")
        editing.restore_version(session, person, meeting_id, path_id(request, "v"), base_version=base)
    return see_other(f"/meetings/{meeting_id}/minutes")


def approve(request: Request) -> Response:
    person = require_person(request)
    meeting_id = path_id(request)
    seen = number(text(request, "version"))
    try:
        with db(request) as session:
            approval.approve(
                session, person, meeting_id, services=issue_services(request),
                entered_number=text(request, "number") or None, seen_version=seen, now=now(),
            )  # fmt: skip
    except DomainError as exc:
        if exc.status_code in (401, 403, 404):
            raise
        return minutes_page(request, errors={"approve": translate(request, exc.message)}, status_code=exc.status_code)
    return see_other(f"/meetings/{meeting_id}/minutes")


def preview(request: Request) -> Response:
    """The minutes as the PDF will lay them out, without number or signatures (editors, before approving).
    Once approved, the signed PDF is the meeting's document."""
    person = require_person(request)
    meeting_id = path_id(request)
    tz = local_zone(request)
    with db(request) as session:
        view = editing.open_minutes(session, person, meeting_id)
        editing.require_edit(person, view.meeting)
        unit = session.get(Unit, view.meeting.convening_unit_id)
        assert unit is not None
        form = minutes_form(
            unit, _facts(session, view), view.content, number=None, issued_on=now().astimezone(tz).date(), tz=tz
        )
    check_renderable(form)
    # The renderer's own single thread: weasyprint is not to be used from several threads at once.
    pdf = on_renderer_thread(render_pdf, form)
    headers = {
        "Content-Disposition": f'inline; filename="bien-ban-du-thao-{meeting_id}.pdf"',
        "Cache-Control": "no-store",
    }
    return Response(pdf, media_type="application/pdf", headers=headers)


# --- the conclusion notice ------------------------------------------------------------------------------


def conclusion_page(request: Request, *, errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    person = require_person(request)
    meeting_id = path_id(request)
    with db(request) as session:
        meeting, notice = conclusion.open_conclusion(session, person, meeting_id)
        issued = session.get(IssuedNumber, notice.issued_number_id) if notice.issued_number_id else None
        context = {
            "m": meeting,
            "notice": notice,
            "content": ConclusionContent.from_json(notice.content_json),
            "status": conclusion.conclusion_status(session, meeting_id, now(), local_zone(request)),
            "number": str(issued.number_and_symbol()) if issued else "",
            "editor": editing.can_edit_minutes(person, meeting),
            "can_issue": editing.can_approve_minutes(person, meeting) and notice.document_id is None,
            "register_mode": numbering_mode(session, meeting.convening_unit_id) is NumberingMode.REGISTER,
            "errors": errors or {},
        }
    return render(request, "minutes/conclusion.html", context, status_code=status_code)


def conclusion_view(request: Request) -> Response:
    return conclusion_page(request)


def conclusion_start(request: Request) -> Response:
    person = require_person(request)
    meeting_id = path_id(request)
    with db(request) as session:
        conclusion.start_conclusion(session, person, meeting_id, tz=local_zone(request), now=now())
    return see_other(f"/meetings/{meeting_id}/conclusion")


def conclusion_save(request: Request) -> Response:
    person = require_person(request)
    meeting_id = path_id(request)
    data = {name: text(request, name) for name in ("introduction", "conclusions", "closing")}
    base = number(text(request, "version"))
    try:
        with db(request) as session:
            conclusion.save_conclusion(session, person, meeting_id, data, base_version=base or 0, now=now())
    except DomainError as exc:
        if exc.status_code in (401, 403, 404):
            raise
        return conclusion_page(request, errors={"save": translate(request, exc.message)}, status_code=exc.status_code)
    return see_other(f"/meetings/{meeting_id}/conclusion")


def conclusion_issue(request: Request) -> Response:
    person = require_person(request)
    meeting_id = path_id(request)
    try:
        with db(request) as session:
            conclusion.issue_conclusion(
                session, person, meeting_id, services=issue_services(request),
                entered_number=text(request, "number") or None, now=now(),
            )  # fmt: skip
    except DomainError as exc:
        if exc.status_code in (401, 403, 404):
            raise
        return conclusion_page(request, errors={"issue": translate(request, exc.message)}, status_code=exc.status_code)
    return see_other(f"/meetings/{meeting_id}/conclusion")


def routes() -> list[BaseRoute]:
    return [
        Route("/meetings/{id:int}/minutes", minutes_page, name="minutes"),
        Route("/meetings/{id:int}/minutes/save", save, methods=["POST"], name="minutes_save"),
        Route("/meetings/{id:int}/minutes/versions/{v:int}", version_page, name="minutes_version"),
        Route("/meetings/{id:int}/minutes/versions/{v:int}/restore", restore, methods=["POST"]),
        Route("/meetings/{id:int}/minutes/approve", approve, methods=["POST"], name="minutes_approve"),
        Route("/meetings/{id:int}/minutes/preview.pdf", preview, name="minutes_preview"),
        Route("/meetings/{id:int}/conclusion", conclusion_view, name="conclusion"),
        Route("/meetings/{id:int}/conclusion/start", conclusion_start, methods=["POST"]),
        Route("/meetings/{id:int}/conclusion/save", conclusion_save, methods=["POST"]),
        Route("/meetings/{id:int}/conclusion/issue", conclusion_issue, methods=["POST"]),
    ]


def minutes_card(session: Session, person: Person, meeting: Meeting, tz: ZoneInfo) -> dict[str, Any] | None:
    """What the meeting page shows of the minutes and the conclusion notice (None: nothing to show)."""
    assert meeting.id is not None
    if meeting.state not in (MeetingState.LIVE, MeetingState.ENDED, MeetingState.MINUTES_APPROVED, MeetingState.FILED):
        return None
    record = editing.minutes_of(session, meeting.id)
    approved = record is not None and record.state == MinutesState.APPROVED
    editor = editing.can_edit_minutes(person, meeting)
    if not editor and not approved:
        return None
    issued = session.get(IssuedNumber, record.issued_number_id) if record and record.issued_number_id else None
    return {
        "approved": approved,
        "number": str(issued.number_and_symbol()) if issued else "",
        "conclusion": conclusion.conclusion_status(session, meeting.id, now(), tz),
    }
