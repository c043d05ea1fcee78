"""Finding the Times-compatible font official documents are set in (Decree 30/2020/NĐ-CP, Appendix I).

The font is looked up explicitly — fontconfig's ``fc-list`` by exact family name, then a search of the
usual font folders — and handed to the renderer by file path. ``fc-match`` is not used to decide: it
always answers with *some* face, so a missing font would silently become another one.

A face counts only if it has every Vietnamese letter. Liberation Serif 1.x (Debian's ``fonts-liberation``
up to bookworm) lacks the letters with two marks (ố, ự, ậ …), which a renderer would then take from
another face in the middle of a word; Liberation Serif 2.x (``fonts-liberation2``) has them all. When
none of the wanted families is installed with all four faces complete, rendering stops with
:class:`FontMissing`, which says what to install.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont, TTLibError

# Times New Roman is what the decree names; Liberation Serif has the same metrics and is free.
PREFERRED_FAMILIES: tuple[str, ...] = ("Times New Roman", "Liberation Serif")

# The four faces a document uses, by fontconfig style name, and the file name stems of each family.
FACES: tuple[str, ...] = ("Regular", "Bold", "Italic", "Bold Italic")
_FILE_STEMS: dict[str, dict[str, tuple[str, ...]]] = {
    "Liberation Serif": {
        "Regular": ("LiberationSerif-Regular",),
        "Bold": ("LiberationSerif-Bold",),
        "Italic": ("LiberationSerif-Italic",),
        "Bold Italic": ("LiberationSerif-BoldItalic",),
    },
    "Times New Roman": {
        "Regular": ("times", "Times New Roman", "TimesNewRoman"),
        "Bold": ("timesbd", "Times New Roman Bold", "TimesNewRoman-Bold"),
        "Italic": ("timesi", "Times New Roman Italic", "TimesNewRoman-Italic"),
        "Bold Italic": ("timesbi", "Times New Roman Bold Italic", "TimesNewRoman-BoldItalic"),
    },
}
FONT_DIRS: tuple[Path, ...] = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".local/share/fonts",
    Path.home() / ".fonts",
)

# Every letter of the Vietnamese alphabet with its marks, capital and small.
VIETNAMESE = "ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúýĂăĐđĨĩŨũƠơƯư" + "".join(chr(c) for c in range(0x1EA0, 0x1EFA))

INSTALL_HINT = (
    "Không tìm thấy phông chữ Times New Roman hoặc Liberation Serif 2 (đủ 4 kiểu: thường, đậm, nghiêng, "
    "đậm nghiêng, có đủ chữ tiếng Việt) để trình bày văn bản theo Nghị định 30/2020/NĐ-CP. Hãy cài gói "
    "phông chữ: `sudo apt-get install fonts-liberation2` (hoặc chạy ./scripts/setup.sh), rồi thử lại. "
    "(The Times-compatible font with Vietnamese letters is missing: install the Debian package fonts-liberation2.)"
)


class FontMissing(RuntimeError):
    """No Times-compatible font is installed; the message says what to install."""


@dataclass(frozen=True)
class OfficialFont:
    """A font family with a file for each of the four faces."""

    family: str
    regular: Path
    bold: Path
    italic: Path
    bold_italic: Path

    def missing_characters(self, text: str) -> list[str]:
        """The characters of ``text`` (other than spaces and controls) some face has no glyph for."""
        faces = [characters_of(path) for path in (self.regular, self.bold, self.italic, self.bold_italic)]
        missing = {
            ch for ch in set(text) if ch.isprintable() and not ch.isspace() and not all(ord(ch) in f for f in faces)
        }
        return sorted(missing)

    def faces(self) -> list[tuple[str, str, Path]]:
        """``(font-weight, font-style, file)`` for each face, as CSS @font-face rules want them."""
        return [
            ("normal", "normal", self.regular),
            ("bold", "normal", self.bold),
            ("normal", "italic", self.italic),
            ("bold", "italic", self.bold_italic),
        ]


@lru_cache(maxsize=64)
def characters_of(path: Path) -> frozenset[int]:
    """The code points the font file at ``path`` has glyphs for (none if it cannot be read)."""
    try:
        with TTFont(path, lazy=True) as font:
            return frozenset(font.getBestCmap() or {})
    except (OSError, TTLibError, AssertionError):
        return frozenset()


def covers_vietnamese(path: Path) -> bool:
    """Whether the font file at ``path`` has a glyph for every Vietnamese letter."""
    cmap = characters_of(path)
    return all(ord(ch) in cmap for ch in VIETNAMESE)


Candidates = dict[str, list[Path]]


def _from_fontconfig(family: str) -> Candidates:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return {}
    try:
        out = subprocess.run(
            [fc_list, "--format", "%{family}\t%{style}\t%{file}\n", f":family={family}"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    found: Candidates = {}
    for line in sorted(out.splitlines()):
        parts = line.split("\t")
        if len(parts) != 3:
            continue
        families, styles, file = parts
        # fc-list answers with the font's own family list (maybe several names, localised); be exact.
        if family not in families.split(","):
            continue
        for style in styles.split(","):
            if style in FACES and Path(file).is_file():
                found.setdefault(style, []).append(Path(file))
    return found


def _from_folders(family: str, folders: Iterable[Path]) -> Candidates:
    stems = _FILE_STEMS.get(family, {})
    wanted = {stem.lower(): face for face, names in stems.items() for stem in names}
    found: Candidates = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for root, dirs, files in os.walk(folder):
            dirs.sort()
            for name in sorted(files):
                stem, ext = os.path.splitext(name)
                face = wanted.get(stem.lower())
                if face is not None and ext.lower() in (".ttf", ".otf"):
                    found.setdefault(face, []).append(Path(root) / name)
    return found


def _complete(family: str, candidates: Candidates) -> OfficialFont | None:
    chosen: dict[str, Path] = {}
    for face in FACES:
        usable = [path for path in candidates.get(face, []) if covers_vietnamese(path)]
        if not usable:
            return None
        chosen[face] = usable[0]
    return OfficialFont(family, chosen["Regular"], chosen["Bold"], chosen["Italic"], chosen["Bold Italic"])


def find_official_font(
    families: Sequence[str] = PREFERRED_FAMILIES,
    *,
    folders: Sequence[Path] = FONT_DIRS,
    use_fontconfig: bool = True,
) -> OfficialFont:
    """The first of ``families`` installed with all four faces, each with every Vietnamese letter; raises
    :class:`FontMissing` otherwise."""
    for family in families:
        if use_fontconfig:
            font = _complete(family, _from_fontconfig(family))
            if font is not None:
                return font
        font = _complete(family, _from_folders(family, folders))
        if font is not None:
            return font
    raise FontMissing(INSTALL_HINT)


@lru_cache(maxsize=1)
def official_font() -> OfficialFont:
    """The installed official font, looked up once per process."""
    return find_official_font()
