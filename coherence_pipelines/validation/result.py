"""The context and result types every normaliser shares, and the helpers that build results."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

ORDER_LABELS: dict[str, str] = {"MDY": "MM/DD/YYYY", "DMY": "DD/MM/YYYY", "YMD": "YYYY-MM-DD"}


@dataclass(frozen=True)
class NormalizeContext:
    """What the file or the caller says about how to read values.

    region: phones without a country code are read in this region for E.164.
    date_order: "MDY" | "DMY" | "YMD" forced by the caller; None: inferred per column.
    decimal_comma: True reads "1.234,50" style numbers; None: inferred per column.
    """

    region: str = "US"
    date_order: str | None = None
    decimal_comma: bool | None = None

    def __post_init__(self) -> None:
        if self.date_order is not None and self.date_order not in ORDER_LABELS:
            raise ValueError(f"date_order must be one of {', '.join(ORDER_LABELS)}, not {self.date_order!r}")


@dataclass
class NormalizedColumn:
    """One column's canonical values, with an error or warning message per row and column-level notes.

    All three series have the input's length and order. `value` is null where the raw value is empty or
    in error; `error` and `warning` are pl.String, null where there is nothing to say.
    """

    value: pl.Series
    error: pl.Series
    warning: pl.Series
    notes: list[str] = field(default_factory=list)


def messages(where: pl.Series, message: str) -> pl.Series:
    """A pl.String series as long as `where`: `message` where it is true, null elsewhere (and where null)."""
    flag = where.rename("m").to_frame()
    return flag.select(pl.when(pl.col("m")).then(pl.lit(message, dtype=pl.String)).alias("m"))["m"]


def result(
    value: pl.Series,
    error: pl.Series | None = None,
    warning: pl.Series | None = None,
    notes: Iterable[str] = (),
) -> NormalizedColumn:
    """A NormalizedColumn whose missing error/warning series are all-null; value is nulled on error rows."""
    nothing = pl.repeat(None, len(value), dtype=pl.String, eager=True)
    error = nothing if error is None else error.cast(pl.String)
    warning = nothing if warning is None else warning.cast(pl.String)
    frame = pl.DataFrame({"value": value, "error": error})
    value = frame.select(pl.when(pl.col("error").is_null()).then(pl.col("value")).alias("v"))["v"]
    return NormalizedColumn(value=value, error=error, warning=warning, notes=list(notes))


def map_unique(s: pl.Series, fn: Callable[[str], Any], dtype: pl.DataType) -> pl.Series:
    """fn applied once per distinct non-null value of s, joined back in s's order; nulls stay null.

    This is the one place Python code runs over values: for what a library (phonenumbers, rapidfuzz)
    must decide, and only over the distinct values, so a column of repeated values costs little.
    """
    keys = s.drop_nulls().unique(maintain_order=True)  # first-seen order: fn may remember earlier values
    mapped = pl.Series("v", [fn(k) for k in keys.to_list()], dtype=dtype)
    table = pl.DataFrame({"k": keys, "v": mapped})
    joined = s.rename("k").to_frame().join(table, on="k", how="left", maintain_order="left")
    return joined["v"]


def per_distinct(s: pl.Series, fn: Callable[[pl.Series], pl.DataFrame]) -> pl.DataFrame:
    """fn (vectorised: one output row per input value, in order) run on s's distinct non-null values and
    joined back to s's rows; null rows get nulls. For work whose cost grows with the parts of a cell
    (splitting, regrouping), so a column of repeated cells costs as much as its distinct cells."""
    keys = s.drop_nulls().unique(maintain_order=True).rename("__key")
    table = fn(keys).with_columns(keys)
    joined = s.rename("__key").to_frame().join(table, on="__key", how="left", maintain_order="left")
    return joined.drop("__key")
