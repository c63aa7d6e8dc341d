"""The entry point: one raw column of text in, canonical values with errors and warnings out."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from coherence_pipelines.modules.fields import FieldDef
from coherence_pipelines.validation.booleans import normalize_boolean
from coherence_pipelines.validation.dates import normalize_date, normalize_datetime
from coherence_pipelines.validation.emails import normalize_email
from coherence_pipelines.validation.formula_guard import unguarded
from coherence_pipelines.validation.numbers import normalize_number
from coherence_pipelines.validation.options import normalize_multi_select, normalize_select
from coherence_pipelines.validation.phones import PHONE_DTYPE, normalize_phone
from coherence_pipelines.validation.result import NormalizeContext, NormalizedColumn
from coherence_pipelines.validation.text import normalize_text, normalize_user
from coherence_pipelines.validation.urls import normalize_url

DEFAULT_CONTEXT = NormalizeContext()

Normalizer = Callable[[pl.Series, FieldDef, NormalizeContext], NormalizedColumn]

_NORMALIZERS: dict[str, tuple[Normalizer, pl.DataType]] = {
    "text": (normalize_text, pl.String()),
    "long_text": (normalize_text, pl.String()),
    "reference": (normalize_text, pl.String()),
    "address": (normalize_text, pl.String()),
    "user": (normalize_user, pl.String()),
    "email": (normalize_email, pl.List(pl.String)),
    "phone": (normalize_phone, PHONE_DTYPE),
    "url": (normalize_url, pl.String()),
    "number": (normalize_number, pl.Float64()),
    "currency": (normalize_number, pl.Float64()),
    "percent": (normalize_number, pl.Float64()),
    "date": (normalize_date, pl.String()),
    "datetime": (normalize_datetime, pl.String()),
    "boolean": (normalize_boolean, pl.Boolean()),
    "select": (normalize_select, pl.String()),
    "multi_select": (normalize_multi_select, pl.List(pl.String)),
}


def value_dtype(field: FieldDef) -> pl.DataType:
    """The dtype of NormalizedColumn.value for this field."""
    return _NORMALIZERS[field.data_type][1]


def normalize_column(
    raw: pl.Series, field: FieldDef, ctx: NormalizeContext = DEFAULT_CONTEXT
) -> NormalizedColumn:
    """Canonical values for one column of cell text as the user typed it (nulls for empty cells).

    A leading apostrophe that neutralises a formula (`'=x`, `'+1 555`) is dropped, then cells are
    trimmed; an empty or blank cell is null with neither error nor warning (whether a required field may
    be empty is decided elsewhere). The three series keep raw's length, order and
    name; value has value_dtype(field) and is null on error rows.
    """
    normalizer, dtype = _NORMALIZERS[field.data_type]
    text = raw.to_frame("t").select(unguarded(pl.col("t").cast(pl.String)).str.strip_chars())["t"]
    text = text.to_frame("t").select(pl.when(pl.col("t") != "").then(pl.col("t")).alias("t"))["t"]
    column = normalizer(text, field, ctx)
    return NormalizedColumn(
        value=column.value.cast(dtype).rename(raw.name),
        error=column.error.rename(raw.name),
        warning=column.warning.rename(raw.name),
        notes=column.notes,
    )
