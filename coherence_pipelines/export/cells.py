"""Typed export columns as the text a person reads and an import reads back.

- email / phone: the values joined with "; " (the importer splits on ";"), in the record's order.
- address: in CSV one column per part ("Address Street", "Address City", ...), so that a re-import maps
  each part back; in a PDF one readable cell ("1 Main St, Springfield, IL, 62701, US").
- reference: the target's name (what an import resolves a reference by); multi_select: "a; b".
- boolean: "Yes" / "No"; numbers without a trailing ".0"; dates ISO 8601 unless the spec's dateFormat.
- Any text cell a spreadsheet would run as a formula (leading = + - @, tab or carriage return) gets a
  leading apostrophe (OWASP's advice); the importer drops that apostrophe again.
"""

from __future__ import annotations

import polars as pl

from coherence_pipelines.export.query import ISO_DATETIME
from coherence_pipelines.export.spec import ExportSpec
from coherence_pipelines.modules import ModuleDef
from coherence_pipelines.modules.fields import ADDRESS_PARTS, NUMERIC_TYPES
from coherence_pipelines.validation.formula_guard import guarded, guarded_text

ADDRESS_PART_LABELS = {"street": "Street", "street2": "Street 2", "city": "City", "state": "State",
                       "zip": "Zip", "country": "Country"}
LIST_SEPARATOR = "; "


def text_table(frame: pl.DataFrame, module: ModuleDef, spec: ExportSpec, *, for_csv: bool) -> pl.DataFrame:
    """All-String columns in export order. Column names are positional (`c0`, `c1`, ...) because labels may
    repeat; `headers()` gives the labels for the same columns. CSV splits addresses into parts and
    neutralises formulas; a PDF is read, never run, and shows the text as it is."""
    columns: list[pl.Expr] = []
    free_text: list[str] = []
    for column in spec.columns:
        for expr, is_text in _cells(column, frame.schema[column], module, spec, split_addresses=for_csv):
            name = f"c{len(columns)}"
            columns.append(expr.alias(name))
            if for_csv and is_text:
                free_text.append(name)
    table = frame.select(columns)
    # The guard reads a cell twice (the test, then the value): on the rendered column, so that a cell that takes
    # work to render (a joined list) is rendered once.
    return table.with_columns(guarded(pl.col(c)).alias(c) for c in free_text) if free_text else table


def headers(module: ModuleDef, spec: ExportSpec, *, for_csv: bool) -> list[str]:
    out = []
    for column in spec.columns:
        label = spec.label(column, module)
        f = module.field(column)
        if f is not None and f.is_address and for_csv:
            out.extend(f"{label} {ADDRESS_PART_LABELS[p]}" for p in ADDRESS_PARTS)
        else:
            out.append(label)
    return [guarded_text(h) for h in out] if for_csv else out


def _cells(column: str, dtype: pl.DataType, module: ModuleDef, spec: ExportSpec,
           split_addresses: bool) -> list[tuple[pl.Expr, bool]]:
    """(text expression, whether it is free text that could hold a formula) per output column."""
    col = pl.col(column)
    f = module.field(column)
    if isinstance(dtype, pl.Datetime):
        return [(col.dt.strftime(spec.date_format or ISO_DATETIME), False)]
    if f is not None and f.is_address:
        parts = [col.struct.field(p) for p in ADDRESS_PARTS]
        if split_addresses:
            return [(p, True) for p in parts]
        return [(pl.concat_str(parts, separator=", ", ignore_nulls=True).replace("", None), True)]
    if f is not None and f.data_type in NUMERIC_TYPES:
        whole = col.is_finite() & (col == col.round(0)) & (col.abs() < 1e15)
        return [(pl.when(whole).then(col.cast(pl.Int64).cast(pl.String)).otherwise(col.cast(pl.String)), False)]
    if dtype == pl.Boolean:
        return [(pl.when(col).then(pl.lit("Yes")).when(~col).then(pl.lit("No")), False)]
    if f is not None and f.data_type == "date" and spec.date_format:
        return [(col.str.to_date("%Y-%m-%d", strict=False).dt.strftime(spec.date_format), False)]
    if f is not None and f.data_type == "datetime" and spec.date_format:
        return [(col.str.to_datetime(strict=False).dt.strftime(spec.date_format), False)]
    if isinstance(dtype, pl.List):
        inner = dtype.inner
        values = col.list.eval(pl.element().struct.field("value")) if isinstance(inner, pl.Struct) else col
        # The cell as a whole is neutralised: a spreadsheet only runs what a cell starts with.
        return [(values.list.join(LIST_SEPARATOR).replace("", None), True)]
    return [(col.cast(pl.String), True)]
