"""The HTML and CSS WeasyPrint renders: one fixed-height <section> per page.

Each row is one line of text, its cells separated by tabs that stop at the column starts (CSS `tab-size`),
and a page's rows are the lines of one preformatted block. WeasyPrint's cost is per element, per box and
per line: a block per row cost nearly as much again as its line (style, box, block layout), so the rows
share one, and the shading of every other row is that block's background image rather than a box per row.
The header row is built the same way in bold, so it lines up with the rows.

A line is exactly one row high when the body font draws all of it. A fallback font with other metrics
(CJK, emoji) makes a taller line, which would push the rows after it down and, over a page, off it; such a
row is pinned: it sits in an inline box of no line height, so its line takes the block's line height
whatever draws it.
"""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from html import escape

from coherence_pipelines.export.pdf.layout import (
    BODY_FONT_PT,
    DESCRIPTION_FONT_PT,
    DESCRIPTION_LINE_PT,
    DESCRIPTION_LINES,
    FONT_FAMILY,
    FOOTER_PT,
    HEADER_GAP_PT,
    HEADER_ROW_PT,
    MARGIN_PT,
    ROW_PT,
    ROWS_PADDING_LEFT_PT,
    SLACK_PT,
    TITLE_FONT_PT,
    TITLE_PT,
    PageLayout,
)
from coherence_pipelines.export.pdf.text import FontMetrics, one_line

NO_RECORDS = "No records"
ROWS_CLASS = "rows"  # the block of a page's rows
SHADE = (0xF0, 0xF2, 0xF6)  # every other row, from the second
# Pixels per point down the stripes image: where a viewer smooths the image regardless, the edge it blurs
# is a quarter of a point.
STRIPES_PX_PER_PT = 4


def generated_label(generated_at: datetime) -> str:
    """`Generated 2026-11-29 10:30 UTC`; a naive datetime is taken to be UTC already."""
    moment = generated_at.astimezone(UTC) if generated_at.tzinfo else generated_at
    return f"Generated {moment:%Y-%m-%d %H:%M} UTC"


def page_top(layout: PageLayout, title: str | None, description: str | None, bold: FontMetrics) -> str:
    """The title and description blocks, the same on every page."""
    parts = []
    if title:
        parts.append(f"<h1>{escape(bold.fit(one_line(title), layout.title_em)[0])}</h1>")
    if description:
        parts.append(f'<p class="description">{escape(one_line(description))}</p>')
    return "".join(parts)


def page_section(layout: PageLayout, *, top: str, header: str, rows: Sequence[str], body: FontMetrics,
                 pin_all: bool = False, generated: str, page: int, pages: int) -> str:
    """One page: `top`, the `header` line, the `rows` lines (or "No records") and the footer.

    `header` and `rows` are plain text, tab-separated and already fitted to the columns; `body` is the
    font the rows are set in. Rows the body font does not draw all of are pinned to a row's height, and
    with `pin_all` every row is."""
    if rows:
        lines = "\n".join(_row_markup(row, body, pin_all) for row in rows)
        body_html = f'<div class="{ROWS_CLASS}">{lines}</div>'
    else:
        body_html = f'<p class="empty">{NO_RECORDS}</p>'
    return (f'<section>{top}<div class="header">{escape(header)}</div>{body_html}'
            f'<footer><span class="generated">{escape(generated)}</span>'
            f'<span class="page-number">Page {page} of {pages}</span></footer></section>')


def _row_markup(row: str, body: FontMetrics, pin: bool) -> str:
    if not row:
        return " "  # a preformatted block ends at its last line break: an empty last row would take no line
    return escape(row) if body.draws_all(row) and not pin else f"<span>{escape(row)}</span>"


def document(layout: PageLayout, sections: Iterable[str]) -> str:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>{_stylesheet(layout)}</style></head>'
            f"<body>{''.join(sections)}</body></html>")


def _stripes(rows: int) -> str:
    """A PNG image of `rows` rows with every other one, from the second, shaded: stretched over a full page
    of rows, and cut short with the block on a page with fewer.

    A raster image because WeasyPrint draws it in a fraction of the time of an SVG (which it parses on
    every page) or a gradient, and crisp because it is drawn without interpolation."""
    row_px = int(ROW_PT * STRIPES_PX_PER_PT)
    white, shade = b"\x00\xff\xff\xff", b"\x00" + bytes(SHADE)  # each pixel row: no filter, one RGB pixel
    pixels = b"".join((shade if row % 2 else white) * row_px for row in range(rows))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, rows * row_px, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(pixels)) + chunk(b"IEND", b""))
    return "data:image/png;base64," + base64.b64encode(png).decode()


def _stylesheet(layout: PageLayout) -> str:
    orientation = "landscape" if layout.landscape else "portrait"
    return f"""
@page {{ size: A4 {orientation}; margin: {MARGIN_PT}pt; }}
html {{ font-family: "{FONT_FAMILY}"; font-size: {BODY_FONT_PT}pt; color: #1a1a1a; }}
body {{ margin: 0; }}
section {{ position: relative; height: {layout.content_height_pt - SLACK_PT / 2:.2f}pt; break-after: page; }}
section:last-child {{ break-after: auto; }}
h1 {{ margin: 0; height: {TITLE_PT}pt; font-size: {TITLE_FONT_PT}pt; line-height: {TITLE_PT}pt; white-space: nowrap; }}
.description {{ margin: 0; height: {DESCRIPTION_LINE_PT * DESCRIPTION_LINES}pt; font-size: {DESCRIPTION_FONT_PT}pt;
  line-height: {DESCRIPTION_LINE_PT}pt; line-clamp: {DESCRIPTION_LINES}; color: #444; }}
.{ROWS_CLASS}, .header {{ padding-left: {ROWS_PADDING_LEFT_PT}pt; line-height: {ROW_PT}pt; white-space: pre;
  tab-size: {layout.tab_px}px; }}
.{ROWS_CLASS} {{ background: url("{_stripes(layout.rows_per_page)}") 0 0 / 100% {layout.rows_per_page * ROW_PT}pt
  no-repeat; image-rendering: pixelated; }}
.{ROWS_CLASS} span {{ line-height: 0; }}
.header {{ box-sizing: border-box; margin-top: {HEADER_GAP_PT}pt; height: {HEADER_ROW_PT}pt;
  font-weight: bold; border-bottom: 1pt solid #555; }}
.empty {{ margin: 0; line-height: {ROW_PT}pt; padding-left: {ROWS_PADDING_LEFT_PT}pt; color: #555; }}
footer {{ position: absolute; left: 0; right: 0; bottom: 0; height: {FOOTER_PT}pt; line-height: {FOOTER_PT}pt;
  color: #555; }}
/* a width of their own spares WeasyPrint laying the texts out to size the boxes to them, on every page */
footer span {{ position: absolute; top: 0; width: 50%; white-space: nowrap; }}
.generated {{ left: 0; }}
.page-number {{ right: 0; text-align: right; }}
"""
