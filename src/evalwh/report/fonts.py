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

Subsetting a Noto CJK collection costs 1.5-2 s of CPU (most of a warm report's non-xlsx
time), so subsets are cached on disk (`FontCache`, `<warehouse>/cache/fonts/`), keyed by
everything that decides the bytes: the font file (path, size, mtime), the face, the exact
character set, the fontTools version and `SUBSET_FORMAT`. A cache that cannot be read or
written, or an entry that fails its checksum, only costs the subset being built again.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import os
import shutil
import subprocess
import time
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
# never in a subset: layout characters without a glyph
IGNORED_CHARACTERS = frozenset("\n\r\t")
# a vocabulary (`embed`) is embedded whole only while it adds at most this many characters to
# the page's own: ~250 bytes of WOFF2 per CJK glyph, so at most ~75 KB more of font
MAX_VOCABULARY_EXTRA = 300
# part of every cache key: bump when subset_woff2's options change
SUBSET_FORMAT = 1
CACHE_ENTRIES = 16  # subsets kept in the cache (least recently used pruned)
_MAGIC = b"EVWHFNT1"  # cache entry: magic, sha256 of the WOFF2, the WOFF2

# subsets built by this process (not served from the cache): what the tests count
subsets_built = 0


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
    cache: str = "off"  # "hit", "miss" (built and stored) or "off" (no cache directory)


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


def subset_characters(text: str) -> str:
    """The characters a subset for `text` holds: its own plus BASE_CHARACTERS, sorted."""
    return "".join(sorted(set(text).union(BASE_CHARACTERS) - IGNORED_CHARACTERS))


def subset_woff2(source: FontSource, text: str) -> bytes:
    """The glyphs of `text` (plus digits and Latin) from the face, as WOFF2 bytes."""
    global subsets_built
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
    subsetter.populate(text=subset_characters(text))
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.flavor = "woff2"
    font.save(buffer)
    subsets_built += 1
    return buffer.getvalue()


def cache_key(source: FontSource, characters: str) -> str:
    """What decides a subset's bytes, hashed: the font file as it is now (path, size, mtime),
    the face, the characters (as `subset_characters` gives them), fontTools and our options."""
    from fontTools import version as fonttools_version

    stat = source.path.stat()
    identity = {
        "font": str(source.path.resolve()),
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "index": source.index,
        "characters": characters,
        "fonttools": fonttools_version,
        "format": SUBSET_FORMAT,
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode("utf-8")).hexdigest()


class FontCache:
    """Subsets on disk, one file per key (`<key>.subset`: magic, sha256 of the WOFF2, WOFF2).

    Safe with several processes at once: an entry is written to a temporary file of its own
    and renamed into place, so a reader sees a whole entry or none; two builds of one key both
    write a good entry and the last rename wins. Bounded: after a write, only the
    `max_entries` most recently used entries are kept (a hit refreshes its mtime). Every
    failure (unreadable, corrupt, read-only, vanished in a prune) is a miss, never an error.
    """

    def __init__(self, directory: str | Path, max_entries: int = CACHE_ENTRIES) -> None:
        self.directory = Path(directory)
        self.max_entries = max_entries

    def path(self, key: str) -> Path:
        return self.directory / f"{key}.subset"

    def get(self, key: str) -> bytes | None:
        path = self.path(key)
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        head, digest, payload = raw[:8], raw[8:40], raw[40:]
        if head != _MAGIC or hashlib.sha256(payload).digest() != digest or not payload:
            return None  # corrupt: the caller builds it again and `put` replaces it
        with contextlib.suppress(OSError):
            os.utime(path)  # most recently used
        return payload

    def put(self, key: str, payload: bytes) -> bool:
        tmp = self.directory / f".{key}.{os.getpid()}.{time.monotonic_ns()}.tmp"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(_MAGIC + hashlib.sha256(payload).digest() + payload)
            tmp.replace(self.path(key))
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            return False
        self.prune()
        return True

    def prune(self) -> None:
        """Keep the `max_entries` most recently used entries; drop temporary files of
        writers that died (older than an hour)."""
        entries: list[tuple[float, Path]] = []
        now = time.time()
        try:
            listing = list(self.directory.iterdir())
        except OSError:
            return
        for path in listing:
            try:
                mtime = path.stat().st_mtime
            except OSError:
                continue
            if path.suffix == ".subset":
                entries.append((mtime, path))
            elif path.suffix == ".tmp" and now - mtime > 3600:
                with contextlib.suppress(OSError):
                    path.unlink(missing_ok=True)
        entries.sort(reverse=True)
        for _, path in entries[self.max_entries :]:
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)


def embed(
    text: str,
    source: FontSource | None = None,
    *,
    cache_dir: str | Path | None = None,
    vocabulary: str = "",
) -> EmbeddedFont:
    """The @font-face rule for a subset holding every character of `text`.

    `vocabulary`: every character the report could show (its labels, the published file's
    names), embedded too while it adds at most MAX_VOCABULARY_EXTRA characters. The page's own
    characters change with the year (the names of the worst regions, their commitments), the
    vocabulary does not: with it, one cached subset serves every year and scope.
    `cache_dir`: where subsets are cached (None: no cache).
    """
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
    wanted = subset_characters(text)
    if vocabulary:
        widened = subset_characters(wanted + vocabulary)
        if len(widened) - len(wanted) <= MAX_VOCABULARY_EXTRA:
            wanted = widened
    cache, key, state = None, "", "off"
    if cache_dir is not None:
        cache = FontCache(cache_dir)
        try:
            key = cache_key(source, wanted)
        except OSError:  # the font vanished since it was found: subsetting says why
            cache = None
    data = cache.get(key) if cache else None
    if data is not None:
        state = "hit"
    else:
        data = subset_woff2(source, wanted)
        if cache:
            cache.put(key, data)
            state = "miss"
    encoded = base64.b64encode(data).decode("ascii")
    css = (
        f'@font-face {{ font-family: "{FAMILY}"; font-style: normal; font-weight: normal; '
        f'font-display: block; src: url(data:font/woff2;base64,{encoded}) format("woff2"); }}'
    )
    return EmbeddedFont(
        source,
        css,
        f'"{FAMILY}", {FALLBACK_STACK}',
        len(data),
        len(set(text)),
        cache=state,
    )
