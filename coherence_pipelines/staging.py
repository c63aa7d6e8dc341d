"""Staging: each parsed upload lands whole in a DuckDB file of its own (`uploadId`), so validate and
execute read it from there and the file is never parsed twice.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from coherence_pipelines.errors import UploadNotFound
from coherence_pipelines.execution.ids import new_upload_id

_UPLOAD_ID = re.compile(r"^upl_[0-9a-f]{20}$")


@dataclass(frozen=True)
class StagedUpload:
    upload_id: str
    account_id: str
    module: str
    file_name: str
    file_type: str
    encoding: str | None
    delimiter: str | None
    columns: list[str]
    total_rows: int


def stage_upload(staging_dir: Path, account_id: str, module: str, frame: pl.DataFrame, *, file_name: str,
                 file_type: str, encoding: str | None, delimiter: str | None) -> StagedUpload:
    upload_id = new_upload_id()
    staged = StagedUpload(upload_id=upload_id, account_id=account_id, module=module, file_name=file_name,
                          file_type=file_type, encoding=encoding, delimiter=delimiter, columns=list(frame.columns),
                          total_rows=frame.height)
    path = staging_dir / f"{upload_id}.duckdb"
    con = duckdb.connect(str(path))
    try:
        # Column order and names are kept exactly; `_row` is the 1-based data row number.
        rows = frame.with_row_index("_row", offset=1).with_columns(pl.col("_row").cast(pl.Int64))
        con.register("parsed", rows)
        con.execute("CREATE TABLE rows AS SELECT * FROM parsed")
        con.execute("CREATE TABLE meta (doc JSON)")
        con.execute("INSERT INTO meta VALUES (?)", [json.dumps(staged.__dict__)])
    finally:
        con.close()
    return staged


def load_upload(staging_dir: Path, account_id: str, upload_id: str) -> tuple[StagedUpload, pl.DataFrame]:
    """The staged rows (`_row` first) of an upload of this account; another account's is not found."""
    path = staging_dir / f"{upload_id}.duckdb"
    if not _UPLOAD_ID.match(upload_id) or not path.exists():
        raise UploadNotFound()
    con = duckdb.connect(str(path), read_only=True)
    try:
        meta = StagedUpload(**json.loads(con.execute("SELECT doc FROM meta").fetchall()[0][0]))
        if meta.account_id != account_id:
            raise UploadNotFound()
        return meta, con.sql("SELECT * FROM rows ORDER BY _row").pl()
    finally:
        con.close()
