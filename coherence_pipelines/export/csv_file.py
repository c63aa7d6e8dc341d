"""CSV files: UTF-8 with a byte-order mark (Excel then reads accents right), RFC 4180 quoting, CRLF."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import BinaryIO

import polars as pl

BOM = "\ufeff".encode()
SLICE_ROWS = 20_000  # progress is reported per slice; polars writes each slice in one vectorised call


def write_csv(table: pl.DataFrame, headers: list[str] | None, out: BinaryIO,
              on_progress: Callable[[float], None] | None = None) -> None:
    """Writes the all-String `table` under `headers` (None: no header row); nulls are empty cells."""
    out.write(BOM)
    if headers is not None:
        line = io.StringIO()
        csv.writer(line, lineterminator="\r\n").writerow(headers)
        out.write(line.getvalue().encode())
    for start in range(0, table.height, SLICE_ROWS):
        table.slice(start, SLICE_ROWS).write_csv(out, include_header=False, line_terminator="\r\n",
                                                 quote_style="necessary")
        if on_progress:
            on_progress(min(1.0, (start + SLICE_ROWS) / table.height))
