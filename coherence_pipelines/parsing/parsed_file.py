"""The result of parsing an upload, and the clean-up every reader applies to its raw table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl


@dataclass
class ParsedFile:
    """A parsed upload: cleaned header names and a frame of the cells as the user wrote them.

    `frame` has one pl.String column per entry of `columns`, same names and order; one row per
    record (rows whose cells are all empty/whitespace are dropped); empty cells are null and
    other values are the exact text (not stripped, leading zeros kept).
    """

    columns: list[str]
    frame: pl.DataFrame
    file_type: str  # "csv" | "xlsx" | "xls"
    encoding: str | None  # CSV only
    delimiter: str | None  # CSV only
    sheet_name: str | None  # Excel only


# The pipeline numbers rows in a column of this name (staging, validation); a header that says so is
# renamed like a repeat, so that it cannot collide.
RESERVED_COLUMNS = frozenset({"_row"})


def clean_headers(raw: Sequence[str | None]) -> list[str]:
    """Header cells as unique column names.

    NUL characters, surrounding whitespace and BOMs are stripped, a blank header becomes "Column N" (N is
    the 1-based position) and repeats (and the reserved name "_row") get " (2)", " (3)"... so every name
    is unique.
    """
    names = [(h or "").replace("\x00", "").strip().strip("\ufeff").strip() for h in raw]
    names = [name or f"Column {i}" for i, name in enumerate(names, start=1)]
    taken = set(names) | RESERVED_COLUMNS
    seen: set[str] = set(RESERVED_COLUMNS)
    unique: list[str] = []
    for name in names:
        if name in seen:
            # The suffixed name must not collide with a header the user wrote, e.g. "A (2)".
            n = 2
            while f"{name} ({n})" in taken:
                n += 1
            name = f"{name} ({n})"
            taken.add(name)
        seen.add(name)
        unique.append(name)
    return unique


def finish_frame(body: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """Rename the raw string columns of `body` to `columns`, drop NUL characters, null empty cells, drop
    blank rows.

    `body` must have exactly len(columns) columns, all strings (or all-null).
    """
    body = body.rename(dict(zip(body.columns, columns, strict=True))).cast(pl.String)
    if body.is_empty():
        return body
    if body.select(pl.any_horizontal(pl.col(name).str.contains("\x00", literal=True).any() for name in columns)).item():
        # A NUL is never data (broken exports pad with them) and PostgreSQL text cannot hold one.
        body = body.with_columns(pl.col(name).str.replace_all("\x00", "", literal=True) for name in columns)
    cleaned = body.select(pl.when(pl.col(name) != "").then(pl.col(name)).alias(name) for name in columns)
    # A null cell makes its comparison null; any_horizontal is null (dropped) only if no cell has text.
    has_text = pl.any_horizontal(pl.col(name).str.strip_chars() != "" for name in columns)
    return cleaned.filter(has_text)
