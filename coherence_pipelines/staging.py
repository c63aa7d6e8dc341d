"""Staging: each parsed upload lands whole in a place of its own (`uploadId`), so validate and execute read
it from there and the file is never parsed twice.

On the embedded default that place is a DuckDB file per upload in the staging folder. In server mode
(a PostgreSQL store) it is the store itself, one Parquet file per upload, so that a Dagster run on
another machine than the API that parsed the file still finds the rows. Callers name the staging folder
either way; `open_store` tells this module which folders belong to a PostgreSQL store.
"""

from __future__ import annotations

import io
import json
import os
import re
import weakref
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import duckdb
import polars as pl

from coherence_pipelines.errors import UploadNotFound
from coherence_pipelines.execution.ids import new_upload_id

_UPLOAD_ID = re.compile(r"^upl_[0-9a-f]{20}$")


class UploadStore(Protocol):
    """A store that keeps staged uploads itself (the PostgreSQL store)."""

    def put_upload(self, upload_id: str, account_id: str, meta: dict[str, Any], parquet: bytes) -> None: ...
    def get_upload(self, upload_id: str) -> tuple[str, dict[str, Any], bytes] | None: ...
    def remove_uploads(self, staged_before: datetime, keep: set[str]) -> int: ...


# Weak: a store that is closed and dropped (a test's) stops answering for its folder.
_upload_stores: weakref.WeakValueDictionary[Path, UploadStore] = weakref.WeakValueDictionary()


def keep_uploads_in(staging_dir: Path, store: UploadStore) -> None:
    """Uploads staged for `staging_dir` live in `store` from now on (server mode)."""
    _upload_stores[staging_dir.resolve()] = store


def _upload_store(staging_dir: Path) -> UploadStore | None:
    key = staging_dir.resolve()
    if key not in _upload_stores and os.environ.get("COHERENCE_DATABASE_URL"):
        # A process that reads an upload before it opens its store (a Dagster op in a process of its own)
        # opens it now; the staging folder is always $COHERENCE_HOME/staging.
        from coherence_pipelines.settings import Settings
        from coherence_pipelines.store import open_store

        open_store(Settings(home=staging_dir.parent))
    return _upload_stores.get(key)


def remove_stored_uploads(staging_dir: Path, staged_before: datetime, keep: set[str]) -> int:
    """Server mode: removes uploads the store keeps that were staged before `staged_before` (UTC), except
    `keep`; returns how many (0 on the embedded default, whose uploads are files)."""
    store = _upload_store(staging_dir)
    return store.remove_uploads(staged_before, keep) if store is not None else 0


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
    # Column order and names are kept exactly; `_row` is the 1-based data row number.
    rows = frame.with_row_index("_row", offset=1).with_columns(pl.col("_row").cast(pl.Int64))
    store = _upload_store(staging_dir)
    if store is not None:
        parquet = io.BytesIO()
        rows.write_parquet(parquet)
        store.put_upload(upload_id, account_id, staged.__dict__, parquet.getvalue())
        return staged
    path = staging_dir / f"{upload_id}.duckdb"
    con = duckdb.connect(str(path))
    try:
        con.register("parsed", rows)
        con.execute("CREATE TABLE rows AS SELECT * FROM parsed")
        con.execute("CREATE TABLE meta (doc JSON)")
        con.execute("INSERT INTO meta VALUES (?)", [json.dumps(staged.__dict__)])
    finally:
        con.close()
    return staged


def load_upload(staging_dir: Path, account_id: str, upload_id: str) -> tuple[StagedUpload, pl.DataFrame]:
    """The staged rows (`_row` first) of an upload of this account; another account's is not found."""
    if not _UPLOAD_ID.match(upload_id):
        raise UploadNotFound()
    store = _upload_store(staging_dir)
    if store is not None:
        found = store.get_upload(upload_id)
        if found is None or found[0] != account_id:
            raise UploadNotFound()
        return StagedUpload(**found[1]), pl.read_parquet(io.BytesIO(found[2]))
    path = staging_dir / f"{upload_id}.duckdb"
    if not path.exists():
        raise UploadNotFound()
    con = duckdb.connect(str(path), read_only=True)
    try:
        meta = StagedUpload(**json.loads(con.execute("SELECT doc FROM meta").fetchall()[0][0]))
        if meta.account_id != account_id:
            raise UploadNotFound()
        return meta, con.sql("SELECT * FROM rows ORDER BY _row").pl()
    finally:
        con.close()
