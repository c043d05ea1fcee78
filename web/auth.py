"""Who is asking: a person logged in through the session cookie, or an integration with a Bearer token.

The session is Starlette's signed cookie (itsdangerous, keyed by the application's secret). It holds only
the person's id, the CSRF token and the chosen language; the person is read from the database on each
request, so a deactivated account stops working at once.
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import HTTPConnection

from meetings import accounts
from meetings.people import Person
from web.context import AppContext, ctx
from web.errors import Unauthorized
from web.i18n import CHOSEN_KEY, N_, SESSION_KEY

SESSION_COOKIE = "giaoban_session"
SESSION_MAX_AGE = 12 * 60 * 60  # one working day and a bit: officials share office PCs
PERSON_KEY = "person_id"
CSRF_KEY = "csrf"
_CACHE_KEY = "giaoban.person"
_MISSING: Any = object()


def session_middleware(context: AppContext) -> Middleware:
    """The cookie session: signed with the secret key, Secure when the public URL is https, SameSite=Lax."""
    return Middleware(
        SessionMiddleware,
        secret_key=context.secret_key,
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        https_only=context.settings.base_url.startswith("https://"),
    )


def bearer_token(conn: HTTPConnection) -> str | None:
    header = conn.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _load_person(conn: HTTPConnection) -> Person | None:
    context = ctx(conn)
    token = bearer_token(conn)
    with context.session() as session:
        if token is not None:
            return accounts.person_for_token(session, token)
        if "session" not in conn.scope:
            return None
        person_id = conn.session.get(PERSON_KEY)
        if not isinstance(person_id, int):
            return None
        person = session.get(Person, person_id)
        if person is None or not person.active:
            return None
        return person


def current_person(conn: HTTPConnection) -> Person | None:
    """The person making the request, or None. Looked up once per request."""
    cached = conn.scope.get(_CACHE_KEY, _MISSING)
    if cached is _MISSING:
        cached = _load_person(conn)
        conn.scope[_CACHE_KEY] = cached
    assert cached is None or isinstance(cached, Person)
    return cached


def require_person(conn: HTTPConnection) -> Person:
    """The person making the request; raises Unauthorized (a log-in redirect on pages, 401 on the API)."""
    person = current_person(conn)
    if person is None:
        raise Unauthorized(N_("Bạn cần đăng nhập để tiếp tục."))
    return person


def language_chosen_before_log_in(conn: HTTPConnection) -> str | None:
    """The language picked on this browser since the last log-out, if any (it outranks the stored preference)."""
    language = conn.session.get(SESSION_KEY)
    return language if conn.session.get(CHOSEN_KEY) and isinstance(language, str) else None


def log_in(conn: HTTPConnection, person: Person) -> None:
    """Start a fresh session for ``person`` (a new CSRF token too, so none from before log-in survives)."""
    chosen = language_chosen_before_log_in(conn)
    language = conn.session.get(SESSION_KEY)
    conn.session.clear()
    conn.session[PERSON_KEY] = person.id
    conn.session[CSRF_KEY] = secrets.token_urlsafe(32)
    conn.session[SESSION_KEY] = chosen or person.language or language
    conn.scope[_CACHE_KEY] = person


def log_out(conn: HTTPConnection) -> None:
    """End the session; the page stays in its language, but the next person to log in gets their own."""
    language = conn.session.get(SESSION_KEY)
    conn.session.clear()
    if language:
        conn.session[SESSION_KEY] = language
    conn.scope[_CACHE_KEY] = None
