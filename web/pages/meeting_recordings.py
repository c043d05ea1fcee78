"""A meeting's recordings on its page: each with its length and the agenda items it covers (a link to the
moment each began), and the file itself for whoever may see the meeting, as for its documents."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

from meetings.errors import NotFound
from meetings.log.tables import AgendaTurn, Recording
from meetings.meeting import AgendaItem, Meeting
from meetings.viewing import get_meeting
from web.auth import require_person
from web.context import ctx
from web.pages.common import db, path_id


@dataclass
class AgendaMark:
    title: str
    offset_s: int  # from the start of the file


@dataclass
class RecordingView:
    recording: Recording
    link: str
    agenda: list[AgendaMark] = field(default_factory=list)

    @property
    def length(self) -> str:
        seconds = round(self.recording.duration_s or 0)
        return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _marks(recording: Recording, turns: list[tuple[AgendaTurn, str]], now: datetime) -> list[AgendaMark]:
    """The agenda items current at some time during the recording, with where each starts in the file."""
    end = recording.ended_at or now
    marks = []
    for turn, title in turns:
        if turn.started_at < end and (turn.ended_at is None or turn.ended_at > recording.started_at):
            offset = max(0, int((turn.started_at - recording.started_at).total_seconds()))
            marks.append(AgendaMark(title, offset))
    return marks


def recording_list(session: Session, meeting: Meeting, now: datetime) -> list[RecordingView]:
    """The meeting's recordings, oldest first (the caller has already checked the reader may see it)."""
    recordings = session.exec(
        select(Recording).where(Recording.meeting_id == meeting.id).order_by(col(Recording.started_at))
    ).all()
    if not recordings:
        return []
    turns = [
        (turn, title)
        for turn, title in session.exec(
            select(AgendaTurn, AgendaItem.title)
            .join(AgendaItem, col(AgendaItem.id) == col(AgendaTurn.agenda_item_id))
            .where(AgendaTurn.meeting_id == meeting.id)
            .order_by(col(AgendaTurn.started_at))
        ).all()
    ]
    return [RecordingView(r, f"/meetings/{meeting.id}/recordings/{r.id}", _marks(r, turns, now)) for r in recordings]


def download(request: Request) -> Response:
    """The file, for those who may see the meeting; served with ranges, so a browser can play and seek it."""
    person = require_person(request)
    meeting_id = path_id(request)
    with db(request) as session:
        get_meeting(session, person, meeting_id)  # Forbidden for those not invited
        recording = session.get(Recording, path_id(request, "rec"))
    if recording is None or recording.meeting_id != meeting_id or recording.status != "done":
        raise NotFound("Không tìm thấy bản ghi hình.")
    path = ctx(request).settings.data_dir / recording.filename
    if not path.is_file():
        raise NotFound("Tệp ghi hình không còn trong thư mục dữ liệu.")
    return FileResponse(path, media_type="video/mp4", filename=path.name, content_disposition_type="inline")


def routes() -> list[BaseRoute]:
    return [Route("/meetings/{id:int}/recordings/{rec:int}", download, name="recording")]
