"""Rendering the mails from the Jinja2 templates in ``mailer/templates/<language>/``.

Each mail kind has three templates per language: ``<kind>.subject.txt`` (one line), ``<kind>.txt``
(the plain-text part) and ``<kind>.html`` (the HTML part, autoescaped). Administrators can read them
there, and override any of them by putting a file with the same relative path into an override folder.
Templates see the context as ``meeting`` (``MeetingContext``) or ``record`` (``RecordContext``); they run
in Jinja's sandbox because an override folder is edited by people, not by developers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.loaders import BaseLoader
from jinja2.sandbox import SandboxedEnvironment

from mailer.context import MeetingContext, RecordContext, from_mapping
from mailer.errors import InvalidMailError
from mailer.formatting import FILTERS
from mailer.headers import clean_header_text
from mailer.recipient import LANGUAGES, normalize_language

TEMPLATE_DIR = Path(__file__).parent / "templates"
_BLANK_LINES = re.compile(r"\n{3,}")


class MailKind(StrEnum):
    INVITATION = "invitation"
    """Giấy mời: sent when a meeting is published."""
    UPDATE = "update"
    """A published meeting changed."""
    CANCELLATION = "cancellation"
    REMINDER = "reminder"
    RECORD = "record"
    """Minutes, conclusion notice or another record circulated after the meeting."""
    DEPUTY = "deputy"
    """The chair's decision on the deputy a unit proposed to send in its place."""
    DOCUMENTS = "documents"
    """Documents added to a published meeting, sent to those invited."""


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


class MailTemplates:
    """The mail templates, optionally overridden from ``override_dir``."""

    def __init__(self, override_dir: Path | None = None) -> None:
        loaders: list[BaseLoader] = [FileSystemLoader(str(override_dir))] if override_dir else []
        loaders.append(FileSystemLoader(str(TEMPLATE_DIR)))
        loader = ChoiceLoader(loaders)
        self._environments = {language: _environment(loader, language) for language in LANGUAGES}

    def render(
        self, kind: MailKind, context: MeetingContext | RecordContext | Mapping[str, Any], *, language: str = "vi"
    ) -> RenderedMail:
        """Subject, plain text and HTML of one mail in ``language`` (``vi`` when not available)."""
        kind = MailKind(kind)
        wanted = RecordContext if kind is MailKind.RECORD else MeetingContext
        values: object = from_mapping(wanted, context) if isinstance(context, Mapping) else context
        if not isinstance(values, wanted):
            raise InvalidMailError(f"Thư loại {kind.value} cần nội dung kiểu {wanted.__name__}.")
        language = normalize_language(language)
        environment = self._environments[language]
        variables = {"record" if kind is MailKind.RECORD else "meeting": values, "lang": language}

        def render(suffix: str) -> str:
            return environment.get_template(f"{language}/{kind.value}.{suffix}").render(variables)

        subject = clean_header_text(render("subject.txt"))
        text = _BLANK_LINES.sub("\n\n", render("txt")).strip() + "\n"
        return RenderedMail(subject=subject, text=text, html=render("html"))


def _environment(loader: BaseLoader, language: str) -> SandboxedEnvironment:
    environment = SandboxedEnvironment(
        loader=loader,
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters.update(FILTERS[language])
    return environment


@lru_cache(maxsize=1)
def _default_templates() -> MailTemplates:
    return MailTemplates()


def render_mail(
    kind: MailKind, context: MeetingContext | RecordContext | Mapping[str, Any], *, language: str = "vi"
) -> RenderedMail:
    """Render with the templates shipped in ``mailer/templates``."""
    return _default_templates().render(kind, context, language=language)
