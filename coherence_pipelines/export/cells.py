"""Typed export columns as the text a person reads and an import reads back.

- email / phone: the values joined with "; " (the importer splits on ";"), in the record's order.
- address: in CSV one column per part ("Address Street", "Address City", ...), so that a re-import maps
  each part back; in a PDF one readable cell ("1 Main St, Springfield, IL, 62701, US").
- reference: the target's name (what an import resolves a reference by); multi_select: "a; b".
- boolean: "Yes" / "No"; numbers without a trailing ".0"; dates ISO 8601 unless the spec's dateFormat.
- dateFormat applies to every date column. A date has no time of day: its time tokens read midnight
  (`05/04/1990 00:00`, as Python's date.strftime does) and a zone (%z, %Z) is left out. A date-time field
  keeps its wall time as written, with its offset for %z/%Z (none when it was written without one); the
  created/updated times are UTC.
- Any text cell a spreadsheet would run as a formula (leading = + - @, tab or carriage return) gets a
  leading apostrophe (OWASP's advice); the importer drops that apostrophe again.
"""

from __future__ import annotations

import re

import polars as pl

from coherence_pipelines.export.query import ISO_DATETIME, number_text
from coherence_pipelines.export.spec import ExportSpec
from coherence_pipelines.modules import ModuleDef
from coherence_pipelines.modules.fields import ADDRESS_PARTS, NUMERIC_TYPES
from coherence_pipelines.validation.formula_guard import guarded, guarded_text

ADDRESS_PART_LABELS = {"street": "Street", "street2": "Street 2", "city": "City", "state": "State",
                       "zip": "Zip", "country": "Country"}
LIST_SEPARATOR = "; "
_ZONE_RE = re.compile(r"(%[%zZ])")  # `%%` is matched too, so that `%%z` stays a literal "%z"


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
    # A dateFormat's cell is guarded like free text: the pattern may start with a sign (%z) or any literal, and a
    # date that does not parse is shown as it was stored.
    if isinstance(dtype, pl.Datetime):
        if spec.date_format is None:
            return [(col.dt.strftime(ISO_DATETIME), False)]
        return [(_formatted(col, spec.date_format, pl.lit("Z")), True)]
    if f is not None and f.is_address:
        parts = [col.struct.field(p) for p in ADDRESS_PARTS]
        if split_addresses:
            return [(p, True) for p in parts]
        return [(pl.concat_str(parts, separator=", ", ignore_nulls=True).replace("", None), True)]
    if f is not None and f.data_type in NUMERIC_TYPES:
        return [(number_text(col), False)]
    if dtype == pl.Boolean:
        return [(pl.when(col).then(pl.lit("Yes")).when(~col).then(pl.lit("No")), False)]
    if f is not None and f.data_type == "date" and spec.date_format:
        day = col.str.to_date("%Y-%m-%d", strict=False).cast(pl.Datetime("us"))
        # A stored text that is not a date is shown as it is rather than as an empty cell.
        return [(pl.coalesce(_formatted(day, spec.date_format, pl.lit("")), col), True)]
    if f is not None and f.data_type == "datetime" and spec.date_format:
        # Parsed with one fixed format: polars infers one from the first value, and a column mixing times with
        # and without an offset then loses the others.
        moment = col.str.slice(0, 19).str.to_datetime("%Y-%m-%dT%H:%M:%S", time_unit="us", strict=False)
        offset = col.str.slice(19).str.extract(r"^(Z|[+-]\d{2}:?\d{2})$").fill_null("")
        return [(pl.coalesce(_formatted(moment, spec.date_format, offset), col), True)]
    if isinstance(dtype, pl.List):
        inner = dtype.inner
        values = col.list.eval(pl.element().struct.field("value")) if isinstance(inner, pl.Struct) else col
        # The cell as a whole is neutralised: a spreadsheet only runs what a cell starts with.
        return [(values.list.join(LIST_SEPARATOR).replace("", None), True)]
    return [(col.cast(pl.String), True)]


def _formatted(moment: pl.Expr, pattern: str, offset: pl.Expr) -> pl.Expr:
    """`moment` (a naive Datetime) in the strftime `pattern`. polars formats no zone of a naive time, so %z
    and %Z come from `offset` ("Z", "+02:00" or "" for none): "+0000"/"UTC", "+0200"/"+02:00", nothing."""
    parts: list[pl.Expr] = []
    segment = ""
    for piece in _ZONE_RE.split(pattern):
        if piece in ("%z", "%Z"):
            if segment:
                parts.append(moment.dt.strftime(segment))
            segment = ""
            if piece == "%z":
                parts.append(pl.when(offset == "Z").then(pl.lit("+0000")).otherwise(offset.str.replace(":", "")))
            else:
                parts.append(pl.when(offset == "Z").then(pl.lit("UTC")).otherwise(offset))
        else:
            segment += piece
    if segment:
        parts.append(moment.dt.strftime(segment))
    # Without a moment there is no cell, even where the pattern's zone parts are literal text.
    return pl.when(moment.is_not_null()).then(pl.concat_str(parts))
