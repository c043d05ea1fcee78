"""A meeting's documents: upload (from the meeting form or the meeting page), download, remove, and send
those added after the invitation to everyone invited (meetings.document_mail)."""

from __future__ import annotations

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

from meetings import documents
from meetings.document_mail import send_documents
from meetings.errors import Conflict, DomainError, NotFound, RuleViolation
from meetings.meeting import Document
from meetings.people import Person
from web.auth import require_person
from web.context import ctx, document_store
from web.i18n import translate
from web.pages.common import db, now, path_id
from web.pages.forms import files, see_other
from web.pages.meetings import render_meeting_page

FIELD = "documents"


def store_uploads(request: Request, session: Session, person: Person, meeting_id: int) -> Response | None:
    """Attach the files posted in the ``documents`` field; on the first refusal, the meeting page with the
    reason beside the upload field (files before it are kept)."""
    store = document_store(ctx(request).settings)
    for upload in files(request, FIELD):
        data = upload.file.read()
        try:
            documents.add_document(
                session, person, meeting_id, upload.filename or "", upload.content_type or "", data, store
            )
        except DomainError as exc:
            errors = {FIELD: translate(request, exc.message)}
            return render_meeting_page(request, meeting_id, errors=errors, status_code=exc.status_code)
    return None


def upload(request: Request) -> Response:
    person = require_person(request)
    meeting_id = path_id(request)
    with db(request) as session:
        problem = store_uploads(request, session, person, meeting_id)
    return problem or see_other(f"/meetings/{meeting_id}")


def download(request: Request) -> Response:
    person = require_person(request)
    with db(request) as session:
        document, path = documents.open_document(
            session, person, path_id(request, "doc"), document_store(ctx(request).settings)
        )
    if document.meeting_id != path_id(request):
        raise NotFound("Không tìm thấy tài liệu.")
    # Always a download, never shown inline: an uploaded file must not run as a page of ours.
    return FileResponse(path, media_type=document.content_type, filename=document.filename)


def remove(request: Request) -> Response:
    person = require_person(request)
    meeting_id = path_id(request)
    with db(request) as session:
        document_id = path_id(request, "doc")
        document = session.get(Document, document_id)
        if document is None or document.meeting_id != meeting_id:
            raise NotFound("Không tìm thấy tài liệu.")
        documents.remove_document(session, person, document_id, document_store(ctx(request).settings))
    return see_other(f"/meetings/{meeting_id}")


def send(request: Request) -> Response:
    """The secretary's button: mail the documents not yet sent; a refusal comes back beside the button."""
    person = require_person(request)
    meeting_id = path_id(request)
    with db(request) as session:
        try:
            send_documents(session, person, meeting_id, now=now())
        except (RuleViolation, Conflict) as exc:
            errors = {"send_documents": translate(request, exc.message)}
            return render_meeting_page(request, meeting_id, errors=errors, status_code=exc.status_code)
    return see_other(f"/meetings/{meeting_id}#document-mail")


def routes() -> list[BaseRoute]:
    return [
        Route("/meetings/{id:int}/documents", upload, methods=["POST"], name="documents_upload"),
        Route("/meetings/{id:int}/documents/{doc:int}", download, name="document"),
        Route("/meetings/{id:int}/documents/{doc:int}/remove", remove, methods=["POST"], name="document_remove"),
        Route("/meetings/{id:int}/documents/send", send, methods=["POST"], name="documents_send"),
    ]
