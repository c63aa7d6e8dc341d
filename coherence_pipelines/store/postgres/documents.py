"""Record documents merged before they reach PostgreSQL, by the function the DuckDB store merges with.

A JSON merge patch (RFC 7386) has no built-in in PostgreSQL; written in PL/pgSQL it costs about 20 µs a
record, where DuckDB's `json_merge_patch` over the whole chunk costs about 2 µs a record (measured on 50,000
contact records). Using DuckDB's also makes "the same merge" true by construction on both stores.
"""

from __future__ import annotations

import duckdb
import polars as pl

from coherence_pipelines.store.postgres.queries import json_text

_MERGED = """
SELECT record_id, json_extract_string(merged, '$.displayName') AS display_name, merged::VARCHAR AS data
FROM (SELECT record_id, json_merge_patch(coalesce(base::JSON, '{{}}'::JSON), {patch}) AS merged FROM documents)
"""


def merged_documents(documents: pl.DataFrame, keep_nulls: bool = False) -> pl.DataFrame:
    """documents(record_id, base JSON or null, patch JSON) -> (record_id, display_name, data JSON): each base
    (an empty document when null) with its patch applied: fields the patch sets replace, fields it nulls
    are removed (with `keep_nulls`, left as they are), fields it leaves out are kept."""
    con = duckdb.connect()
    try:
        con.register("documents", documents.select("record_id", pl.col("base").cast(pl.String),
                                                   json_text(documents.get_column("patch").cast(pl.String))))
        # Merging a patch into {} first drops its nulls: what is left sets fields and leaves the rest.
        patch = "json_merge_patch('{}', patch::JSON)" if keep_nulls else "patch::JSON"
        return con.sql(_MERGED.format(patch=patch)).pl()
    finally:
        con.close()
