"""The apostrophe a CSV export puts before a cell that a spreadsheet would run as a formula (OWASP's
advice; our exports do it). It guards the cell and is not part of the value: readers drop it."""

from __future__ import annotations

import re

import polars as pl

FORMULA_CHARS = "=+-@\t\r"
_GUARDED = r"^'([=+\-@\t\r])"
_GUARDED_RE = re.compile(_GUARDED)


def unguarded(expr: pl.Expr) -> pl.Expr:
    return expr.str.replace(_GUARDED, "$1")


def unguarded_text(text: str) -> str:
    return _GUARDED_RE.sub(r"\1", text)
