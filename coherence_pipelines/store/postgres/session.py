"""One unit of work on the PostgreSQL store: accounts and keys, records, jobs, lineage and rollback.

The same meaning as the DuckDB session, method by method. Frames go in by COPY (into a temporary table
when the SQL needs to join them, straight into the table when they are rows to append) and come out by
COPY; every write is one set-based statement per chunk, never one per row.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

import polars as pl

from coherence_pipelines.modules.fields import REFERENCE_MATCH_BY
from coherence_pipelines.store import sql_files
from coherence_pipelines.store.base import (
    ChangedSince,
    MatchField,
    RollbackResult,
    StoreSession,
    UpdateLineage,
    headers_key,
)
from coherence_pipelines.store.match_keys import key_union
from coherence_pipelines.store.postgres.documents import merged_documents
from coherence_pipelines.store.postgres.export_tables import ExportTables
from coherence_pipelines.store.postgres.mapping_tables import MappingTables
from coherence_pipelines.store.postgres.order_by import postgres_order_by
from coherence_pipelines.store.postgres.queries import json_text, jsonb

JOB_JSON_COLUMNS = ("options", "errors", "reference_warnings")
DIALECT = "postgres/"
_MODULE_RECORDS = ("(SELECT record_id AS id, created_at, data FROM records "
                   "WHERE account_id = %(account)s AND module = %(module)s{condition})")
# An import's recheck: records written after it matched its rows (ChangedSince).
_CHANGED_SINCE = " AND updated_at > %(since)s"
_RECORD_SCHEMA = {"record_id": pl.String, "module": pl.String, "data": pl.String, "version": pl.Int32,
                  "created_at": pl.Datetime("us"), "updated_at": pl.Datetime("us"),
                  "created_by_import_job_id": pl.String}
_UTC_NOW = "timezone('UTC', now())"


def _utc_naive(ts: datetime) -> datetime:
    # Rows sent by COPY are text: a timestamp column would silently drop an offset, so send UTC without one.
    return ts.astimezone(UTC).replace(tzinfo=None) if ts.tzinfo else ts


class PostgresSession(ExportTables, MappingTables, StoreSession):
    # accounts and keys ---------------------------------------------------------------------------
    def ensure_account(self, name: str) -> str:
        # Two processes may make the same account at once: the unique name decides, both get its id.
        self.conn.execute(f"INSERT INTO accounts VALUES (%s, %s, NULL, {_UTC_NOW}) ON CONFLICT (name) DO NOTHING",
                          [f"acc_{secrets.token_hex(6)}", name])
        return self.account_id_by_name(name)  # type: ignore[return-value]

    def account_id_by_name(self, name: str) -> str | None:
        row = self._first("SELECT account_id FROM accounts WHERE name = %s", [name])
        return row[0] if row else None

    def add_api_key(self, account_id: str, key_id: str, key_hash: str, scopes: tuple[str, ...]) -> None:
        self.conn.execute(f"INSERT INTO api_keys VALUES (%s, %s, %s, %s, {_UTC_NOW})",
                          [key_id, account_id, key_hash, ",".join(scopes)])

    def api_key(self, key_id: str) -> tuple[str, str, str, frozenset[str]] | None:
        row = self._first("SELECT k.account_id, a.name, k.key_hash, k.scopes FROM api_keys k "
                          "JOIN accounts a USING (account_id) WHERE k.key_id = %s", [key_id])
        return (row[0], row[1], row[2], frozenset(row[3].split(","))) if row else None

    def custom_modules(self, account_id: str) -> dict[str, Any]:
        row = self._first("SELECT custom_modules FROM accounts WHERE account_id = %s", [account_id])
        return row[0] if row and row[0] else {}

    def save_custom_modules(self, account_id: str, definition: dict[str, Any]) -> None:
        self.conn.execute("UPDATE accounts SET custom_modules = %s WHERE account_id = %s",
                          [jsonb(definition), account_id])

    def save_mapping(self, account_id: str, module: str, headers: list[str], column_mapping: list[dict[str, Any]],
                     import_job_id: str | None, file_settings: dict[str, str | None] | None = None) -> None:
        fs = file_settings or {}
        self.conn.execute("INSERT INTO saved_mappings (account_id, module, headers_key, headers, column_mapping, "
                          "import_job_id, saved_at, encoding, delimiter, date_order) "
                          f"VALUES (%s, %s, %s, %s, %s, %s, {_UTC_NOW}, %s, %s, %s)",
                          [account_id, module, headers_key(headers), jsonb(headers), jsonb(column_mapping),
                           import_job_id, fs.get("encoding"), fs.get("delimiter"), fs.get("date_order")])

    # records -------------------------------------------------------------------------------------
    def lock_modules(self, account_id: str, modules: list[str]) -> None:
        # A transaction-level advisory lock per (account, module), released at commit or rollback. Taken in
        # one order (sorted) by every chunk, so two chunks wanting two modules each never deadlock.
        for module in sorted(set(modules)):
            self.conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                              [f"coherence/records/{account_id}/{module}"])

    def clock(self) -> datetime:
        # The server's clock, not this process's: API workers and Dagster runs on several machines write
        # the same records, and their clocks may disagree by more than the recheck's margin.
        return self._first("SELECT clock_timestamp() AT TIME ZONE 'UTC'")[0]

    def find_matches(self, account_id: str, module: str, incoming: pl.DataFrame, fields: list[MatchField],
                     changed_since: ChangedSince | None = None) -> pl.DataFrame:
        params: dict[str, Any] = {"account": account_id, "module": module}
        existing = _MODULE_RECORDS.format(condition="" if changed_since is None else _CHANGED_SINCE)
        if changed_since is not None:
            params["since"] = _utc_naive(changed_since.since)
        self._temp_table("incoming_rows", "id bigint, data jsonb",
                         incoming.select("id", json_text(incoming.get_column("data"))))
        sql = sql_files.render(f"{DIALECT}records/match_keys.sql",
                               incoming_keys=key_union(fields, "incoming_rows", "NULL::timestamp", DIALECT),
                               existing_keys=key_union(fields, existing, "s.created_at", DIALECT),
                               field_count=len(fields))
        return self._frame(sql, params, {"_row": pl.Int64, "record_id": pl.String, "candidates": pl.Int64})

    def count_changed(self, account_id: str, module: str, changed_since: ChangedSince) -> int:
        return self._first("SELECT count(*) FROM records WHERE account_id = %s AND module = %s AND updated_at > %s",
                           [account_id, module, _utc_naive(changed_since.since)])[0]

    def lookup_references(self, account_id: str, module: str, keys: list[str]) -> dict[str, list[str]]:
        if not keys:
            return {}
        # By name, and by the module's other reference keys (accounts: domain; contacts: any email).
        fields = [MatchField(slug, "email" if slug == "email" else "text")
                  for slug in REFERENCE_MATCH_BY.get(module, ("displayName",))]
        sql = sql_files.render(f"{DIALECT}records/reference_lookup.sql",
                               candidate_keys=key_union(fields, _MODULE_RECORDS.format(condition=""), "s.created_at",
                                                        DIALECT))
        rows = self._tuples(sql, {"account": account_id, "module": module, "keys": keys})
        return {key: list(ids) for key, ids in rows}

    def fetch_records(self, account_id: str, record_ids: list[str]) -> pl.DataFrame:
        return self._frame(
            "SELECT record_id, module, data::text, version, created_at, updated_at, created_by_import_job_id "
            "FROM records WHERE account_id = %(account)s AND record_id = ANY(%(ids)s::text[])",
            {"account": account_id, "ids": record_ids}, _RECORD_SCHEMA)

    def insert_records(self, account_id: str, records: pl.DataFrame, job_id: str | None, now: datetime) -> None:
        if records.is_empty():
            return
        # Merged into {} (DuckDB's merge, as the DuckDB store does it) drops the null fields: a record keeps
        # only what it has. New rows only append, so they go straight into the table.
        merged = merged_documents(records.select("record_id", pl.lit(None).alias("base"),
                                                  pl.col("data").alias("patch")))
        rows = records.select("record_id", "module").join(merged, on="record_id")
        now = _utc_naive(now)
        self._copy_in("records", ("record_id", "account_id", "module", "display_name", "data", "version",
                                  "created_at", "updated_at", "created_by_import_job_id"),
                      ((rid, account_id, mod, name, data, 1, now, now, job_id)
                       for rid, mod, name, data in rows.iter_rows()))

    def update_records(self, account_id: str, records: pl.DataFrame, now: datetime, *, keep_nulls: bool = False,
                       lineage: UpdateLineage | None = None) -> int:
        if records.is_empty():
            return 0
        # The changes are a JSON merge patch, applied to the records as they are now: read under a row
        # lock (no one changes them between the read and the write), merged, written back in one UPDATE.
        params = {"account": account_id, "ids": records.get_column("record_id").to_list()}
        current = self._frame("SELECT record_id, data::text FROM records WHERE account_id = %(account)s "
                              "AND record_id = ANY(%(ids)s::text[]) FOR UPDATE", params,
                              {"record_id": pl.String, "base": pl.String})
        if lineage is not None:
            self._count("INSERT INTO import_lineage SELECT %(job)s, record_id, %(module)s, 'updated', data, version, "
                        "version + 1, %(chunk)s FROM records WHERE account_id = %(account)s "
                        "AND record_id = ANY(%(ids)s::text[])",
                        {**params, "job": lineage.job_id, "module": lineage.module, "chunk": lineage.chunk})
        documents = current.join(records.select("record_id", pl.col("data").alias("patch")), on="record_id")
        self._temp_table("changed_records", "record_id text, display_name text, data jsonb",
                         merged_documents(documents, keep_nulls=keep_nulls))
        return self._count(
            "UPDATE records AS r SET data = c.data, display_name = c.display_name, version = r.version + 1, "
            "updated_at = %(now)s FROM changed_records c WHERE r.record_id = c.record_id "
            "AND r.account_id = %(account)s", {"account": account_id, "now": _utc_naive(now)})

    def list_records(self, account_id: str, module: str, limit: int, offset: int,
                     order_by: str) -> tuple[list[dict[str, Any]], int]:
        sql = sql_files.render(f"{DIALECT}records/list_records.sql", order_by=postgres_order_by(order_by))
        rows = self._rows(sql, {"account": account_id, "module": module, "limit": limit, "offset": offset})
        total = rows[0]["total"] if rows else self.count_records(account_id, module)
        return rows, total

    def count_records(self, account_id: str, module: str) -> int:
        return self._first("SELECT count(*) FROM records WHERE account_id = %s AND module = %s",
                           [account_id, module])[0]

    def display_names(self, account_id: str, record_ids: list[str]) -> dict[str, str | None]:
        if not record_ids:
            return {}
        rows = self._tuples("SELECT record_id, data ->> 'displayName' FROM records "
                               "WHERE account_id = %s AND record_id = ANY(%s::text[])", [account_id, record_ids])
        return dict(rows)

    # jobs and lineage ----------------------------------------------------------------------------
    def insert_job(self, job: dict[str, Any]) -> None:
        cols = list(job)
        values = [jsonb(job[c]) if c in JOB_JSON_COLUMNS else job[c] for c in cols]
        self.conn.execute(f"INSERT INTO import_jobs ({', '.join(cols)}) VALUES ({', '.join('%s' for _ in cols)})",
                          values)

    def update_job(self, job_id: str, changes: dict[str, Any]) -> None:
        if not changes:
            return
        cols = list(changes)
        values = [jsonb(changes[c]) if c in JOB_JSON_COLUMNS else changes[c] for c in cols]
        self.conn.execute(f"UPDATE import_jobs SET {', '.join(f'{c} = %s' for c in cols)} WHERE job_id = %s",
                          [*values, job_id])

    def get_job(self, account_id: str, job_id: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM import_jobs WHERE account_id = %s AND job_id = %s", [account_id, job_id])
        return rows[0] if rows else None

    def list_jobs(self, account_id: str, module: str, limit: int) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM import_jobs WHERE account_id = %s AND module = %s "
                          "ORDER BY created_at DESC, job_id COLLATE \"C\" DESC LIMIT %s", [account_id, module, limit])

    def add_lineage(self, lineage: pl.DataFrame) -> None:
        if lineage.is_empty():
            return
        columns = ("job_id", "record_id", "module", "action", "before_data", "before_version", "after_version",
                   "chunk")
        frame = lineage.select(columns).with_columns(json_text(lineage.get_column("before_data")))
        self._copy_in("import_lineage", columns, frame.iter_rows())

    def job_lineage(self, job_id: str) -> pl.DataFrame:
        return self._frame("SELECT record_id, module, action FROM import_lineage WHERE job_id = %(job)s "
                           "ORDER BY chunk, action, record_id COLLATE \"C\"", {"job": job_id},
                           {"record_id": pl.String, "module": pl.String, "action": pl.String})

    def rollback(self, account_id: str, job_id: str, now: datetime) -> RollbackResult:
        params = {"account": account_id, "job": job_id}
        # Conflicts first: once restored, a record's version moves on and would look changed.
        conflicts = [r[0] for r in self._tuples(sql_files.load(f"{DIALECT}jobs/rollback_conflicts.sql"), params)]
        restored = self._count(sql_files.load(f"{DIALECT}jobs/rollback_restore.sql"), {**params, "now": now})
        deleted = self._count(sql_files.load(f"{DIALECT}jobs/rollback_delete.sql"), params)
        return RollbackResult(deleted_count=deleted, restored_count=restored, conflicts=conflicts)
