"""Mapped, validated and normalised rows: the shared first half of validate and execute.

Every source column runs through the vectorised normaliser of its field's type once; the results are
assembled into stored dtypes (multi-value lists with their value types, address structs), with every
error and warning kept per row and field, and the offending value as the user wrote it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from coherence_pipelines.errors import InvalidMapping
from coherence_pipelines.execution.column_mapping import FieldSource, MappingPlan
from coherence_pipelines.execution.record_frame import ADDRESS, EMAIL_ENTRY, PHONE_ENTRY, stored_dtype
from coherence_pipelines.modules.fields import ADDRESS_PARTS, FieldDef
from coherence_pipelines.validation import NormalizeContext, normalize_column

ROW = "_row"
ERRORS_SCHEMA = {"row": pl.Int64, "field": pl.String, "value": pl.String, "error": pl.String}
WARNINGS_SCHEMA = {"row": pl.Int64, "field": pl.String, "value": pl.String, "message": pl.String}


@dataclass
class PreparedRows:
    values: pl.DataFrame  # _row plus one column per mapped field, in stored dtypes
    errors: pl.DataFrame  # row, field, value, error
    warnings: pl.DataFrame  # row, field, value, message
    file_warnings: list[dict] = field(default_factory=list)  # whole-file remarks, as the document shows them
    notes: list[str] = field(default_factory=list)

    @property
    def error_rows(self) -> pl.Series:
        return self.errors.get_column("row").unique()


class _Collector:
    def __init__(self, rows: pl.Series) -> None:
        self.rows = rows
        self.errors: list[pl.DataFrame] = []
        self.warnings: list[pl.DataFrame] = []
        self.notes: list[str] = []

    def add(self, slug: str, raw: pl.Series, error: pl.Series | None, warning: pl.Series | None) -> None:
        for target, series, name, schema in ((self.errors, error, "error", ERRORS_SCHEMA),
                                             (self.warnings, warning, "message", WARNINGS_SCHEMA)):
            if series is None or series.null_count() == series.len():
                continue
            frame = pl.DataFrame({"row": self.rows, "field": pl.repeat(slug, raw.len(), eager=True),
                                  "value": raw, name: series}, schema=schema)
            target.append(frame.filter(pl.col(name).is_not_null()))

    def frame(self, parts: list[pl.DataFrame], schema: dict) -> pl.DataFrame:
        return pl.concat(parts).sort("row", maintain_order=True) if parts else pl.DataFrame(schema=schema)


def prepare_rows(raw: pl.DataFrame, plan: MappingPlan, ctx: NormalizeContext) -> PreparedRows:
    """raw: one pl.String column per source column plus `_row` (1-based data row numbers)."""
    rows = raw.get_column(ROW)
    out = _Collector(rows)
    columns: dict[str, pl.Series] = {}
    for slug, src in plan.sources.items():
        columns[slug] = _field_values(raw, src, ctx, out).alias(slug)
    if plan.derive_display_name:
        names = [columns[s] for s in ("firstName", "lastName") if s in columns]
        derived = pl.select(pl.concat_str(names, separator=" ", ignore_nulls=True).str.strip_chars()).to_series()
        columns["displayName"] = derived.replace("", None).alias("displayName")
    values = pl.DataFrame([rows, *columns.values()])
    file_warnings = _check_required(plan, values, out)
    return PreparedRows(values=values, errors=out.frame(out.errors, ERRORS_SCHEMA),
                        warnings=out.frame(out.warnings, WARNINGS_SCHEMA), file_warnings=file_warnings,
                        notes=out.notes)


def _column(raw: pl.DataFrame, name: str) -> pl.Series:
    # A mapped column that no row has (rows sent as JSON objects may leave keys out) is empty, not an error.
    if name in raw.columns:
        return raw.get_column(name).cast(pl.String)
    return _nulls(raw.height, pl.String).alias(name)


def _nulls(n: int, dtype: pl.DataType) -> pl.Series:
    # Built natively: a Python list of a million Nones costs a tenth of a second per column.
    return pl.repeat(None, n, dtype=dtype, eager=True)


def _normalize(raw: pl.Series, f: FieldDef, ctx: NormalizeContext, out: _Collector) -> pl.Series:
    result = normalize_column(raw, f, ctx)
    out.add(f.slug, raw, result.error, result.warning)
    out.notes.extend(f"{f.label}: {note}" for note in result.notes)
    return result.value


def _static(f: FieldDef, value: str, ctx: NormalizeContext) -> pl.Series:
    """A static value, checked like a cell; a bad one is the request's fault, not a row's."""
    result = normalize_column(pl.Series([value], dtype=pl.String), f, ctx)
    if result.error[0] is not None:
        raise InvalidMapping(f"staticValues.{f.slug}: {value!r}: {result.error[0]}")
    return result.value


def _field_values(raw: pl.DataFrame, src: FieldSource, ctx: NormalizeContext, out: _Collector) -> pl.Series:
    f = src.field
    n = raw.height
    if f.multi_value:
        entry = EMAIL_ENTRY if f.data_type == "email" else PHONE_ENTRY
        lists = [_typed_entries(_normalize(_column(raw, col), f, ctx, out), vtype, entry)
                 for col, vtype in src.typed_columns]
        if src.static_value is not None:
            one = _typed_entries(_static(f, src.static_value, ctx), f.default_value_type or "Other", entry)
            lists.append(one.new_from_index(0, n))
        if not lists:
            return _nulls(n, pl.List(entry))
        # One column (the usual case) needs no concatenation: its empty lists only become null.
        merged = (lists[0] if len(lists) == 1
                  else pl.select(pl.concat_list([s.fill_null([]) for s in lists])).to_series())
        return pl.select(pl.when(merged.list.len() > 0).then(merged)).to_series()
    if f.is_address:
        parts = {p: (_normalize(_column(raw, src.part_columns[p]), f, ctx, out) if p in src.part_columns
                     else _nulls(n, pl.String)) for p in ADDRESS_PARTS}
        frame = pl.DataFrame(parts)
        any_part = pl.any_horizontal(pl.col(p).is_not_null() for p in ADDRESS_PARTS)
        return frame.select(pl.when(any_part).then(pl.struct(ADDRESS_PARTS))).to_series().cast(ADDRESS)
    values = (_normalize(_column(raw, src.columns[0]), f, ctx, out) if src.columns
              else _nulls(n, stored_dtype(f)))
    if f.integer:
        values = values.cast(pl.Int64, strict=False)
    if src.static_value is not None:
        static = _static(f, src.static_value, ctx).cast(values.dtype).new_from_index(0, n)
        values = pl.select(pl.when(values.is_null()).then(static).otherwise(values)).to_series()
    return values


def _typed_entries(values: pl.Series, value_type: str, entry: pl.Struct) -> pl.Series:
    """Normalised emails (list of text) or phones (list of {value, e164}) as entries of one value type."""
    if entry == EMAIL_ENTRY:
        structs = values.list.eval(pl.struct(value=pl.element(), type=pl.lit(value_type)))
    else:
        structs = values.list.eval(pl.struct(value=pl.element().struct.field("value"), type=pl.lit(value_type),
                                             e164=pl.element().struct.field("e164")))
    return structs.cast(pl.List(entry))


def _check_required(plan: MappingPlan, values: pl.DataFrame, out: _Collector) -> list[dict]:
    file_warnings = []
    errors = out.frame(out.errors, ERRORS_SCHEMA)  # the value errors: a field already in error is not "empty" too
    for f in plan.module.fields:
        if not f.required:
            continue
        if f.slug not in values.columns:
            file_warnings.append({"row": 1, "field": f.slug, "message": f'Required field "{f.label}" is not mapped'})
            empty = pl.Series([True] * values.height)
        else:
            empty = values.get_column(f.slug).is_null()
        already = errors.filter(pl.col("field") == f.slug).get_column("row")
        missing = values.get_column(ROW).filter(empty & ~values.get_column(ROW).is_in(already.implode()))
        if missing.len():
            out.errors.append(pl.DataFrame({"row": missing, "field": f.slug, "value": None,
                                            "error": f'Required field "{f.label}" is empty'}, schema=ERRORS_SCHEMA))
    return file_warnings
