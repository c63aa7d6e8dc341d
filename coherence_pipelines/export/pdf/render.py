"""write_pdf: the table rendered by WeasyPrint in parts of a few pages, each part's pages streamed into the file."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import partial
from io import BytesIO
from pathlib import Path

import polars as pl
from pypdf import PdfReader
from weasyprint import HTML, Document

from coherence_pipelines.export.pdf.concat import PageStream
from coherence_pipelines.export.pdf.layout import FONT_FAMILY, PX_PER_PT, ROW_PT, SAMPLE_ROWS, PageLayout, plan_layout
from coherence_pipelines.export.pdf.markup import ROWS_CLASS, document, generated_label, page_section, page_top
from coherence_pipelines.export.pdf.text import FontMetrics, font_faces, one_line

log = logging.getLogger("coherence.export")

# WeasyPrint holds every page of a document until it is written: parts of 25 pages (about 1,000 rows) keep
# it to tens of megabytes. A part costs some 30 ms of its own, yet parts of 50 and 100 pages measured no
# faster than parts of 25, so a small export gains nothing from fewer, larger parts.
PAGES_PER_PART = 25
# More characters than the widest column can show (a landscape page holds under 400 of the narrowest).
MAX_CELL_CHARS = 1000


def write_pdf(table: pl.DataFrame, out: Path, *, title: str | None, description: str | None,
              generated_at: datetime, on_progress: Callable[[float], None] | None = None) -> int:
    """Writes `table` as an A4 PDF at `out` and returns its page count.

    Every column of `table` is text already formatted for people; the column names are the header labels,
    in order, and nulls print as empty cells. Every page carries the title, the description (at most two
    lines, then an ellipsis), the header row, "Generated <generated_at in UTC>" and "Page X of Y". The
    page is landscape for more than five columns or when a column's typical value would not fit portrait.

    Each row is exactly one line: columns share the width equally, and a value too long for its column
    is cut with an ellipsis ("…") rather than wrapped; line breaks and tabs inside values print as spaces.
    Values are text, never markup. A table without rows gives one page with the header and "No records".
    Characters the font (DejaVu Sans) lacks, such as CJK, are drawn by a fallback font where fontconfig
    has one, else as empty boxes.

    `on_progress` is called with the fraction done, rising to 1.0, after each part of the document.
    """
    table = table.cast(pl.String)  # a column of nothing but nulls comes typed Null
    body, bold = font_faces(FONT_FAMILY)
    layout = plan_layout(table.columns, table.head(SAMPLE_ROWS).rows(), has_title=bool(title),
                         has_description=bool(description), body=body, bold=bold)
    pages = layout.page_count(table.height)
    top = page_top(layout, title, description, bold)
    header = _line([one_line(label) for label in table.columns], layout, bold)
    generated = generated_label(generated_at)
    per_page = layout.rows_per_page

    section = partial(page_section, layout, top=top, header=header, body=body, generated=generated, pages=pages)

    with out.open("wb") as f, _missing_glyphs_counted() as missing:
        document_pages = PageStream(f, title=one_line(title) if title else None, created_at=generated_at)
        for first in range(1, pages + 1, PAGES_PER_PART):
            last = min(pages, first + PAGES_PER_PART - 1)
            lines = _row_lines(table.slice((first - 1) * per_page, (last - first + 1) * per_page), layout, body)
            page_rows = [lines[start:start + per_page] for start in range(0, (last - first + 1) * per_page, per_page)]
            numbered = list(enumerate(page_rows, start=first))
            warned = missing.count
            rendered = _render(layout, (section(rows=rows, page=page) for page, rows in numbered))
            if not _rows_in_place(rendered, page_rows):
                # A font drew a row taller than the body font does where `FontMetrics.draws_all` did not
                # foresee it: the part again, with every row pinned to its height.
                missing.count = warned
                rendered = _render(layout, (section(rows=rows, page=page, pin_all=True) for page, rows in numbered))
                if not _rows_in_place(rendered, page_rows):
                    raise RuntimeError(f"the rows of PDF pages {first}-{last} are not laid out one a row high")
            if len(rendered.pages) != last - first + 1:
                raise RuntimeError(f"PDF pages {first}-{last} rendered as {len(rendered.pages)} pages: the page "
                                   "layout arithmetic no longer matches what WeasyPrint lays out")
            document_pages.append(PdfReader(BytesIO(rendered.write_pdf())))
            if on_progress is not None:
                on_progress(last / pages)
        document_pages.close()
    if missing.count:
        log.warning("%d characters of the PDF export %s have no glyph in any installed font and print as boxes; "
                    "install fonts that cover them (for CJK, fonts-noto-cjk)", missing.count, out.name)
    return pages


def _render(layout: PageLayout, sections: Iterable[str]) -> Document:
    return HTML(string=document(layout, sections)).render()


def _rows_in_place(rendered: Document, page_rows: list[list[str]]) -> bool:
    """Whether every page holds all its rows, each one row height below the one before.

    A line taller than a row pushes the rows after it down, and WeasyPrint leaves out those it pushes off
    the page: the page count does not show it."""
    for page, rows in zip(rendered.pages, page_rows, strict=False):  # the page count is checked apart
        if not rows:
            continue
        # WeasyPrint 70 keeps a page's boxes in `_page_box`; its public API has no layout positions
        block = next((box for box in page._page_box.descendants()
                      if box.element_tag == "div" and box.element.get("class") == ROWS_CLASS), None)
        if block is None or len(block.children) != len(rows):
            return False
        bottom = block.children[-1].position_y + block.children[-1].height
        if abs(bottom - block.content_box_y() - len(rows) * ROW_PT * PX_PER_PT) > 0.01:
            return False
    return True


def _row_lines(part: pl.DataFrame, layout: PageLayout, body: FontMetrics) -> list[str]:
    """Each row of `part` as one line of values fitted to their columns, as `_line` makes it.

    Each distinct value of a column is fitted once: exports repeat values (owners, cities, dates) a lot."""
    if not part.height:
        return []
    limit, last = layout.cell_em, part.width - 1
    cells = []
    for index, name in enumerate(part.columns):
        values = part[name].str.slice(0, MAX_CELL_CHARS).fill_null("")
        fitted = {value: body.fit(one_line(value), limit)[0] if index == last else body.fill(one_line(value), limit)
                  for value in values.unique().to_list()}
        cells.append(values.replace_strict(fitted, return_dtype=pl.String).alias(str(index)))
    return pl.DataFrame(cells).select(pl.concat_str(pl.all(), separator="\t")).to_series().to_list()


def _line(cells: list[str], layout: PageLayout, metrics: FontMetrics) -> str:
    """Cells separated by tabs, which stop at the column starts; all but the last are padded (see `fill`)."""
    limit = layout.cell_em
    padded = [metrics.fill(cell, limit) for cell in cells[:-1]]
    return "\t".join([*padded, *(metrics.fit(cell, limit)[0] for cell in cells[-1:])])


class _MissingGlyphFilter(logging.Filter):
    """Counts WeasyPrint's warnings about characters no font has, instead of logging one per character."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith(".notdef glyph"):
            self.count += 1
            return False
        return True


@contextmanager
def _missing_glyphs_counted() -> Iterator[_MissingGlyphFilter]:
    counter = _MissingGlyphFilter()
    weasyprint_log = logging.getLogger("weasyprint")
    weasyprint_log.addFilter(counter)
    try:
        yield counter
    finally:
        weasyprint_log.removeFilter(counter)
