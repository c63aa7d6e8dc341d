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

from collections.abc import Callable
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


# What _shortcut says a row's merged list is: none (null), the lead's or the rest's list as it stands; a null
# says the row takes the slow path.
_NONE, _LEAD, _REST = 0, 1, 2


def _merge_entries(old: pl.Series, new: pl.Series, mode: MergeMode) -> pl.Series:
    """Email/phone lists, merged by value type; one value appears once per record.

    Both modes keep one side's entries (the lead: the import's in prefer_import, the record's in fill_empty)
    and add the other side's entries of value types the lead lacks, one entry per value. Most rows of an update
    import have a result known without that entry-by-entry work (see _shortcut): only the others take
    _merge_entry_rows, the slow path.
    """
    if mode == "overwrite":
        return new
    dtype = old.dtype
    fields = list(dtype.inner.to_schema())  # type: ignore[union-attr]
    lead, rest = (new, old) if mode == "prefer_import" else (old, new)
    frame = pl.DataFrame({"lead": lead, "rest": rest})
    taken = _without_duplicates(frame, frame.select(_shortcut(dtype)).to_series(), fields)
    slow = taken.is_null()
    merged = _merge_entry_rows(old.filter(slow), new.filter(slow), mode, fields) if slow.any() else None
    return _assemble(lead.cast(dtype), rest.cast(dtype), taken, merged).cast(dtype).alias(new.name)


def _assemble(lead: pl.Series, rest: pl.Series, taken: pl.Series, merged: pl.Series | None) -> pl.Series:
    """Each row's list from the side `taken` names, or from `merged` (the slow rows' lists, in row order) where
    `taken` is null. One gather from one chunk: when/then copies every row's list once per branch, and a
    gather across chunks is slower still; a side no row takes is left out."""
    n = lead.len()
    row, which = pl.int_range(n, dtype=pl.Int64), pl.lit(taken)
    at, sources = pl.when(which == _LEAD).then(row), [lead]
    if (taken == _REST).any():
        at, sources = at.when(which == _REST).then(row + n), [*sources, rest]
    if merged is not None:
        # A slow row's place among the slow rows is where merged holds its list.
        place = which.is_null().cum_sum() - 1 + sum(s.len() for s in sources)
        at, sources = at.when(which.is_null()).then(place), [*sources, merged.cast(lead.dtype)]
    return pl.concat(sources, rechunk=True).gather(pl.select(at).to_series())  # _NONE rows gather null


def _shortcut(dtype: pl.DataType) -> pl.Expr:
    """Where a row's merge is known without the slow path: no entries on either side (null, never an empty
    list, as the slow path gives), or one side with one or two entries and nothing to add from the other
    (_without_duplicates then checks that those entries are two values). Only the first two entries are read:
    longer lists are rare enough to leave to the slow path."""
    lead, rest = pl.col("lead"), pl.col("rest")
    lead_empty, rest_empty = is_empty(lead, dtype), is_empty(rest, dtype)
    return (pl.when(lead_empty & rest_empty).then(pl.lit(_NONE, pl.Int8))
            .when(_one_or_two(lead) & (rest_empty | _types_within(rest, lead))).then(pl.lit(_LEAD, pl.Int8))
            .when(lead_empty & _one_or_two(rest)).then(pl.lit(_REST, pl.Int8)))


def _one_or_two(entries: pl.Expr) -> pl.Expr:
    # A null entry is dropped by the slow path: a list holding one is not its result.
    size = entries.list.len()
    first, second = _entry(entries, 0), _entry(entries, 1)
    return first.is_not_null() & ((size == 1) | ((size == 2) & second.is_not_null()))


def _types_within(entries: pl.Expr, lead: pl.Expr) -> pl.Expr:
    """True where the list has one or two entries, each of a value type among the lead's (which has one or
    two entries). A null type is within nothing: the slow path's join matches no null."""
    lead_types = [_entry(lead, i).struct.field("type") for i in (0, 1)]

    def within(i: int) -> pl.Expr:
        kind = _entry(entries, i).struct.field("type")
        return ((kind == lead_types[0]) | (kind == lead_types[1])).fill_null(False)

    size = entries.list.len()
    return ((size == 1) & within(0)) | ((size == 2) & within(0) & within(1))


def _without_duplicates(frame: pl.DataFrame, taken: pl.Series, fields: list[str]) -> pl.Series:
    """`taken` less the rows whose chosen list holds one value twice: the slow path dedupes those. Only
    two-entry lists are looked at, so the key work runs on those rows alone."""
    chosen_size = frame.select(pl.when(pl.lit(taken) == _LEAD).then(pl.col("lead").list.len())
                               .when(pl.lit(taken) == _REST).then(pl.col("rest").list.len())).to_series()
    rows = (chosen_size == 2).arg_true()
    if rows.is_empty():
        return taken
    pairs = frame[rows].select(pl.when(pl.lit(taken.gather(rows)) == _LEAD).then(pl.col("lead"))
                               .otherwise(pl.col("rest"))).to_series()
    keys = [_entry_key(fields, _entry(pl.lit(pairs), i).struct.field) for i in (0, 1)]
    # eq_missing: the slow path's unique takes two null keys for one value.
    same = pl.select(keys[0].eq_missing(keys[1])).to_series()
    return taken.scatter(rows.filter(same), None)


def _entry(entries: pl.Expr, i: int) -> pl.Expr:
    return entries.list.get(i, null_on_oob=True)


def _entry_key(fields: list[str], field: Callable[[str], pl.Expr]) -> pl.Expr:
    """What makes two entries the same value: emails compare case-insensitively, phones as the match keys
    do (keys/phone.sql: E.164 when they parse, else their digits). `field` reads one field of the entry."""
    if "e164" in fields:
        return pl.coalesce(field("e164"), field("value").str.replace_all(r"\D", ""))
    return field("value").str.strip_chars().str.to_lowercase()


def _merge_entry_rows(old: pl.Series, new: pl.Series, mode: MergeMode, fields: list[str]) -> pl.Series:
    """The merge worked out entry by entry: both sides exploded, matched by (row, value type), deduped by
    value and grouped back. Null where a row keeps no entry."""
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
    key = _entry_key(fields, pl.col)
    combined = combined.with_columns(key.alias("_k")).unique(subset=["i", "_k"], keep="first", maintain_order=True)
    grouped = combined.group_by("i", maintain_order=True).agg(pl.struct(fields).alias("e"))
    return pl.DataFrame([idx]).join(grouped, on="i", how="left", maintain_order="left").get_column("e")
