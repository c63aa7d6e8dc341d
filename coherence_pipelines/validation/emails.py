"""Email fields: one or more addresses per cell, kept as written (matching lower-cases them later)."""

from __future__ import annotations

import polars as pl

from coherence_pipelines.modules.fields import FieldDef
from coherence_pipelines.validation.result import NormalizeContext, NormalizedColumn, messages, result

# One @, no spaces, and a dot inside the domain (not at its end): what the spec calls a valid address.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s.]+$"
INVALID_EMAIL = "Invalid email format"


def split_list(cell: pl.Expr, separators: str) -> pl.Expr:
    """The cell split on any of `separators` (a regex character class body), parts trimmed, empties
    dropped; an empty list where the cell held only separators."""
    return (cell.str.replace_all(f"[{separators}]", "\x1f").str.split("\x1f")
            .list.eval(pl.element().str.strip_chars())
            .list.filter(pl.element() != ""))


def normalize_email(s: pl.Series, field: FieldDef, ctx: NormalizeContext) -> NormalizedColumn:
    """A list of addresses per cell, split on `;` or `,`. `Name <a@x.com>` and `mailto:a@x.com` give the
    bare address. The whole cell is an error if any part is not an address."""
    frame = s.to_frame("cell").select(
        split_list(pl.col("cell"), ";,")
        .list.eval(pl.element().str.replace(r"^.*<([^<>]*)>$", "$1")
                   .str.replace(r"(?i)^mailto:", "").str.strip_chars())
        .alias("parts"))
    frame = frame.with_columns(
        ok=pl.col("parts").list.eval(pl.element().str.contains(EMAIL_PATTERN)).list.all(),
        empty=pl.col("parts").list.len() == 0,
    )
    value = frame.select(pl.when(~pl.col("empty")).then(pl.col("parts")).alias("v"))["v"]
    error = messages(~frame["ok"], INVALID_EMAIL)
    return result(value, error)
