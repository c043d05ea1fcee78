"""The catalogs: every text of the pages, and every domain message marked for translation, is in the English
catalog and translated; labels match the domain."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages import pofile
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

import meetings
import web
from meetings.drafts import KIND_LABELS
from meetings.lifecycle import STATE_LABELS
from web.labels import KIND_NAMES, STATE_NAMES

WEB = Path(web.__file__).parent
MEETINGS = Path(meetings.__file__).parent
EN_PO = WEB / "locale" / "en" / "LC_MESSAGES" / "messages.po"


KEYWORDS = dict(DEFAULT_KEYWORDS) | {"translate": (2,), "N_": None}


def _texts_in(directory: Path) -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(directory),
        method_map=[("templates/**.html", "jinja2"), ("**.py", "python")],
        options_map={"templates/**.html": {"trim_blocks": "true", "lstrip_blocks": "true"}},
        keywords=KEYWORDS,
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _texts_in_sources() -> set[str]:
    return _texts_in(WEB) | _texts_in(MEETINGS)


def test_every_text_of_the_pages_has_an_english_translation() -> None:
    with EN_PO.open("rb") as fp:
        catalog = pofile.read_po(fp, locale="en")
    translated = {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in catalog if m.id}
    texts = _texts_in_sources()
    assert len(texts) > 150
    missing = sorted(t for t in texts if t not in translated)
    assert missing == [], "run the extract/update commands in web/i18n.py"
    empty = sorted(t for t in texts if not translated[t])
    assert empty == []


def test_the_domains_marked_messages_are_extracted_and_keep_their_placeholders() -> None:
    with EN_PO.open("rb") as fp:
        catalog = pofile.read_po(fp, locale="en")
    translated = {m.id: m.string for m in catalog if m.id and isinstance(m.id, str)}
    domain = _texts_in(MEETINGS)
    assert len(domain) > 100
    assert "Họp đột xuất phải ghi rõ lý do." in domain
    placeholders = re.compile(r"%\((\w+)\)[sd]")
    wrong = sorted(
        t
        for t in domain
        if t in translated and sorted(placeholders.findall(t)) != sorted(placeholders.findall(translated[t]))
    )
    assert wrong == []


def test_kind_and_state_names_repeat_the_domains_labels() -> None:
    assert KIND_NAMES == KIND_LABELS
    assert STATE_NAMES == STATE_LABELS
