"""The HTML pages. Each module offers ``routes()``; :func:`routes` gathers them for the application."""

from __future__ import annotations

from starlette.routing import BaseRoute

from web.pages import (
    attendance,
    audit,
    dashboard,
    directory,
    holidays,
    mail_log,
    meeting_documents,
    meeting_form,
    meeting_recordings,
    meetings,
    minutes,
    people,
    replies,
    session,
)


def routes() -> list[BaseRoute]:
    # The form's /meetings/new comes before /meetings/{id:int} only for readability: the int convertor
    # would not match "new" anyway.
    return [
        *session.routes(),
        *meeting_form.routes(),
        *meetings.routes(),
        *meeting_documents.routes(),
        *meeting_recordings.routes(),
        *attendance.routes(),
        *dashboard.routes(),
        *minutes.routes(),
        *directory.routes(),
        *people.routes(),
        *holidays.routes(),
        *audit.routes(),
        *mail_log.routes(),
        *replies.routes(),
    ]
