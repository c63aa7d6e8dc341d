"""PostgresStore: sessions over a pool of connections to one PostgreSQL database (server mode).

The schema is created and migrated on start by the versioned files of dbt_like_sql/postgres/store/, under
an advisory lock, so several processes starting at once (API workers, Dagster runs) migrate it once. Parsed
uploads are staged in the store too (`put_upload` / `get_upload`): a run on another machine finds them.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool, PoolTimeout

from coherence_pipelines.errors import StoreBusy
from coherence_pipelines.store import sql_files
from coherence_pipelines.store.base import RecordStore
from coherence_pipelines.store.postgres.queries import jsonb
from coherence_pipelines.store.postgres.session import PostgresSession

MIGRATIONS = "postgres/store"
CONNECT_TIMEOUT_SECONDS = 10


class PostgresStore(RecordStore):
    def __init__(self, url: str, *, pool_size: int = 10, wait_seconds: float = 30.0) -> None:
        self.url = url
        self.wait_seconds = wait_seconds
        migrate(url)
        self._pool = ConnectionPool(url, min_size=1, max_size=max(pool_size, 1), open=True, name="coherence-store",
                                    configure=_configure, check=ConnectionPool.check_connection,
                                    kwargs={"connect_timeout": CONNECT_TIMEOUT_SECONDS})

    @property
    def closed(self) -> bool:
        return self._pool.closed

    @contextmanager
    def session(self, *, snapshot: bool = False) -> Iterator[PostgresSession]:
        with self._connection() as conn, conn.transaction():
            if snapshot:
                # Read committed gives each statement its own snapshot: two reads of one export could see a
                # write committed between them. Repeatable read gives the whole transaction the first one's.
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield PostgresSession(conn)

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection]:
        try:
            conn = self._pool.getconn(timeout=self.wait_seconds)
        except PoolTimeout:
            # Every connection of this process is busy for longer than a request should wait: the same
            # answer as the embedded store's lock gives (503, try again shortly).
            raise StoreBusy() from None
        try:
            yield conn
        finally:
            self._pool.putconn(conn)

    def close(self) -> None:
        self._pool.close()
        with _shared_lock:
            if _shared.get(_shared_key(self.url)) is self:
                del _shared[_shared_key(self.url)]

    # staged uploads (server mode's staging, see coherence_pipelines/staging.py) -------------------------
    def put_upload(self, upload_id: str, account_id: str, meta: dict[str, Any], parquet: bytes) -> None:
        with self._connection() as conn, conn.transaction():
            conn.execute("INSERT INTO staged_uploads VALUES (%s, %s, %s, %s, timezone('UTC', now()))",
                         [upload_id, account_id, jsonb(meta), parquet])

    def get_upload(self, upload_id: str) -> tuple[str, dict[str, Any], bytes] | None:
        """(account_id, meta, Parquet bytes) of a staged upload, if there is one."""
        with self._connection() as conn, conn.transaction():
            row = conn.execute("SELECT account_id, meta, parquet FROM staged_uploads WHERE upload_id = %s",
                               [upload_id]).fetchone()
        return (row[0], row[1], bytes(row[2])) if row else None

    def remove_uploads(self, staged_before: datetime, keep: set[str]) -> int:
        """Removes uploads staged before `staged_before` (UTC) except those in `keep`; returns how many."""
        with self._connection() as conn, conn.transaction():
            return conn.execute("DELETE FROM staged_uploads WHERE staged_at < %s AND NOT (upload_id = ANY(%s))",
                                [staged_before, sorted(keep)]).rowcount


def _configure(conn: psycopg.Connection) -> None:
    # Timestamps are UTC without a time zone, as on DuckDB; `now()` and timestamptz parameters are read
    # in this zone.
    conn.execute("SET TIME ZONE 'UTC'")
    # The match-key joins are estimated at billions of rows (JSON arrays unnest to unknown counts), which
    # makes PostgreSQL JIT-compile them: 0.5 s of compiling for 0.25 s of work on a 5,000-row chunk.
    conn.execute("SET jit = off")
    conn.commit()


def migrate(url: str) -> None:
    """Apply the migrations this database lacks, each once, whoever else is starting at the same time."""
    try:
        conn = psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_SECONDS)
    except psycopg.OperationalError as exc:
        raise RuntimeError(f"COHERENCE_DATABASE_URL: cannot reach PostgreSQL at {describe(url)}: {exc}") from None
    with conn, conn.transaction():
        # One lock per schema: tests and tenants that live in schemas of their own migrate side by side.
        conn.execute("SELECT pg_advisory_xact_lock(hashtextextended("
                     "'coherence/migrations/' || coalesce(current_schema(), ''), 0))")
        conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, "
                     "applied_at timestamp NOT NULL)")
        done = {r[0] for r in conn.execute("SELECT version FROM schema_migrations").fetchall()}
        for path in sorted((sql_files.SQL_ROOT / MIGRATIONS).glob("*.sql")):
            name = f"{MIGRATIONS}/{path.name}"
            if name not in done:
                conn.execute(sql_files.load(name))
                conn.execute("INSERT INTO schema_migrations VALUES (%s, timezone('UTC', now()))", [name])


def describe(url: str) -> str:
    """The database a URL names, without its password (for messages)."""
    parts = conninfo_to_dict(url)
    return f"{parts.get('host', 'localhost')}:{parts.get('port', 5432)}/{parts.get('dbname', '')}"


# One store, so one pool, per database per process: the API, the Dagster resource, the CLI and staging all
# call open_store, and each call must not open connections of its own. Keyed by process too, since a pool's
# connections cannot cross a fork.
_shared: dict[tuple[int, str], PostgresStore] = {}
_shared_lock = threading.Lock()


def _shared_key(url: str) -> tuple[int, str]:
    return os.getpid(), url


def shared_store(url: str, *, pool_size: int = 10, wait_seconds: float = 30.0) -> PostgresStore:
    with _shared_lock:
        store = _shared.get(_shared_key(url))
        if store is None or store.closed:
            store = _shared[_shared_key(url)] = PostgresStore(url, pool_size=pool_size, wait_seconds=wait_seconds)
        return store
