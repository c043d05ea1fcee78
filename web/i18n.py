"""Languages: Vietnamese (the default, and the language the texts are written in) and English.

Texts in templates and code are Vietnamese and serve as the message ids; ``web/locale/<lang>/LC_MESSAGES/
messages.po`` holds the translations. The ``.po`` files are the only thing kept in git: they are compiled in
memory when the application starts (no ``.mo`` build step, nothing written beside the package). To refresh
the catalogs after changing texts::

    .venv/bin/pybabel extract -F web/babel.cfg -k translate:2 -k N_ -o web/locale/messages.pot \
        --no-location --omit-header --sort-output .
    .venv/bin/pybabel update -i web/locale/messages.pot -d web/locale --no-fuzzy-matching --omit-header

then fill in the English ``msgstr`` entries (``tests/web/test_i18n.py`` fails while any is empty).

The domain's messages (``meetings/``) are Vietnamese too. Those marked ``N_`` where they are raised are
extracted with the pages' texts; a domain error keeps its template and parameters
(:class:`meetings.errors.Message`), and :func:`translate` translates the template and then fills it, so
``«%(title)s» ...`` reads in English around the meeting's own title. Unmarked ones stay Vietnamese.

The language of a request: the one chosen with the switcher (kept in the session), else the logged-in
person's preference (copied into the session at log-in), else ``settings.default_language``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from babel.messages import mofile, pofile
from babel.support import NullTranslations, Translations
from starlette.requests import HTTPConnection

from meetings.errors import N_ as N_
from meetings.errors import Message

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
LANGUAGES: dict[str, str] = {"vi": "Tiếng Việt", "en": "English"}
SESSION_KEY = "lang"
# Set when the language was picked on this browser since the last log-out (on the log-in page, say): the
# person logging in then keeps that choice instead of their stored preference.
CHOSEN_KEY = "lang_chosen"


def compile_catalog(po_path: Path, language: str) -> Translations:
    """Read a ``.po`` file and compile it in memory."""
    with po_path.open("rb") as fp:
        catalog = pofile.read_po(fp, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    mofile.write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


@dataclass
class Catalogs:
    default_language: str = "vi"
    translations: dict[str, NullTranslations] = field(default_factory=dict)

    @classmethod
    def load(cls, default_language: str, locale_dir: Path = LOCALE_DIR) -> Catalogs:
        if default_language not in LANGUAGES:
            default_language = "vi"
        catalogs = cls(default_language=default_language)
        for language in LANGUAGES:
            po_path = locale_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"
            catalogs.translations[language] = (
                compile_catalog(po_path, language) if po_path.exists() else NullTranslations()
            )
        return catalogs

    def gettext(self, language: str, message: str) -> str:
        return self.translations.get(language, NullTranslations()).gettext(message)

    def ngettext(self, language: str, singular: str, plural: str, n: int) -> str:
        return self.translations.get(language, NullTranslations()).ngettext(singular, plural, n)


def catalogs(conn: HTTPConnection) -> Catalogs:
    value = conn.app.state.catalogs
    assert isinstance(value, Catalogs)
    return value


def language_of(conn: HTTPConnection) -> str:
    if "session" in conn.scope:
        chosen = conn.session.get(SESSION_KEY)
        if isinstance(chosen, str) and chosen in LANGUAGES:
            return chosen
    return catalogs(conn).default_language


def set_language(conn: HTTPConnection, language: str) -> str:
    """Remember ``language`` for this browser; unknown values fall back to the default."""
    if language not in LANGUAGES:
        language = catalogs(conn).default_language
    conn.session[SESSION_KEY] = language
    conn.session[CHOSEN_KEY] = True
    return language


def translate(conn: HTTPConnection, message: str, **variables: Any) -> str:
    """``message`` in the request's language, with ``%(name)s`` placeholders filled in.

    A domain error's :class:`~meetings.errors.Message` is looked up by its template and filled with its
    own parameters (translated in turn when they are messages). Texts that are not in the catalog come back unchanged.
    """
    if isinstance(message, Message):
        # A parameter may be a message itself (a meeting's time span, a role's name): translated too.
        params = {k: translate(conn, v) if isinstance(v, Message) else v for k, v in message.params.items()}
        variables = params | variables
        message = message.template
    text = catalogs(conn).gettext(language_of(conn), message)
    return text % variables if variables else text


def install(env: jinja2.Environment, catalogs: Catalogs) -> None:
    """Give templates ``_()``, ``ngettext()`` and ``{% trans %}`` in the language of the rendering request.

    The environment is shared by all requests, so the callables read the language from the template
    context (``lang``) instead of being re-installed per request.
    """

    @jinja2.pass_context
    def _gettext(context: jinja2.runtime.Context, message: str) -> str:
        return catalogs.gettext(context.get("lang", catalogs.default_language), message)

    @jinja2.pass_context
    def _ngettext(context: jinja2.runtime.Context, singular: str, plural: str, n: int) -> str:
        return catalogs.ngettext(context.get("lang", catalogs.default_language), singular, plural, n)

    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_gettext, ngettext=_ngettext, newstyle=True
    )
