"""DuckDBStore: sessions over one DuckDB file, taken in turns by every process on the machine."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from coherence_pipelines.store import sql_files
from coherence_pipelines.store.base import RecordStore
from coherence_pipelines.store.duckdb.session import DuckDBSession
from coherence_pipelines.store.file_lock import FileLock

MIGRATIONS = ("store/001_schema.sql", "store/002_saved_mappings.sql", "store/003_exports.sql",
              "store/004_mapping_memory.sql")


class DuckDBStore(RecordStore):
    def __init__(self, path: Path, wait_seconds: float = 30.0) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = FileLock(path.with_name(path.name + ".lock"), wait_seconds)
        self._migrated = False

    @contextmanager
    def session(self) -> Iterator[DuckDBSession]:
        # The file is opened for one unit of work only, so other processes get their turn.
        with self._lock.hold():
            con = duckdb.connect(str(self.path))
            try:
                if not self._migrated:
                    self._migrate(con)
                con.execute("BEGIN TRANSACTION")
                try:
                    yield DuckDBSession(con)
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
                con.execute("COMMIT")
            finally:
                con.close()

    def _migrate(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version VARCHAR PRIMARY KEY, applied_at TIMESTAMP)")
        done = {r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()}
        for name in MIGRATIONS:
            if name in done:
                continue
            con.execute("BEGIN TRANSACTION")
            con.execute(sql_files.load(name))
            con.execute("INSERT INTO schema_migrations VALUES (?, now())", [name])
            con.execute("COMMIT")
        self._migrated = True
