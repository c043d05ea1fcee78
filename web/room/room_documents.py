"""The meeting's documents in its room, and their download through a site's join link.

A commune follows the report being presented from its meeting-room PC, which has no log-in: only the signed
join link it was mailed. The room lists the meeting's documents; a site's PC downloads them through that link
(``/join/<token>/documents/<id>``), a logged-in person from the meeting's page as usually. The documents of a
confidential meeting go through no link (Decision 45/2018: not by any public channel): log-in only.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from meetings import rooms as domain
from meetings.errors import Forbidden, NotFound
from meetings.meeting import Document, Meeting
from meetings.types import utcnow
from web.context import ctx, document_store
from web.i18n import N_
from web.room.tokens import read_site_token

CONFIDENTIAL = N_("Tài liệu của cuộc họp mật chỉ mở được khi đăng nhập, trên trang của cuộc họp.")


def room_documents(session: Session, meeting: Meeting, token: str | None) -> list[dict[str, Any]]:
    """The documents the room lists: with a link through ``token`` (a site's join link), else the meeting
    page's; none through a link for a confidential meeting."""
    assert meeting.id is not None
    if token is not None and meeting.confidential:
        return []
    rows = session.exec(select(Document).where(Document.meeting_id == meeting.id).order_by(col(Document.id))).all()
    base = f"/join/{token}" if token is not None else f"/meetings/{meeting.id}"
    return [
        {"name": d.filename, "url": f"{base}/documents/{d.id}", "kb": max(1, -(-d.size // 1024))} for d in rows
    ]


def site_document(request: Request) -> Response:
    """One of the meeting's documents, for the PC holding the site's join link."""
    grant = read_site_token(ctx(request).secret_key, request.path_params["token"], now=utcnow())
    assert grant.meeting_id is not None and grant.site_id is not None
    with ctx(request).session() as session:
        meeting = domain.load_meeting(session, grant.meeting_id)
        domain.seat_for_site(session, meeting, grant.site_id)  # still invited
        if meeting.confidential:
            raise Forbidden(CONFIDENTIAL)
        document = session.get(Document, int(request.path_params["doc"]))
        if document is None or document.meeting_id != meeting.id:
            raise NotFound("Không tìm thấy tài liệu.")
    path = document_store(ctx(request).settings).path_for(document.sha256)
    if not path.exists():
        raise NotFound("Không tìm thấy tài liệu.")
    # Always a download, never shown inline: an uploaded file must not run as a page of ours.
    return FileResponse(path, media_type=document.content_type, filename=document.filename)
