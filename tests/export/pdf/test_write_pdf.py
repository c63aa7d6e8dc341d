"""Real PDFs written by write_pdf and read back with pypdf."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import polars as pl
import pytest
from pypdf import PdfReader

from coherence_pipelines.export.pdf import write_pdf
from coherence_pipelines.export.pdf.render import PAGES_PER_PART

GENERATED_AT = datetime(2026, 11, 29, 10, 30, tzinfo=UTC)
LABELS = ["Name", "Email", "Owner", "Created", "Updated", "Status"]
ROWS = 1_000


def text_table(columns: dict[str, list[str | None]]) -> pl.DataFrame:
    return pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String))


def page_texts(path: Path) -> list[str]:
    """Each page's text with runs of whitespace (the renderer pads cells with Unicode spaces) as one space.

    Read strictly, so a flaw in the file's structure (the parts are joined by our own writer) fails."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(path, strict=True).pages]


def contacts(rows: int) -> pl.DataFrame:
    return text_table({
        "Name": [f"Row{i:05d} Zoë Ångström" for i in range(rows)],
        "Email": [f"contact{i}@example.com" for i in range(rows)],
        "Owner": [None if i % 9 == 0 else "Νίκος Ольга" for i in range(rows)],
        "Created": [f"2026-01-{1 + i % 28:02d} 09:00" for i in range(rows)],
        "Updated": ["2026-11-29 10:30"] * rows,
        "Status": ["Qualified" if i % 2 else "New" for i in range(rows)],
    })


@dataclass
class Written:
    path: Path
    pages: int
    progress: list[float]
    texts: list[str]


@pytest.fixture(scope="module")
def thousand(tmp_path_factory: pytest.TempPathFactory) -> Written:
    out = tmp_path_factory.mktemp("pdf") / "contacts.pdf"
    progress: list[float] = []
    pages = write_pdf(contacts(ROWS), out, title="Contacts in Berlin", description="Every contact of the Berlin office",
                      generated_at=GENERATED_AT, on_progress=progress.append)
    return Written(out, pages, progress, page_texts(out))


def test_the_page_count_returned_is_the_document_s(thousand: Written):
    reader = PdfReader(thousand.path, strict=True)
    assert len(reader.pages) == thousand.pages
    assert thousand.pages > PAGES_PER_PART, "the table spans more than one rendered part, so the parts are joined"
    assert reader.metadata.title == "Contacts in Berlin"
    assert reader.metadata.creation_date == GENERATED_AT


def test_title_description_and_generated_date_are_on_every_page(thousand: Written):
    texts = thousand.texts
    assert texts[0].startswith("Contacts in Berlin Every contact of the Berlin office")
    for text in texts:
        assert "Contacts in Berlin" in text and "Every contact of the Berlin office" in text
        assert "Generated 2026-11-29 10:30 UTC" in text


def test_the_header_row_repeats_on_every_page(thousand: Written):
    header = " ".join(LABELS)
    assert all(header in text for text in thousand.texts)


def test_pages_are_numbered_across_the_whole_document(thousand: Written):
    texts, pages = thousand.texts, thousand.pages
    assert "Page 1 of " + str(pages) in texts[0]
    assert f"Page {pages} of {pages}" in texts[-1]
    assert [re.findall(r"Page (\d+) of (\d+)", text) for text in texts] == [
        [(str(n), str(pages))] for n in range(1, pages + 1)]


def test_every_row_appears_exactly_once_in_order(thousand: Written):
    found = [name for text in thousand.texts for name in re.findall(r"Row\d{5}", text)]
    assert found == [f"Row{i:05d}" for i in range(ROWS)]


def test_accented_greek_and_cyrillic_text_prints_as_is(thousand: Written):
    first = thousand.texts[0]
    assert "Row00001 Zoë Ångström contact1@example.com Νίκος Ольга 2026-01-02 09:00 2026-11-29 10:30 Qualified" in first


def test_progress_rises_to_one(thousand: Written):
    progress = thousand.progress
    assert len(progress) >= 2
    assert progress == sorted(progress) and 0 < progress[0] < 1 and progress[-1] == 1.0


def test_six_columns_are_landscape_and_three_are_portrait(tmp_path: Path):
    wide, narrow = tmp_path / "wide.pdf", tmp_path / "narrow.pdf"
    write_pdf(contacts(3), wide, title="Wide", description=None, generated_at=GENERATED_AT)
    write_pdf(contacts(3).select("Name", "Email", "Status"), narrow, title="Narrow", description=None,
              generated_at=GENERATED_AT)
    wide_box, narrow_box = PdfReader(wide).pages[0].mediabox, PdfReader(narrow).pages[0].mediabox
    assert wide_box.width > wide_box.height
    assert narrow_box.width < narrow_box.height


def test_long_values_turn_a_few_columns_landscape(tmp_path: Path):
    out = tmp_path / "notes.pdf"
    write_pdf(text_table({"Name": ["Ada"] * 5, "Notes": ["a long note " * 20] * 5}), out, title=None,
              description=None, generated_at=GENERATED_AT)
    box = PdfReader(out).pages[0].mediabox
    assert box.width > box.height


def test_markup_in_values_title_and_labels_prints_literally(tmp_path: Path):
    out = tmp_path / "escaped.pdf"
    table = text_table({"<i>Name</i>": ["<b>x</b>", "Tom & Jerry", "<script>alert('x')</script>"],
                        "Quote": ['say "hi"', "it's", "&amp;"]})
    write_pdf(table, out, title="Q&A <b>bold</b>", description='"quoted" & <em>', generated_at=GENERATED_AT)
    text = page_texts(out)[0]
    for literal in ["Q&A <b>bold</b>", '"quoted" & <em>', "<i>Name</i>", "<b>x</b>", "Tom & Jerry",
                    "<script>alert('x')</script>", 'say "hi"', "it's", "&amp;"]:
        assert literal in text


def test_a_long_value_is_cut_with_an_ellipsis_and_keeps_its_row_on_one_line(tmp_path: Path):
    out = tmp_path / "long.pdf"
    rows = 300
    notes = ["x" * 5_000 if i == 1 else f"line one\nline two {i}" for i in range(rows)]
    table = text_table({"Name": [f"Row{i:05d}" for i in range(rows)], "Notes": notes})
    short = tmp_path / "short.pdf"
    pages = write_pdf(table, out, title="Notes", description=None, generated_at=GENERATED_AT)
    assert pages == write_pdf(table.with_columns(pl.lit("x").alias("Notes")), short, title="Notes", description=None,
                              generated_at=GENERATED_AT)
    text = page_texts(out)[0]
    assert re.search(r"Row00001 x{20,}…", text)
    assert "x" * 400 not in text
    assert "Row00002 line one line two 2" in text


def test_an_empty_table_gives_one_page_with_the_header_and_no_records(tmp_path: Path):
    out = tmp_path / "empty.pdf"
    pages = write_pdf(pl.DataFrame({label: [] for label in LABELS}), out, title="Nothing yet",
                      description="No contacts match", generated_at=GENERATED_AT)
    assert pages == 1
    [text] = page_texts(out)
    for part in ["Nothing yet No contacts match " + " ".join(LABELS), "No records", "Page 1 of 1"]:
        assert part in text


def test_no_title_or_description_and_a_non_utc_time(tmp_path: Path):
    out = tmp_path / "plain.pdf"
    berlin = timezone(timedelta(hours=1))
    write_pdf(text_table({"Name": ["Ada"]}), out, title=None, description=None,
              generated_at=datetime(2026, 11, 29, 11, 30, tzinfo=berlin))
    [text] = page_texts(out)
    assert text.startswith("Name Ada Generated 2026-11-29 10:30 UTC Page 1 of 1")


def test_columns_line_up_whatever_the_length_of_the_values_before_them(tmp_path: Path):
    out = tmp_path / "aligned.pdf"
    rows = 12
    table = text_table({label: ["W" * (1 + i % 4 * 5) for i in range(rows)] for label in LABELS[:-1]}
                       | {"Status": ["end"] * rows})
    write_pdf(table, out, title=None, description=None, generated_at=GENERATED_AT)
    layout = PdfReader(out).pages[0].extract_text(extraction_mode="layout").splitlines()
    starts = {line.index("end") for line in layout if line.rstrip().endswith("end")}
    assert len(starts) == 1, "the last column starts at the same place on every row"


def test_characters_the_font_lacks_do_not_break_the_document(tmp_path: Path):
    out = tmp_path / "cjk.pdf"
    values = ["山田太郎", "김민준", "🦄 unicorn", "😀 smile", "e\u0301\u200d\ufe0f", "\x00\x07\x1b nul bell escape"]
    table = text_table({"Name": values, "City": ["東京", "서울", "—", "—", "—", "—"]})
    pages = write_pdf(table, out, title="Ünïcödé 東京", description=None, generated_at=GENERATED_AT)
    reader = PdfReader(out)
    assert pages == len(reader.pages) == 1
    assert reader.metadata.title == "Ünïcödé 東京"


def test_characters_without_a_glyph_are_reported_once_not_per_character(tmp_path: Path,
                                                                       caplog: pytest.LogCaptureFixture):
    out = tmp_path / "unicorns.pdf"
    with caplog.at_level(logging.WARNING):
        write_pdf(text_table({"Name": ["🦄"] * 50}), out, title="Unicorns", description=None,
                  generated_at=GENERATED_AT)
    assert not [r for r in caplog.records if r.name.startswith("weasyprint")]
    [summary] = [r for r in caplog.records if r.name == "coherence.export"]
    assert "unicorns.pdf" in summary.getMessage() and "no glyph" in summary.getMessage()
