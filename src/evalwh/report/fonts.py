"""A CJK font subset embedded in the report, so Chinese renders as text and never as boxes.

The report is opened on machines we do not control (an auditor's laptop, a print server):
relying on an installed Chinese font is how reports end up full of empty boxes ("tofu").
So the report embeds, as a base64 WOFF2 ``@font-face``, a subset of a system CJK font holding
only the characters the report uses (typically 100-300 KB instead of 16 MB).

Font source, first found wins: ``$EVALWH_REPORT_FONT`` (a .ttf/.otf/.ttc path, optionally
``path#index`` for a face of a collection; ``none`` embeds nothing), fontconfig (``fc-list :lang=zh``), then known
paths (Debian's fonts-noto-cjk, fonts-wqy-microhei / zenhei, Droid Sans Fallback). In a
collection the Simplified Chinese face ("SC") is preferred. Without any, the report still
builds with a CSS font stack, and `find_cjk_font` says why (the caller warns).
"""

from __future__ import annotations

import base64
import io
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

FAMILY = "EvalwhCJK"
KNOWN_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)
# what the page asks for when the embedded face lacks a glyph, or is missing
FALLBACK_STACK = (
    '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", '
    '"WenQuanYi Micro Hei", "Hiragino Sans GB", sans-serif'
)
# always in the subset: digits, Latin, punctuation the numbers and codes use
BASE_CHARACTERS = "".join(chr(c) for c in range(0x20, 0x7F)) + "—–·…“”‘’，。：；（）、％·"


@dataclass(frozen=True)
class FontSource:
    path: Path
    index: int
    name: str


@dataclass(frozen=True)
class EmbeddedFont:
    source: FontSource | None
    css: str  # the @font-face rule ('' when nothing is embedded)
    family: str  # the CSS font-family value to use
    size_bytes: int
    characters: int
    warning: str | None = None


def _fc_list() -> list[str]:
    if not shutil.which("fc-list"):
        return []
    try:
        out = subprocess.run(
            ["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=20
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    files = [line.split(":")[0].strip() for line in out.splitlines() if line.strip()]
    # regular sans faces first: the report is body text, not headings
    return sorted(files, key=lambda f: (("Bold" in f) or ("Serif" in f), "Mono" in f, f))


def _pick_face(path: Path) -> FontSource | None:
    from fontTools.ttLib import TTCollection, TTFont, TTLibError

    try:
        if path.suffix.lower() in (".ttc", ".otc"):
            fonts = TTCollection(str(path), lazy=True).fonts
        else:
            fonts = [TTFont(str(path), lazy=True)]
    except (OSError, TTLibError, AssertionError):
        return None
    names = [(i, f["name"].getDebugName(4) or "") for i, f in enumerate(fonts)]
    for needle in (" SC", "SC", "GB", "Hei", ""):
        for i, name in names:
            if needle in name and "Mono" not in name:
                return FontSource(path, i, name)
    return None


def find_cjk_font() -> FontSource | None:
    """The CJK font face to embed, or None."""
    override = os.environ.get("EVALWH_REPORT_FONT")
    if override == "none":  # embed nothing: a smaller file that relies on the viewer's fonts
        return None
    if override:
        raw, _, index = override.partition("#")
        path = Path(raw)
        if path.exists():
            if index.isdigit():
                return FontSource(path, int(index), path.name)
            return _pick_face(path)
    seen: set[str] = set()
    for candidate in (*_fc_list(), *KNOWN_PATHS):
        if candidate in seen or not Path(candidate).exists():
            continue
        seen.add(candidate)
        face = _pick_face(Path(candidate))
        if face is not None:
            return face
    return None


def subset_woff2(source: FontSource, text: str) -> bytes:
    """The glyphs of `text` (plus digits and Latin) from the face, as WOFF2 bytes."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(str(source.path), fontNumber=source.index, lazy=True)
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["kern", "liga", "locl", "vert", "palt"]
    options.hinting = False
    options.desubroutinize = True
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    wanted = "".join(sorted(set(text + BASE_CHARACTERS) - {"\n", "\r", "\t"}))
    subsetter.populate(text=wanted)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.flavor = "woff2"
    font.save(buffer)
    return buffer.getvalue()


def embed(text: str, source: FontSource | None = None) -> EmbeddedFont:
    """The @font-face rule for a subset holding every character of `text`."""
    source = source or find_cjk_font()
    if source is None:
        return EmbeddedFont(
            None,
            "",
            FALLBACK_STACK,
            0,
            0,
            warning=(
                "no CJK font found to embed (set EVALWH_REPORT_FONT, or install "
                "fonts-noto-cjk): Chinese in the report depends on the viewer's fonts"
            ),
        )
    data = subset_woff2(source, text)
    encoded = base64.b64encode(data).decode("ascii")
    css = (
        f'@font-face {{ font-family: "{FAMILY}"; font-style: normal; font-weight: normal; '
        f'font-display: block; src: url(data:font/woff2;base64,{encoded}) format("woff2"); }}'
    )
    return EmbeddedFont(source, css, f'"{FAMILY}", {FALLBACK_STACK}', len(data), len(set(text)))
