"""Read CSV/TSV text uploads into a ParsedFile with polars."""

from __future__ import annotations

import csv
import io
from collections import Counter
from itertools import islice
from pathlib import Path

import polars as pl

from coherence_pipelines.errors import TooManyColumns, UnreadableFile
from coherence_pipelines.parsing import limits
from coherence_pipelines.parsing.detect import reject_non_tabular_text
from coherence_pipelines.parsing.parsed_file import ParsedFile, clean_headers, finish_frame
from coherence_pipelines.parsing.text_source import utf8_source

DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_RECORDS = 50
# The csv module refuses fields over 128 KB by default; a cell can be as large as the upload (capped
# before parsing), and polars has no such limit, so neither does its fallback.
csv.field_size_limit(1 << 30)


def read_csv_file(path: Path) -> ParsedFile:
    """Parse a delimited text file: encoding and delimiter detected, header = first non-blank record.

    Fields beyond the header's width are dropped; missing trailing fields are null.
    Raises UnsupportedFileType for binary/HTML content, UnreadableFile when there is no header row,
    TooManyColumns for a header wider than limits.MAX_COLUMNS.
    """
    with utf8_source(path) as source:
        reject_non_tabular_text(source.sample)
        delimiter = detect_delimiter(source.sample, source.complete)
        skip_lines = _lines_before_header(source.sample, delimiter)
        if skip_lines is None:
            raise UnreadableFile("The file is empty" if source.complete
                                 else "The file is empty: no header row in its first 64 KB")
        # Checked on the sample first: polars would lay out a million-field header before we saw it.
        _check_width(_header_width(source.sample, delimiter))
        header, body = _read_table(source.path, delimiter, skip_lines)
    _check_width(len(header))
    columns = clean_headers(header)
    return ParsedFile(columns=columns, frame=finish_frame(body, columns), file_type="csv",
                      encoding=source.encoding, delimiter=delimiter, sheet_name=None)


def detect_delimiter(sample: str, complete: bool = True) -> str:
    """The candidate delimiter giving the most consistent field count > 1 over the first records.

    Ties go to the larger field count, then to the order of DELIMITERS; "," when no candidate
    splits the records (a single-column file).
    """
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        counts = _field_counts(sample, delimiter, complete)
        if not counts:
            continue
        modal_count, frequency = max(Counter(counts).items(), key=lambda item: (item[1], item[0]))
        score = (frequency / len(counts), modal_count)
        if modal_count > 1 and score > best_score:
            best, best_score = delimiter, score
    return best


def _csv_records(sample: str, delimiter: str):
    return csv.reader(io.StringIO(sample), delimiter=delimiter, quotechar='"', strict=False)


def _field_counts(sample: str, delimiter: str, complete: bool) -> list[int]:
    records = []
    try:
        records = list(islice(_csv_records(sample, delimiter), _SAMPLE_RECORDS + 1))
    except csv.Error:
        pass  # keep what was read before the malformed line
    if len(records) > _SAMPLE_RECORDS:
        records = records[:_SAMPLE_RECORDS]
    elif not complete and len(records) > 1:
        records = records[:-1]  # the sample may cut the last record short (unless it is all there is)
    return [len(r) for r in records if any(cell.strip() for cell in r)]


def _lines_before_header(sample: str, delimiter: str) -> int | None:
    """Physical lines before the first record with a non-blank cell, None if there is none."""
    reader = _csv_records(sample, delimiter)
    lines_read = 0
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                return lines_read
            lines_read = reader.line_num
    except csv.Error:
        return lines_read  # let the table reader take the malformed line as the header
    return None


def _header_width(sample: str, delimiter: str) -> int:
    """Fields of the header record in the sample; a lower bound when the header runs past the sample."""
    try:
        for record in _csv_records(sample, delimiter):
            if any(cell.strip() for cell in record):
                return len(record)
    except csv.Error:
        pass
    return sample.count(delimiter, 0, sample.find("\n") if "\n" in sample else len(sample)) + 1


def _check_width(width: int) -> None:
    if width > limits.MAX_COLUMNS:
        raise TooManyColumns(f"Too many columns: the header has {width:,} fields; at most {limits.MAX_COLUMNS:,} "
                             "columns are read. Check the delimiter, or remove the unused columns")


def _read_table(path: Path, delimiter: str, skip_lines: int) -> tuple[list[str | None], pl.DataFrame]:
    try:
        raw = pl.read_csv(path, has_header=False, infer_schema=False, separator=delimiter,
                          quote_char='"', skip_lines=skip_lines, truncate_ragged_lines=True)
    except pl.exceptions.PolarsError:
        # polars rejects stray quotes inside unquoted fields (`12" pizza`); the csv module
        # reads them literally, as spreadsheet programs do. Slower, so only for such files.
        raw = _read_with_csv_module(path, delimiter, skip_lines)
    if raw.height == 0:
        raise UnreadableFile("The file is empty")
    return list(raw.row(0)), raw.slice(1)


def _read_with_csv_module(path: Path, delimiter: str, skip_lines: int) -> pl.DataFrame:
    with path.open(encoding="utf-8", errors="replace", newline="\n") as f:
        for _ in range(skip_lines):
            f.readline()
        reader = csv.reader(f, delimiter=delimiter, quotechar='"', strict=False)
        try:
            header = next(reader, None)
            if header is None:
                return pl.DataFrame()
            width = len(header)
            padding = [None] * width
            rows = [header] + [(record + padding)[:width] for record in reader]
        except csv.Error as exc:
            message = f"The file could not be read as CSV (line {reader.line_num}): {exc}"
            raise UnreadableFile(message) from exc
    names = [f"column_{i}" for i in range(1, width + 1)]
    return pl.DataFrame(rows, schema=dict.fromkeys(names, pl.String), orient="row")
