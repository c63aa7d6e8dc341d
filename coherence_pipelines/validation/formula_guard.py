"""The apostrophe a CSV export puts before a cell that a spreadsheet would run as a formula (OWASP's
advice): exports guard cells with it, and readers (imports, mapping suggestions) drop it, since it is
not part of the value."""

from __future__ import annotations

import re

import polars as pl

FORMULA_CHARS = "=+-@\t\r"
_CHAR_CLASS = r"[=+\-@\t\r]"  # FORMULA_CHARS, in the syntax both Python's re and polars (Rust) read
STARTS_LIKE_FORMULA = "^" + _CHAR_CLASS  # a cell an export guards
_GUARDED = "^'(" + _CHAR_CLASS + ")"  # a cell an export guarded
_GUARDED_RE = re.compile(_GUARDED)


def unguarded(expr: pl.Expr) -> pl.Expr:
    return expr.str.replace(_GUARDED, "$1")


def unguarded_text(text: str) -> str:
    return _GUARDED_RE.sub(r"\1", text)


def guarded(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr.str.contains(STARTS_LIKE_FORMULA)).then(pl.lit("'") + expr).otherwise(expr)


def guarded_text(text: str) -> str:
    return "'" + text if text[:1] and text[0] in FORMULA_CHARS else text
