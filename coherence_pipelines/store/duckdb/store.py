"""DuckDBStore: sessions over one DuckDB file, taken in turns by every process on the machine."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from coherence_pipelines.store import sql_files
from coherence_pipelines.store.base import RecordStore
from coherence_pipelines.store.duckdb.session import DuckDBSession
from coherence_pipelines.store.file_lock import FileLock

MIGRATIONS = ("store/001_schema.sql", "store/002_saved_mappings.sql", "store/003_exports.sql",
              "store/004_mapping_memory.sql", "store/005_job_runner.sql", "store/006_export_job_runner.sql")


MEMORY_LIMIT = "512MB"
# Committed changes stay in DuckDB's memory until a checkpoint writes them into the file, and that memory
# cannot be spilled: with the checkpoint put off to the end of a run, a 1M-row update import ran out of a
# 256 MB limit (and a larger one would run out of 512 MB). A quarter of the limit keeps them bounded; the
# few extra checkpoints cost nothing measurable (1M-row update: 15.8 s, against 15.2-16.6 s at 4 GB).
CHECKPOINT_THRESHOLD = "128MB"


class DuckDBStore(RecordStore):
    def __init__(self, path: Path, wait_seconds: float = 30.0) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = FileLock(path.with_name(path.name + ".lock"), wait_seconds)
        self._migrated = False
        self._local = threading.local()  # a thread's held file: `holding()`

    @contextmanager
    def session(self, *, snapshot: bool = False) -> Iterator[DuckDBSession]:
        # Every DuckDB transaction reads one snapshot already: `snapshot` asks for nothing more.
        # The file is opened for one unit of work only, so other processes get their turn; inside
        # `holding()` it stays open from one unit to the next until someone else waits for it.
        held: _Held | None = getattr(self._local, "held", None)
        if held is not None and held.con is not None and self._lock.others_waiting():
            held.release()
        if held is not None and held.con is None:
            held.take(self)
        with contextlib.ExitStack() as stack:
            if held is None:
                stack.enter_context(self._lock.hold())
                con = self._connect()
                stack.callback(con.close)
            else:
                con = held.con
            con.execute("BEGIN TRANSACTION")
            try:
                yield DuckDBSession(con)
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    @contextmanager
    def holding(self) -> Iterator[None]:
        """A run of sessions (an import's chunks) that keeps the file open between them while no other
        thread or process waits for it: each session still commits on its own, but the file is opened and
        checkpointed when its changes reach CHECKPOINT_THRESHOLD instead of at every commit."""
        if getattr(self._local, "held", None) is not None:
            yield
            return
        held = self._local.held = _Held()
        try:
            yield
        finally:
            self._local.held = None
            held.release()

    def _connect(self) -> duckdb.DuckDBPyConnection:
        # DuckDB would take 80% of the machine's memory for its buffers; the store shares the process with
        # polars frames of the same import, so it gets a bounded share and spills beyond it.
        con = duckdb.connect(str(self.path), config={"memory_limit": MEMORY_LIMIT})
        if not self._migrated:
            self._migrate(con)
        return con

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


class _Held:
    """The file a `holding()` run keeps: the store's lock and an open connection, or neither."""

    def __init__(self) -> None:
        self.con: duckdb.DuckDBPyConnection | None = None
        self._stack: contextlib.ExitStack | None = None

    def take(self, store: DuckDBStore) -> None:
        stack = contextlib.ExitStack()
        stack.enter_context(store._lock.hold())
        try:
            con = store._connect()
            # Checkpoints come when the run's changes reach the threshold, not at every commit of a chunk.
            con.execute(f"SET checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")
        except BaseException:
            stack.close()
            raise
        stack.callback(con.close)
        self.con, self._stack = con, stack

    def release(self) -> None:
        stack, self._stack, self.con = self._stack, None, None
        if stack is not None:
            stack.close()
