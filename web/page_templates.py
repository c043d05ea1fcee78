"""The pages' Jinja2 templates, built once at start-up: autoescaped, translated, with the request's person,
language and CSRF token at hand. ``web.templating`` renders with them.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2
from babel.dates import format_date, format_datetime
from starlette.requests import Request
from starlette.templating import Jinja2Templates

from meetings.people import Role
from web import labels
from web.auth import current_person
from web.csrf import csrf_token
from web.i18n import LANGUAGES, Catalogs, install, language_of

TEMPLATE_DIR = Path(__file__).parent / "templates"


@jinja2.pass_context
def _local(context: jinja2.runtime.Context, value: datetime | None, pattern: str = "dd/MM/yyyy HH:mm") -> str:
    """An aware datetime shown in the configured time zone (Babel pattern, names in the page's language)."""
    if value is None:
        return ""
    return format_datetime(value, pattern, tzinfo=context["tz"], locale=context.get("lang", "vi"))


@jinja2.pass_context
def _day(context: jinja2.runtime.Context, value: date | datetime | None, pattern: str = "EEEE, dd/MM/yyyy") -> str:
    """A date (or the local date of a datetime) with weekday and month names in the page's language."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(context["tz"])
    return format_date(value, pattern, locale=context.get("lang", "vi"))


def make_templates(catalogs: Catalogs) -> Jinja2Templates:
    @jinja2.pass_context
    def _tr(context: jinja2.runtime.Context, text: str) -> str:
        """A text that is not literal in the template (a label from web.labels) in the page's language."""
        return catalogs.gettext(context.get("lang", catalogs.default_language), text)

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    install(env, catalogs)
    env.filters["local"] = _local
    env.filters["day"] = _day
    env.filters["tr"] = _tr
    env.globals.update(
        kind_names=labels.KIND_NAMES,
        state_names=labels.STATE_NAMES,
        role_names=labels.ROLE_NAMES,
        level_names=labels.LEVEL_NAMES,
    )
    return Jinja2Templates(env=env, context_processors=[_common_context])


def _common_context(request: Request) -> dict[str, Any]:
    person = current_person(request)
    settings = request.app.state.ctx.settings
    return {
        "lang": language_of(request),
        "languages": LANGUAGES,
        "person": person,
        "is_admin": person is not None and person.has_role(Role.ADMINISTRATOR),
        "csrf_token": csrf_token(request) if "session" in request.scope else "",
        "tz": request.app.state.tz,
        "max_upload_mb": settings.max_upload_mb,
        "path": request.url.path,
    }
