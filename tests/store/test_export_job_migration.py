"""A store made before export jobs named their runner migrates with its export jobs kept: they have no runner
(none is known, so nothing settles them) and a claim stamps one from then on."""

from __future__ import annotations

from datetime import datetime

import psycopg
import pytest
from psycopg.types.json import Jsonb

from coherence_pipelines.execution.jobs import utcnow
from coherence_pipelines.execution.liveness import runner_id
from coherence_pipelines.store import sql_files
from coherence_pipelines.store.duckdb import store as duckdb_store
from coherence_pipelines.store.duckdb.store import DuckDBStore
from coherence_pipelines.store.postgres.store import PostgresStore

T0 = datetime(2026, 3, 1, 9, 30)
JOB = {"export_job_id": "exp_before", "account_id": "acc_before", "source_type": "module",
       "source_id": "mod_contacts", "module": "contacts", "format": "csv", "status": "processing", "progress": 40,
       "trigger": "dagster", "request": {"spec": {"module": "contacts"}, "sourceName": "contacts"},
       "content_type": "text/csv", "requested_at": T0, "started_at": T0}


def check_kept_and_claimable(store) -> None:
    with store.session() as session:
        job = session.get_export_job("acc_before", "exp_before")
        assert {k: job[k] for k in JOB} == JOB
        assert (job["runner"], job["heartbeat_at"]) == (None, None)
        assert session.claim_export_job("exp_before", job, utcnow(), runner_id()) is True
        assert session.get_export_job(None, "exp_before")["runner"] == runner_id()


def test_a_duckdb_store_made_before_runners_keeps_its_export_jobs(tmp_path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "store.duckdb"
    with monkeypatch.context() as before:  # the store as a version before 006 made it
        before.setattr(duckdb_store, "MIGRATIONS",
                       duckdb_store.MIGRATIONS[:duckdb_store.MIGRATIONS.index("store/006_export_job_runner.sql")])
        old = DuckDBStore(path)
        with old.session() as session:
            session.insert_export_job(JOB)
            assert "runner" not in session.get_export_job(None, "exp_before")
        old.close()
    check_kept_and_claimable(DuckDBStore(path))


def test_a_postgres_store_made_before_runners_keeps_its_export_jobs(postgres_url):
    with psycopg.connect(postgres_url) as con:  # the database as a version before 007 migrated it
        con.execute("CREATE TABLE schema_migrations (version text PRIMARY KEY, applied_at timestamp NOT NULL)")
        for path in sorted((sql_files.SQL_ROOT / "postgres/store").glob("*.sql")):
            if path.name < "007":
                con.execute(sql_files.load(f"postgres/store/{path.name}"))
                con.execute("INSERT INTO schema_migrations VALUES (%s, now())", [f"postgres/store/{path.name}"])
        con.execute(f"INSERT INTO export_jobs ({', '.join(JOB)}) VALUES ({', '.join('%s' for _ in JOB)})",
                    [Jsonb(v) if k == "request" else v for k, v in JOB.items()])
    store = PostgresStore(postgres_url, pool_size=1)
    try:
        check_kept_and_claimable(store)
    finally:
        store.close()
