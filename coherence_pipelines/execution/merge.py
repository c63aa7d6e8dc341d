"""Merge modes: how an import's values meet an existing record's (update strategy only).

| mode          | scalar fields              | email/phone lists                        | address parts      |
|---------------|----------------------------|------------------------------------------|--------------------|
| prefer_import | import unless it is empty  | import entries replace existing entries  | per part, import   |
|               |                            | of the same value type; others are kept  | unless empty       |
| fill_empty    | existing unless empty      | import entries of value types the record | per part, existing |
|               |                            | does not have yet are added              | unless empty       |
| overwrite     | import, even when empty    | import entries only                      | import parts, even |
|               |                            |                                          | when empty         |

Only the fields the import maps (columns, static values, derived name) take part; other fields of the
record are never touched, whatever the mode.
"""

from __future__ import annotations

from typing import Literal

import polars as pl

from coherence_pipelines.execution.record_frame import is_empty
from coherence_pipelines.modules.fields import ADDRESS_PARTS

MergeMode = Literal["fill_empty", "overwrite", "prefer_import"]


def merge_frames(existing: pl.DataFrame, incoming: pl.DataFrame, schema: dict[str, pl.DataType],
                 mode: MergeMode, address_parts: dict[str, set[str]]) -> pl.DataFrame:
    """Row-aligned frames with the columns of `schema` -> the merged values, same shape.

    `address_parts`: the parts each address field maps; overwrite leaves the other parts alone.
    """
    out = {}
    for slug, dtype in schema.items():
        old, new = existing.get_column(slug), incoming.get_column(slug)
        if isinstance(dtype, pl.Struct):
            out[slug] = _merge_address(old, new, mode, address_parts.get(slug, set(ADDRESS_PARTS)))
        elif _is_entries(dtype):
            out[slug] = _merge_entries(old, new, mode)
        else:
            out[slug] = _merge_scalar(old, new, mode, dtype)
    return pl.DataFrame(out, schema=schema)


def merge_needs(schema: dict[str, pl.DataType], mode: MergeMode) -> dict[str, pl.DataType]:
    """The fields whose stored values a merge in `mode` reads: the rest of each record stays in the store."""
    if mode == "fill_empty":
        return dict(schema)
    if mode == "overwrite":  # unmapped address parts are kept
        return {slug: dtype for slug, dtype in schema.items() if isinstance(dtype, pl.Struct)}
    return {slug: dtype for slug, dtype in schema.items() if _is_entries(dtype)}


def prefer_import_patch(existing: pl.DataFrame, incoming: pl.DataFrame,
                        schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """prefer_import as a patch whose nulls leave the stored value alone (update_records(keep_nulls=True)):
    import values unless empty, address parts one by one; only email/phone lists need the stored entries
    (`existing` holds those, as merge_needs says), to keep the entries of value types the import lacks."""
    out = {}
    for slug, dtype in schema.items():
        new = incoming.get_column(slug)
        if _is_entries(dtype):
            out[slug] = _merge_entries(existing.get_column(slug), new, "prefer_import")
        elif isinstance(dtype, pl.Struct | pl.List):
            # An empty list or an address without parts is no value: the stored one stays.
            out[slug] = pl.select(pl.when(~is_empty(pl.lit(new), dtype)).then(pl.lit(new))).to_series().alias(slug)
        else:
            out[slug] = new
    return pl.DataFrame(out, schema=schema)


def _is_entries(dtype: pl.DataType) -> bool:
    return isinstance(dtype, pl.List) and isinstance(dtype.inner, pl.Struct)


def _merge_scalar(old: pl.Series, new: pl.Series, mode: MergeMode, dtype: pl.DataType) -> pl.Series:
    if mode == "overwrite":
        return new
    frame = pl.DataFrame({"old": old, "new": new})
    if mode == "prefer_import":
        expr = pl.when(is_empty(pl.col("new"), dtype)).then(pl.col("old")).otherwise(pl.col("new"))
    else:
        expr = pl.when(is_empty(pl.col("old"), dtype)).then(pl.col("new")).otherwise(pl.col("old"))
    return frame.select(expr).to_series().alias(new.name)


def _merge_address(old: pl.Series, new: pl.Series, mode: MergeMode, mapped: set[str]) -> pl.Series:
    frame = pl.DataFrame({"old": old, "new": new})
    parts = []
    for part in ADDRESS_PARTS:
        o, n = pl.col("old").struct.field(part), pl.col("new").struct.field(part)
        if mode == "overwrite":
            parts.append((n if part in mapped else o).alias(part))
        elif mode == "prefer_import":
            parts.append(pl.coalesce(n, o).alias(part))
        else:
            parts.append(pl.coalesce(o, n).alias(part))
    merged = frame.select(parts)
    result = merged.select(pl.when(pl.any_horizontal(pl.col(p).is_not_null() for p in ADDRESS_PARTS))
                           .then(pl.struct(ADDRESS_PARTS)))
    return result.to_series().cast(old.dtype).alias(new.name)


def _merge_entries(old: pl.Series, new: pl.Series, mode: MergeMode) -> pl.Series:
    """Email/phone lists, merged by value type; one value appears once per record."""
    if mode == "overwrite":
        return new
    dtype = old.dtype
    n = old.len()
    idx = pl.int_range(n, eager=True).alias("i")
    long_old = pl.DataFrame([idx, old.alias("e")]).explode("e").drop_nulls("e").unnest("e")
    long_new = pl.DataFrame([idx, new.alias("e")]).explode("e").drop_nulls("e").unnest("e")
    if mode == "prefer_import":
        kept = long_old.join(long_new.select("i", "type").unique(), on=["i", "type"], how="anti")
        combined = pl.concat([long_new, kept], how="vertical_relaxed")
    else:
        added = long_new.join(long_old.select("i", "type").unique(), on=["i", "type"], how="anti")
        combined = pl.concat([long_old, added], how="vertical_relaxed")
    fields = list(dtype.inner.to_schema())  # type: ignore[union-attr]
    # The same value twice is one entry: emails compare case-insensitively, phones as the match keys do
    # (keys/phone.sql: E.164 when they parse, else their digits).
    if "e164" in fields:
        key = pl.coalesce(pl.col("e164"), pl.col("value").str.replace_all(r"\D", ""))
    else:
        key = pl.col("value").str.strip_chars().str.to_lowercase()
    combined = combined.with_columns(key.alias("_k")).unique(subset=["i", "_k"], keep="first", maintain_order=True)
    grouped = combined.group_by("i", maintain_order=True).agg(pl.struct(fields).alias("e"))
    result = pl.DataFrame([idx]).join(grouped, on="i", how="left", maintain_order="left").get_column("e")
    return result.cast(dtype).alias(new.name)
