"""Small helpers shared by the page endpoints: reading posted forms, redirects, safe "next" targets."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse

from web.csrf import posted_form


def clean(value: str) -> str:
    """Without NUL characters: PostgreSQL refuses them in text, and no one types them."""
    return value.replace("\x00", "")


def text(request: Request, name: str, default: str = "") -> str:
    """A posted text field, stripped; files and missing fields give ``default``."""
    value = posted_form(request).get(name)
    return clean(value).strip() if isinstance(value, str) else default


def raw(request: Request, name: str) -> str:
    """A posted text field exactly as typed (passwords may begin or end with a space)."""
    value = posted_form(request).get(name)
    return value if isinstance(value, str) else ""


def texts(request: Request, name: str) -> list[str]:
    return [clean(v).strip() for v in posted_form(request).getlist(name) if isinstance(v, str)]


def checked(request: Request, name: str) -> bool:
    return text(request, name) in ("on", "1", "true", "yes")


def files(request: Request, name: str) -> list[UploadFile]:
    """Uploaded files of a field; a file input left empty posts a nameless empty part, which is skipped."""
    return [f for f in posted_form(request).getlist(name) if isinstance(f, UploadFile) and f.filename]


_NUMBER_RE = re.compile(r"^[0-9]{1,10}$")
# Row ids are 32-bit on PostgreSQL; a larger number can name nothing (and must not reach the database).
MAX_ID = 2**31 - 1


def number(raw: str, maximum: int = MAX_ID) -> int | None:
    """``raw`` as a non-negative integer up to ``maximum``, or None (ASCII digits only: ``"²".isdigit()``)."""
    if not _NUMBER_RE.match(raw):
        return None
    value = int(raw)
    return value if value <= maximum else None


def safe_next(target: str, default: str = "/") -> str:
    """A local path to go to after a form; anything pointing elsewhere (``//evil``, ``http://``) is dropped."""
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or parts.scheme or parts.netloc or "\\" in target:
        return default
    return target


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)
