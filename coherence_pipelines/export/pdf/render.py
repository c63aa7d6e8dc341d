"""write_pdf: the table rendered by WeasyPrint in parts of a few pages, each part's pages streamed into the file."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from io import BytesIO
from pathlib import Path

import polars as pl
from pypdf import PdfReader
from weasyprint import HTML

from coherence_pipelines.export.pdf.concat import PageStream
from coherence_pipelines.export.pdf.layout import FONT_FAMILY, SAMPLE_ROWS, PageLayout, plan_layout
from coherence_pipelines.export.pdf.markup import document, generated_label, page_section, page_top
from coherence_pipelines.export.pdf.text import FontMetrics, font_metrics, one_line

log = logging.getLogger("coherence.export")

# WeasyPrint holds every page of a document until it is written, and its time per page grows with the
# document: parts of 25 pages (about 1,000 rows) keep it to tens of megabytes, and measured faster and
# smaller than parts of 50 (parts of 10 to 25 measured alike).
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
    body, bold = font_metrics(FONT_FAMILY), font_metrics(FONT_FAMILY, bold=True)
    layout = plan_layout(table.columns, table.head(SAMPLE_ROWS).rows(), has_title=bool(title),
                         has_description=bool(description), body=body, bold=bold)
    pages = layout.page_count(table.height)
    top = page_top(layout, title, description, bold)
    header = _line([one_line(label) for label in table.columns], layout, bold)
    generated = generated_label(generated_at)
    per_page = layout.rows_per_page

    with out.open("wb") as f, _missing_glyphs_counted() as missing:
        document_pages = PageStream(f, title=one_line(title) if title else None, created_at=generated_at)
        for first in range(1, pages + 1, PAGES_PER_PART):
            last = min(pages, first + PAGES_PER_PART - 1)
            lines = list(_row_lines(table.slice((first - 1) * per_page, (last - first + 1) * per_page), layout, body))
            sections = (page_section(layout, top=top, header=header, generated=generated, page=page, pages=pages,
                                     rows=lines[(page - first) * per_page:(page - first + 1) * per_page])
                        for page in range(first, last + 1))
            part = PdfReader(BytesIO(HTML(string=document(layout, sections)).write_pdf()))
            if len(part.pages) != last - first + 1:
                raise RuntimeError(f"PDF pages {first}-{last} rendered as {len(part.pages)} pages: the page "
                                   "layout arithmetic no longer matches what WeasyPrint lays out")
            document_pages.append(part)
            if on_progress is not None:
                on_progress(last / pages)
        document_pages.close()
    if missing.count:
        log.warning("%d characters of the PDF export %s have no glyph in any installed font and print as boxes; "
                    "install fonts that cover them (for CJK, fonts-noto-cjk)", missing.count, out.name)
    return pages


def _row_lines(part: pl.DataFrame, layout: PageLayout, body: FontMetrics) -> Iterator[str]:
    """Each row of `part` as one line of values fitted to their columns."""
    columns = [part[name].str.slice(0, MAX_CELL_CHARS).to_list() for name in part.columns]
    for values in zip(*columns, strict=True):
        yield _line(["" if value is None else one_line(value) for value in values], layout, body)


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
