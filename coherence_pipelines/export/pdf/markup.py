"""The HTML and CSS WeasyPrint renders: one fixed-height <section> per page.

Each row is one line of text in a fixed-height block, its cells separated by tabs that stop at the column
starts (CSS `tab-size`). WeasyPrint's cost is per box and per line, so a row costs one box and one line
instead of a table row of cell boxes; the header row is built the same way in bold, so it lines up with
the rows. The fixed height keeps the row pitch exact when a fallback font with other metrics draws some
characters of a row (a taller line would otherwise push the last rows off the page).
"""

from __future__ import annotations

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
_ROW_CLASSES = ("r", "r z")  # every other row shaded


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


def page_section(layout: PageLayout, *, top: str, header: str, rows: Sequence[str], generated: str,
                 page: int, pages: int) -> str:
    """One page: `top`, the `header` line, the `rows` lines (or "No records") and the footer.

    `header` and `rows` are plain text, tab-separated and already fitted to the columns."""
    body = "".join(f'<div class="{_ROW_CLASSES[i % 2]}">{escape(row)}</div>' for i, row in enumerate(rows))
    if not rows:
        body = f'<p class="empty">{NO_RECORDS}</p>'
    return (f'<section>{top}<div class="header">{escape(header)}</div>{body}'
            f'<footer><span class="generated">{escape(generated)}</span>'
            f'<span class="page-number">Page {page} of {pages}</span></footer></section>')


def document(layout: PageLayout, sections: Iterable[str]) -> str:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>{_stylesheet(layout)}</style></head>'
            f"<body>{''.join(sections)}</body></html>")


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
.r, .header {{ padding-left: {ROWS_PADDING_LEFT_PT}pt; line-height: {ROW_PT}pt; white-space: pre;
  tab-size: {layout.tab_px}px; }}
.r {{ height: {ROW_PT}pt; }}
.z {{ background: #f0f2f6; }}
.header {{ box-sizing: border-box; margin-top: {HEADER_GAP_PT}pt; height: {HEADER_ROW_PT}pt;
  font-weight: bold; border-bottom: 1pt solid #555; }}
.empty {{ margin: 0; line-height: {ROW_PT}pt; padding-left: {ROWS_PADDING_LEFT_PT}pt; color: #555; }}
footer {{ position: absolute; left: 0; right: 0; bottom: 0; height: {FOOTER_PT}pt; line-height: {FOOTER_PT}pt;
  color: #555; }}
footer span {{ position: absolute; top: 0; }}
.generated {{ left: 0; }}
.page-number {{ right: 0; }}
"""
