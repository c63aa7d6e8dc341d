"""The rows of an export: a module's records as typed columns, filtered, sorted and limited in polars.

The store reads only the fields an export names, typed in its own SQL (no record's whole JSON crosses over);
everything after that is vectorised: the filters, the sort and the limit. References come back as their
targets' names. When an export keeps some of the rows (a limit or filters), the fields that decide which rows
and in which order are read first, and the other columns only for the rows kept.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import polars as pl

from coherence_pipelines.errors import InvalidExportConfig
from coherence_pipelines.execution.record_frame import is_empty, record_schema
from coherence_pipelines.export.spec import ExportSpec, Filter, filter_values, number_value, yes_no_value
from coherence_pipelines.modules import ModuleDef
from coherence_pipelines.modules.fields import ADDRESS_PARTS, NUMERIC_TYPES
from coherence_pipelines.store.base import StoreSession

ISO_DATETIME = "%Y-%m-%dT%H:%M:%SZ"


def export_frame(session: StoreSession, account_id: str, module: ModuleDef, spec: ExportSpec) -> pl.DataFrame:
    """The spec's columns (typed as the store keeps them; references as names) of the records it selects,
    in its order. Ties in the sort break on the record id, so the same export gives the same file."""
    deciding = _fields(module, [*(f.field for f in spec.filters), spec.sort_field])
    shown = [c for c in _fields(module, spec.columns) if c not in deciding]
    narrowing = spec.limit is not None or bool(spec.filters)
    first = deciding if narrowing else [*deciding, *shown]
    frame = session.read_fields(account_id, module.slug, record_schema(module, first))
    read = frame.height
    frame = _with_reference_names(session, account_id, module, frame, deciding)
    if spec.filters:
        frame = frame.filter(pl.all_horizontal(_condition(frame, module, f) for f in spec.filters))
    frame = _sorted(frame, module, spec)
    if narrowing and shown:
        # Naming the kept ids pays while they are few; past half the records reading them all is cheaper.
        kept = frame["id"] if frame.height * 2 <= read else None
        rest = session.read_fields(account_id, module.slug, record_schema(module, shown), kept)
        frame = frame.join(rest.drop("createdDateTime", "updatedDateTime"), on="id", how="left",
                           maintain_order="left")
    return _with_reference_names(session, account_id, module, frame.select(spec.columns), shown)


def _fields(module: ModuleDef, columns: list[str | None] | tuple[str, ...]) -> list[str]:
    """The module fields among `columns` (system columns are not read from the JSON), each once."""
    return [c for c in dict.fromkeys(columns) if c and module.has_field(c)]


def _with_reference_names(session: StoreSession, account_id: str, module: ModuleDef, frame: pl.DataFrame,
                          slugs: list[str]) -> pl.DataFrame:
    refs = [s for s in slugs if module.field(s).data_type == "reference"]  # type: ignore[union-attr]
    if not refs or frame.is_empty():
        return frame
    ids = pl.concat([frame[s] for s in refs]).drop_nulls().unique().to_list()
    names = session.display_names(account_id, ids)
    # A target deleted since keeps its id in the record: the id is shown rather than nothing.
    return frame.with_columns(pl.col(s).replace_strict(names, default=pl.col(s), return_dtype=pl.String)
                              for s in refs)


def _sorted(frame: pl.DataFrame, module: ModuleDef, spec: ExportSpec) -> pl.DataFrame:
    """The rows in the spec's order, cut at its limit."""
    desc = spec.sort_direction == "desc"
    column = spec.sort_field or "createdDateTime"
    dtype = frame.schema[column]
    if isinstance(dtype, pl.List | pl.Struct):
        key = _texts(pl.col(column), dtype).list.first()
    elif dtype == pl.String:
        key = pl.col(column).str.to_lowercase()
    else:
        key = pl.col(column)
    by, descending = [key, pl.col("id")], [desc, desc]
    if spec.limit is None:
        return frame.sort(by, descending=descending, nulls_last=True)
    # Sort and head in one plan: polars keeps the top rows (a partial sort) rather than ordering them all. Without
    # a limit the eager sort is the quicker of the two.
    return frame.lazy().sort(by, descending=descending, nulls_last=True).head(spec.limit).collect()


def _condition(frame: pl.DataFrame, module: ModuleDef, f: Filter) -> pl.Expr:
    dtype = frame.schema[f.field]
    col = pl.col(f.field)
    if f.op == "is_empty":
        return is_empty(col, dtype)
    if f.op == "not_empty":
        return ~is_empty(col, dtype)
    field = module.field(f.field)
    kind = field.data_type if field is not None else None
    where = f"filter on {f.field!r}"
    if kind in NUMERIC_TYPES:
        if f.op == "contains":
            return _hit(_text_match(number_text(col), f.op, [_text(f.value)]), f.op)
        # Integer fields are Int64 and polars compares them with no float in `is_in`: both sides as Float64.
        return _compare(col.cast(pl.Float64), f, [number_value(v, where) for v in filter_values(f)]).fill_null(
            f.op == "neq")
    if dtype == pl.Boolean:
        if f.op == "contains":
            raise InvalidExportConfig(f"{where}: 'contains' does not apply to a yes/no field; use eq")
        return _compare(col, f, [yes_no_value(v, where) for v in filter_values(f)]).fill_null(f.op == "neq")
    values = [_text(v) for v in filter_values(f)]
    if isinstance(dtype, pl.List | pl.Struct):
        texts = _texts(col, dtype)
        return _hit(texts.list.eval(_text_match(pl.element(), f.op, values)).list.any(), f.op)
    if (isinstance(dtype, pl.Datetime) or kind in ("date", "datetime")) and f.op != "contains":
        return _hit(_moment_match(col, dtype, f.op, values), f.op)
    text = col.dt.strftime(ISO_DATETIME) if isinstance(dtype, pl.Datetime) else col.cast(pl.String)
    return _hit(_text_match(text.str.to_lowercase(), f.op, values), f.op)


def _hit(hit: pl.Expr, op: str) -> pl.Expr:
    """A row with no value matches neither a value nor its negation's test, so `neq` keeps it."""
    return ~hit.fill_null(False) if op == "neq" else hit.fill_null(False)


def _moment_match(col: pl.Expr, dtype: pl.DataType, op: str, values: list[str]) -> pl.Expr:
    """Dates and date-times compared as ISO text cut to the value's length: a value names a whole day (or
    month, or minute), so createdDateTime eq 2024-01-15 is any time that day, lte 2024-01-15 includes that
    day's evening and gt 2024-01-15 starts the day after. A trailing Z is UTC, which a time without an
    offset is taken to be too."""
    text = col.dt.strftime("%Y-%m-%dT%H:%M:%S") if isinstance(dtype, pl.Datetime) else col.str.to_uppercase()
    text = text.str.strip_suffix("Z")
    values = [v.upper().removesuffix("Z") for v in values]
    if op in ("eq", "neq", "in"):
        return pl.any_horizontal(text.str.starts_with(v) for v in values) if values else pl.lit(False)
    cut, value = text.str.slice(0, len(values[0])), values[0]
    return {"gt": cut > value, "gte": cut >= value, "lt": cut < value, "lte": cut <= value}[op]


def _text_match(text: pl.Expr, op: str, values: list[str]) -> pl.Expr:
    lowered = [v.lower() for v in values]
    if op in ("eq", "neq", "in"):
        return text.is_in(lowered)
    if op == "contains":
        return text.str.contains(lowered[0], literal=True)
    return {"gt": text > lowered[0], "gte": text >= lowered[0], "lt": text < lowered[0],
            "lte": text <= lowered[0]}[op]


def _compare(col: pl.Expr, f: Filter, values: list[Any]) -> pl.Expr:
    if f.op in ("eq", "neq", "in"):
        hit = col.is_in(values)
        return ~hit if f.op == "neq" else hit
    return {"gt": col > values[0], "gte": col >= values[0], "lt": col < values[0], "lte": col <= values[0]}[f.op]


def number_text(col: pl.Expr) -> pl.Expr:
    """A number as a person writes it: whole numbers without a trailing ".0"."""
    whole = col.is_finite() & (col == col.round(0)) & (col.abs() < 1e15)
    return pl.when(whole).then(col.cast(pl.Int64).cast(pl.String)).otherwise(col.cast(pl.String))


def _texts(col: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """A list of lower-cased texts per cell: the values of a multi-value field, an address as one text."""
    if isinstance(dtype, pl.Struct):
        return pl.concat_list(pl.concat_str([col.struct.field(p) for p in ADDRESS_PARTS], separator=", ",
                                            ignore_nulls=True).str.to_lowercase())
    inner = dtype.inner  # type: ignore[attr-defined]
    values = col.list.eval(pl.element().struct.field("value")) if isinstance(inner, pl.Struct) else col
    return values.list.eval(pl.element().str.to_lowercase())


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime(ISO_DATETIME)
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()
