"""Cell text for the PDF: made printable on one line, and cut with an ellipsis to fit a width.

Widths are measured with the advance widths of the font that fontconfig picks for the family, the same
font Pango draws with. The measure errs on the wide side (no kerning, ligatures or mark positioning,
and a generous width for characters the font lacks), so text cut to fit never spills into the next
column, whatever fallback font draws the missing characters.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from functools import cache, cached_property

from fontTools.ttLib import TTFont

ELLIPSIS = "\u2026"
# A character the font lacks is drawn by a fallback font (or as a box): CJK fallback fonts advance
# 1 em and colour emoji about 1.25 em, so 1.3 em is wide enough for either. Without a readable font
# file every character counts this wide.
MISSING_GLYPH_EM = 1.3

# Tabs and newlines are the renderer's column and row separators, and the other controls cannot travel
# in HTML: all of them print as a space, so a value keeps its words apart and stays on one line.
_PRINTABLE = str.maketrans({chr(c): " " for c in [*range(0x00, 0x20), 0x7F, 0x85, 0x2028, 0x2029]})


def one_line(text: str) -> str:
    """`text` with line breaks, tabs and other control characters as spaces."""
    return text.translate(_PRINTABLE)


# Unicode spaces from widest to narrowest, for padding a cell out to its column in few glyphs.
_SPACES = ("\u2003", "\u2002")  # em and en spaces
# From the arrows on, Unicode holds the symbols and emoji that Pango may draw with an emoji font even
# where the face has a glyph of its own.
_SYMBOLS_FROM = 0x2190


@dataclass(frozen=True)
class FontMetrics:
    """Advance widths, in em, of one face's characters."""

    widths: dict[str, float]
    default: float

    def draws_all(self, text: str) -> bool:
        """Whether this face alone draws `text` (tabs included), so a line of it has this face's height."""
        return self._not_drawn.search(text) is None

    @cached_property
    def _not_drawn(self) -> re.Pattern[str]:
        # one character class of ranges, so a line is checked at the speed of the regex engine
        points = sorted({ord(ch) for ch in self.widths if ord(ch) < _SYMBOLS_FROM} | {ord("\t")})
        ranges: list[list[int]] = []
        for point in points:
            if ranges and ranges[-1][1] == point - 1:
                ranges[-1][1] = point
            else:
                ranges.append([point, point])
        return re.compile("[^" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges) + "]")

    def width(self, text: str) -> float:
        get, default = self.widths.get, self.default
        return sum(get(ch, default) for ch in text)

    def fit(self, text: str, limit_em: float) -> tuple[str, float]:
        """`text` and its width if it fits in `limit_em`, else its longest prefix that fits with an
        ellipsis after it, and the width of that (nothing at all where not even the ellipsis fits)."""
        get, default = self.widths.get, self.default
        ellipsis = get(ELLIPSIS, default)
        if ellipsis > limit_em and self.width(text) > limit_em:
            return "", 0.0
        total = 0.0
        cut, cut_width = 0, 0.0
        for i, ch in enumerate(text):
            total += get(ch, default)
            if total > limit_em:
                kept = text[:cut].rstrip()
                return kept + ELLIPSIS, (cut_width if len(kept) == cut else self.width(kept)) + ellipsis
            if total + ellipsis <= limit_em:
                cut, cut_width = i + 1, total
        return text, total

    def fill(self, text: str, limit_em: float) -> str:
        """`text` fitted to `limit_em`, then padded with spaces to just under that width.

        The tab after a cell then only has a sliver left to span: WeasyPrint 70 draws a tab about 2.4%
        wider than Pango laid it out, so long tabs would push the next column off its stop by a varying
        amount, row by row. Spaces are drawn at their true width, and the short tab still snaps to the stop.
        """
        fitted, used = self.fit(text, limit_em)
        padding = []
        for space in _SPACES:
            step = self.widths.get(space)
            if step:
                count = max(0, int((limit_em - used) // step))
                padding.append(space * count)
                used += count * step
        return fitted + "".join(padding)


@cache
def font_faces(family: str) -> tuple[FontMetrics, FontMetrics]:
    """Metrics of the regular and the bold face fontconfig resolves `family` to, read once per process."""
    regular, bold = _font_files([f"{family}:weight=regular", f"{family}:weight=bold"])
    return _metrics(regular), _metrics(bold)


def _metrics(found: tuple[str, int] | None) -> FontMetrics:
    if found is None:
        return FontMetrics({}, MISSING_GLYPH_EM)
    path, index = found
    with TTFont(path, lazy=True, fontNumber=index) as font:
        # Glyphs named by their index: the real names would cost parsing the 'post' table, which takes
        # longer than all the rest of the reading.
        font.setGlyphOrder([f"g{glyph}" for glyph in range(font["maxp"].numGlyphs)])
        per_em = font["head"].unitsPerEm
        advances = font["hmtx"].metrics
        widths = {chr(cp): advances[glyph][0] / per_em for cp, glyph in font.getBestCmap().items()}
    return FontMetrics(widths, MISSING_GLYPH_EM)


def _font_files(patterns: list[str]) -> list[tuple[str, int] | None]:
    """The file and face index fontconfig resolves each of `patterns` to, if it is a font fontTools reads.

    The fc-match processes run side by side: starting one takes longer than its answer."""
    processes: list[subprocess.Popen[str] | None] = []
    for pattern in patterns:
        try:
            processes.append(subprocess.Popen(["fc-match", "--format=%{file}\n%{index}", pattern], text=True,
                                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL))
        except OSError:
            processes.append(None)
    return [_font_file(process) for process in processes]


def _font_file(process: subprocess.Popen[str] | None) -> tuple[str, int] | None:
    if process is None:
        return None
    try:
        found, _ = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return None
    path, _, index = found.partition("\n")
    if process.returncode or not path.lower().endswith((".ttf", ".otf", ".ttc")) or not index.strip().isdigit():
        return None
    return path, int(index)
