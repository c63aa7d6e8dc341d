"""Records as polars frames: one column per field in its stored dtype, and the JSON the store keeps.

Stored shapes (what the records API shows): scalars; `email`/`phone` as lists of {value, type} (phones
also carry `e164` when they parse); `address` as an object of its parts; a reference as the target's id;
a multi_select as a list of strings.
"""

from __future__ import annotations

import polars as pl

from coherence_pipelines.modules.fields import ADDRESS_PARTS, FieldDef, ModuleDef
from coherence_pipelines.validation import value_dtype

EMAIL_ENTRY = pl.Struct({"value": pl.String, "type": pl.String})
PHONE_ENTRY = pl.Struct({"value": pl.String, "type": pl.String, "e164": pl.String})
ADDRESS = pl.Struct({part: pl.String for part in ADDRESS_PARTS})


def stored_dtype(f: FieldDef) -> pl.DataType:
    if f.data_type == "email":
        return pl.List(EMAIL_ENTRY)
    if f.data_type == "phone":
        return pl.List(PHONE_ENTRY)
    if f.is_address:
        return ADDRESS
    if f.integer:
        return pl.Int64
    return value_dtype(f)


def record_schema(module: ModuleDef, slugs: list[str]) -> dict[str, pl.DataType]:
    return {slug: stored_dtype(module.field(slug)) for slug in slugs}  # type: ignore[arg-type]


def encode(frame: pl.DataFrame, slugs: list[str]) -> pl.Series:
    """The JSON document of each row's fields (nulls included: the store's merge drops them)."""
    if not slugs:
        return pl.Series("data", ["{}"] * frame.height, dtype=pl.String)
    return frame.select(pl.struct(slugs).struct.json_encode().alias("data")).to_series()


def decode(data: pl.Series, module: ModuleDef, slugs: list[str]) -> pl.DataFrame:
    """The stored JSON back into typed columns (absent fields are null)."""
    schema = pl.Struct(record_schema(module, slugs))
    return data.str.json_decode(schema).struct.unnest()


def is_empty(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """A value a person would call empty: null, an empty list, or an address with no parts."""
    if isinstance(dtype, pl.List):
        return expr.is_null() | (expr.list.len() == 0)
    if isinstance(dtype, pl.Struct):
        return expr.is_null() | pl.all_horizontal(expr.struct.field(p).is_null() for p in ADDRESS_PARTS)
    return expr.is_null()
