"""Real PDFs written by write_pdf and read back with pypdf."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import polars as pl
import pytest
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen
from pypdf import PdfReader

from coherence_pipelines.export.pdf import write_pdf
from coherence_pipelines.export.pdf.layout import ROW_PT
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


def row_baselines(path: Path) -> list[list[tuple[str, float]]]:
    """Each page's rows, as (the text its line starts with, the height of its baseline in points), top down."""
    pages: list[list[tuple[str, float]]] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        # a line's text may come in pieces, of which the first starts with the row's name
        if re.match(r"Row\d{5}", text):
            pages[-1].append((text[:8], tm[4] * cm[1] + tm[5] * cm[3] + cm[5]))

    for page in PdfReader(path, strict=True).pages:
        pages.append([])
        page.extract_text(visitor_text=visit)
    return pages


def pitches(rows: list[tuple[str, float]]) -> set[float]:
    return {round(upper - lower, 6) for (_, upper), (_, lower) in zip(rows, rows[1:], strict=False)}


def test_rows_are_one_row_height_apart_down_every_page(thousand: Written):
    pages = row_baselines(thousand.path)
    assert [name for rows in pages for name, _ in rows] == [f"Row{i:05d}" for i in range(ROWS)]
    assert all(pitches(rows) == {ROW_PT} for rows in pages)
    assert len({rows[0][1] for rows in pages}) == 1, "the first row sits at the same height on every page"


def test_empty_values_keep_their_rows_even_last(tmp_path: Path):
    out = tmp_path / "gaps.pdf"
    names = ["" if i % 3 else f"Row{i:05d}" for i in range(91)] + [""] * 2
    pages = write_pdf(text_table({"Name": names}), out, title=None, description=None, generated_at=GENERATED_AT)
    found = [row for page in row_baselines(out) for row in page]
    assert [name for name, _ in found] == [f"Row{i:05d}" for i in range(0, 91, 3)]
    first_page = [row for row in row_baselines(out)[0]]
    assert pitches(first_page) == {3 * ROW_PT}
    assert pages == write_pdf(text_table({"Name": ["x"] * len(names)}), tmp_path / "full.pdf", title=None,
                              description=None, generated_at=GENERATED_AT)


def tall_font_config(folder: Path, hidden_elsewhere: str = "") -> Path:
    """A fontconfig configuration with one font more than the system's: a font with "山", "Ω" and a taller
    line than DejaVu Sans, which fontconfig falls back to for "山". Like CJK fonts it has the spaces too,
    which Pango then takes from it for the padding after "山".

    Every other font is made to lack `hidden_elsewhere` in fontconfig's eyes (and only there: DejaVu Sans
    keeps the glyphs in its file), so the tall font draws those characters too."""
    fonts = folder / "fonts"
    fonts.mkdir()
    spaces = {" ": 320, "\u2002": 500, "\u2003": 1000}
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder([".notdef", "box", *(f"space{ord(space):04x}" for space in spaces)])
    builder.setupCharacterMap({ord("山"): "box", ord("Ω"): "box"} | {ord(space): f"space{ord(space):04x}"
                                                                 for space in spaces})
    pen = TTGlyphPen(None)
    pen.moveTo((100, -100))
    pen.lineTo((100, 700))
    pen.lineTo((900, 700))
    pen.lineTo((900, -100))
    pen.closePath()
    blank = TTGlyphPen(None).glyph()
    builder.setupGlyf({".notdef": blank, "box": pen.glyph()} | {f"space{ord(s):04x}": blank for s in spaces})
    builder.setupHorizontalMetrics({".notdef": (500, 0), "box": (1000, 100)}
                                   | {f"space{ord(space):04x}": (width, 0) for space, width in spaces.items()})
    builder.setupHorizontalHeader(ascent=1400, descent=-500)
    builder.setupNameTable({"familyName": "Tall Fallback", "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=1400, sTypoDescender=-500, usWinAscent=1400, usWinDescent=500)
    builder.setupPost()
    builder.save(str(fonts / "tall-fallback.ttf"))
    if hidden_elsewhere:
        # The system's fonts scanned anew into this configuration's cache, for the rule to apply to them.
        system = subprocess.run(["fc-match", "--format=%{file}", "DejaVu Sans"], capture_output=True, text=True,
                                check=True).stdout
        hidden = "".join(f"<int>{ord(ch)}</int>" for ch in hidden_elsewhere)
        setup = (f'<dir>{Path(system).parent}</dir><match target="scan"><test name="family" compare="not_eq">'
                 f'<string>Tall Fallback</string></test><edit name="charset" mode="assign"><minus>'
                 f'<name>charset</name><charset>{hidden}</charset></minus></edit></match>')
    else:
        setup = '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
    config = folder / "fonts.conf"
    config.write_text(f'<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>{setup}'
                      f'<dir>{fonts}</dir><cachedir>{folder / "cache"}</cachedir></fontconfig>')
    return config


def write_pdf_with_fonts(config: Path, names: list[str], out: Path) -> int:
    """write_pdf of a table of `names` and a second column, in a process whose fontconfig reads `config`:
    one that rendered before does not read a configuration anew."""
    script = f"""
import polars as pl
from datetime import UTC, datetime
from pathlib import Path
from coherence_pipelines.export.pdf import write_pdf
names = {names!r}
table = pl.DataFrame({{"Name": names, "City": ["x"] * len(names)}})
print(write_pdf(table, Path({str(out)!r}), title="Tall", description=None, generated_at=datetime.now(UTC)))
"""
    done = subprocess.run([sys.executable, "-c", script], env=os.environ | {"FONTCONFIG_FILE": str(config)},
                          capture_output=True, text=True, timeout=120, check=True)
    return int(done.stdout.split()[-1])


@pytest.mark.parametrize("tall", ["山", "Ω"], ids=["a character the body font lacks", "one fontconfig hides"])
def test_rows_drawn_partly_by_a_taller_fallback_font_keep_the_pitch(tmp_path: Path, tall: str):
    """"山" is not in DejaVu Sans, so its rows are pinned to a row's height from the start; "Ω" is, but
    fontconfig is made to take it from the tall font too, which the renderer finds out after laying the
    rows out, and lays them out again."""
    out = tmp_path / "tall.pdf"
    rows = 200
    names = [f"Row{i:05d} {tall if i % 3 else ''}" for i in range(rows)]
    pages = write_pdf_with_fonts(tall_font_config(tmp_path, hidden_elsewhere="Ω" if tall == "Ω" else ""), names, out)
    fonts = {str(font["/BaseFont"]) for page in PdfReader(out).pages for font in page["/Resources"]["/Font"].values()}
    assert any("Tall-Fallback" in font for font in fonts), "the tall font drew some rows"
    found = row_baselines(out)
    assert len(found) == pages and [name for page in found for name, _ in page] == [f"Row{i:05d}" for i in range(rows)]
    assert all(pitches(page) == {ROW_PT} for page in found)


def test_every_other_row_is_shaded_from_the_second(thousand: Written):
    # WeasyPrint draws the image through a form of each page's own, all of them in the resources of every page
    stripes = PdfReader(thousand.path).pages[0].images[0].image.convert("RGB")
    rows_per_page = ROWS // (thousand.pages - 1)
    row_px = stripes.height // rows_per_page
    assert stripes.height == row_px * rows_per_page
    for row in range(rows_per_page):
        top, bottom = stripes.getpixel((0, row * row_px)), stripes.getpixel((0, (row + 1) * row_px - 1))
        assert top == bottom == ((0xF0, 0xF2, 0xF6) if row % 2 else (0xFF, 0xFF, 0xFF)), row
