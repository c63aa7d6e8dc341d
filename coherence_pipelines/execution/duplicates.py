"""Duplicates inside one file: with skip or update, a row that repeats an earlier row on the match
fields is an error naming that row (the document's "Duplicate email found"), so one person is never
imported twice from one file. Matching against the store uses the same key expressions (keys/*.sql).
"""

from __future__ import annotations

import duckdb
import polars as pl

from coherence_pipelines.store import sql_files
from coherence_pipelines.store.base import MatchField
from coherence_pipelines.store.match_keys import key_union


def in_file_duplicates(incoming: pl.DataFrame, fields: list[MatchField]) -> pl.DataFrame:
    """incoming(id, data JSON) -> (_row, first_row) for every row that repeats an earlier one."""
    con = duckdb.connect()
    try:
        con.register("incoming_rows", incoming.select("id", "data"))
        name = "records/in_file_duplicates_one_field.sql" if len(fields) == 1 else "records/in_file_duplicates.sql"
        sql = sql_files.render(name, incoming_keys=key_union(fields, "incoming_rows"), field_count=len(fields))
        return con.sql(sql).pl()
    finally:
        con.close()


def duplicate_errors(duplicates: pl.DataFrame, fields: list[MatchField], raw: pl.DataFrame,
                     source_column: str | None) -> pl.DataFrame:
    """The error rows for in-file duplicates: `Duplicate email found (same as row 3)`, with the value as
    written in `source_column` (the column the first match field comes from)."""
    label = " and ".join(f.slug for f in fields)
    first = fields[0].slug
    value = pl.col(source_column) if source_column in raw.columns else pl.lit(None, dtype=pl.String)
    frame = duplicates.join(raw.select(pl.col("_row"), value.alias("value")), on="_row", how="left")
    return frame.select(
        pl.col("_row").cast(pl.Int64).alias("row"),
        pl.lit(first).alias("field"),
        pl.col("value").cast(pl.String),
        pl.format(f"Duplicate {label} found (same as row {{}})", pl.col("first_row")).alias("error"),
    )
