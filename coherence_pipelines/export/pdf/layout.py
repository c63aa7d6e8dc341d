"""Page geometry: orientation, column stops and how many rows a page holds, fixed before anything renders.

Every block on a page has a fixed height and every row one line of fixed height, so the rows per page,
and with them the page count, follow from arithmetic. That is what lets the document render in parts
that each know their page numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from coherence_pipelines.export.pdf.text import FontMetrics

FONT_FAMILY = "DejaVu Sans"
A4_PT = (595.28, 841.89)
MARGIN_PT = 28.35  # 10 mm
PX_PER_PT = 4 / 3  # CSS: 96 px per inch, 72 pt per inch

BODY_FONT_PT = 8.0
ROW_PT = 12.0
TITLE_FONT_PT = 14.0
TITLE_PT = 20.0
DESCRIPTION_FONT_PT = 9.0
DESCRIPTION_LINE_PT = 12.0
DESCRIPTION_LINES = 2
HEADER_GAP_PT = 6.0
HEADER_ROW_PT = 15.0  # one row, its padding and the rule under it
FOOTER_PT = 16.0  # the generated date and "Page X of Y"
# Kept free at the foot of the page, so rounding in the renderer never pushes the last row off it.
SLACK_PT = 1.0
ROWS_PADDING_LEFT_PT = 2.0
# Room kept free at the right of each column, so a value never touches the next one.
CELL_GAP_PT = 6.0

# Up to this many columns fit a portrait page; more go landscape.
PORTRAIT_MAX_COLUMNS = 5
# Values measured to choose the orientation: enough to see what a column holds, few enough to be quick.
SAMPLE_ROWS = 200


@dataclass(frozen=True)
class PageLayout:
    landscape: bool
    width_pt: float
    height_pt: float
    tab_px: int  # columns start at every multiple of this, from the left of the rows
    rows_per_page: int

    @property
    def content_height_pt(self) -> float:
        return self.height_pt - 2 * MARGIN_PT

    @property
    def title_em(self) -> float:
        """The width the title may take, in em of its font."""
        return (self.width_pt - 2 * MARGIN_PT) / TITLE_FONT_PT

    @property
    def cell_em(self) -> float:
        """The width a cell's text may take, in em of the body font (header and rows share the size)."""
        return _cell_em(self.tab_px)

    def page_count(self, rows: int) -> int:
        return max(1, math.ceil(rows / self.rows_per_page))


def plan_layout(labels: Sequence[str], sample: Sequence[Sequence[str | None]], *, has_title: bool,
                has_description: bool, body: FontMetrics, bold: FontMetrics) -> PageLayout:
    """Landscape for more than PORTRAIT_MAX_COLUMNS columns, or when a column's label or its typical
    (90th percentile) value in `sample` would be cut on a portrait page."""
    columns = max(1, len(labels))
    landscape = columns > PORTRAIT_MAX_COLUMNS or _wider_than(
        _cell_em(_tab_px(A4_PT[0], columns)), labels, sample, body, bold)
    width, height = (A4_PT[1], A4_PT[0]) if landscape else A4_PT
    furniture = (HEADER_GAP_PT + HEADER_ROW_PT + FOOTER_PT + SLACK_PT + (TITLE_PT if has_title else 0.0)
                 + (DESCRIPTION_LINE_PT * DESCRIPTION_LINES if has_description else 0.0))
    rows = int((height - 2 * MARGIN_PT - furniture) // ROW_PT)
    return PageLayout(landscape=landscape, width_pt=width, height_pt=height, tab_px=_tab_px(width, columns),
                      rows_per_page=rows)


def _tab_px(page_width_pt: float, columns: int) -> int:
    """Columns share the width equally; tab stops are whole CSS pixels, as WeasyPrint rounds them so."""
    return int((page_width_pt - 2 * MARGIN_PT - ROWS_PADDING_LEFT_PT) * PX_PER_PT // columns)


def _cell_em(tab_px: int) -> float:
    return (tab_px / PX_PER_PT - CELL_GAP_PT) / BODY_FONT_PT


def _wider_than(limit_em: float, labels: Sequence[str], sample: Sequence[Sequence[str | None]],
                body: FontMetrics, bold: FontMetrics) -> bool:
    if any(bold.width(label) > limit_em for label in labels):
        return True
    for index in range(len(labels)):
        widths = sorted(body.width(row[index] or "") for row in sample)
        if widths and widths[int(0.9 * (len(widths) - 1))] > limit_em:
            return True
    return False
