"""Log-in, log-out and the language switcher."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from meetings import accounts
from web.auth import current_person, language_chosen_before_log_in, log_in, log_out
from web.context import ctx
from web.i18n import set_language, translate
from web.pages.forms import safe_next, see_other, text
from web.templating import render


def home(request: Request) -> Response:
    return see_other("/meetings" if current_person(request) else "/login")


def login_form(request: Request) -> Response:
    if current_person(request) is not None:
        return see_other(safe_next(request.query_params.get("next", ""), "/meetings"))
    return render(request, "login.html", {"next": request.query_params.get("next", ""), "username": "", "error": ""})


def login_submit(request: Request) -> Response:
    username = text(request, "username")
    password = text(request, "password")
    target = safe_next(text(request, "next"), "/meetings")
    context = ctx(request)
    address = request.client.host if request.client else ""
    wait = context.login_throttle.wait_seconds(username, address)
    if wait:
        error = translate(
            request,
            "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %(minutes)d phút.",
            minutes=max(1, -(-wait // 60)),
        )
        page = {"next": target, "username": username, "error": error}
        refused = render(request, "login.html", page, status_code=429)
        refused.headers["Retry-After"] = str(wait)
        return refused
    with context.session() as session:
        hasher = context.password_hasher
        person = accounts.authenticate(session, username, password, hasher=hasher) if username and password else None
    if person is None:
        if username and password:
            context.login_throttle.failed(username, address)
        error = translate(request, "Tên đăng nhập hoặc mật khẩu không đúng.")
        page = {"next": target, "username": username, "error": error}
        return render(request, "login.html", page, status_code=400)
    context.login_throttle.succeeded(username)
    chosen = language_chosen_before_log_in(request)
    if chosen is not None and chosen != person.language:
        # Picked on the log-in page: the person's preference from now on, as if picked after logging in.
        with context.session() as session:
            person.language = chosen
            session.add(person)
            session.commit()
    log_in(request, person)
    return see_other(target)


def logout(request: Request) -> Response:
    log_out(request)
    return see_other("/login")


def language(request: Request) -> Response:
    chosen = set_language(request, text(request, "lang"))
    person = current_person(request)
    if person is not None and person.language != chosen:
        # A preference, not an official record: kept without an audit entry.
        with ctx(request).session() as session:
            person.language = chosen
            session.add(person)
            session.commit()
    return see_other(safe_next(text(request, "next"), "/"))


def routes() -> list[BaseRoute]:
    return [
        Route("/", home, name="home"),
        Route("/login", login_form, name="login"),
        Route("/login", login_submit, methods=["POST"]),
        Route("/logout", logout, methods=["POST"], name="logout"),
        Route("/language", language, methods=["POST"], name="language"),
    ]
