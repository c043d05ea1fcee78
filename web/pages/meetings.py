"""The list of meetings (placeholder until scheduling lands)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from web.auth import require_person
from web.templating import render


def meeting_list(request: Request) -> Response:
    require_person(request)
    return render(request, "meetings/list.html", {"meetings": []})


def routes() -> list[BaseRoute]:
    return [Route("/meetings", meeting_list, name="meetings")]
