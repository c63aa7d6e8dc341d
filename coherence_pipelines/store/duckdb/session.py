"""One unit of work on the DuckDB store: accounts and keys, records, jobs, lineage and rollback."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from typing import Any

import duckdb
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
from coherence_pipelines.store.duckdb.export_tables import ExportTables
from coherence_pipelines.store.duckdb.mapping_tables import MappingTables
from coherence_pipelines.store.match_keys import checked_slug, key_union

JOB_JSON_COLUMNS = ("options", "errors", "reference_warnings")


def _utc_naive(ts: datetime) -> datetime:
    return ts.astimezone(UTC).replace(tzinfo=None) if ts.tzinfo else ts


class DuckDBSession(ExportTables, MappingTables, StoreSession):
    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    @contextmanager
    def _registered(self, name: str, frame: pl.DataFrame) -> Iterator[None]:
        """`frame` visible to SQL as `name` for the block (a DuckDB replacement view)."""
        self.con.register(name, frame)
        try:
            yield
        finally:
            # In an aborted transaction unregistering fails too; the first error is the one to report.
            with suppress(duckdb.Error):
                self.con.unregister(name)

    def _first(self, sql: str, params: Any = None) -> tuple | None:
        # DuckDB 2.0 wants every result read to its end before the next statement: fetchall, then pick.
        rows = self.con.execute(sql, params or []).fetchall()
        return rows[0] if rows else None

    def _rows(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        cur = self.con.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    # accounts and keys ---------------------------------------------------------------------------
    def ensure_account(self, name: str) -> str:
        existing = self.account_id_by_name(name)
        if existing:
            return existing
        account_id = f"acc_{secrets.token_hex(6)}"
        self.con.execute("INSERT INTO accounts VALUES (?, ?, NULL, now())", [account_id, name])
        return account_id

    def account_id_by_name(self, name: str) -> str | None:
        row = self._first("SELECT account_id FROM accounts WHERE name = ?", [name])
        return row[0] if row else None

    def add_api_key(self, account_id: str, key_id: str, key_hash: str, scopes: tuple[str, ...]) -> None:
        self.con.execute("INSERT INTO api_keys VALUES (?, ?, ?, ?, now())",
                         [key_id, account_id, key_hash, ",".join(scopes)])

    def api_key(self, key_id: str) -> tuple[str, str, str, frozenset[str]] | None:
        row = self._first("SELECT k.account_id, a.name, k.key_hash, k.scopes FROM api_keys k "
                          "JOIN accounts a USING (account_id) WHERE k.key_id = ?", [key_id])
        return (row[0], row[1], row[2], frozenset(row[3].split(","))) if row else None

    def custom_modules(self, account_id: str) -> dict[str, Any]:
        row = self._first("SELECT custom_modules FROM accounts WHERE account_id = ?", [account_id])
        return json.loads(row[0]) if row and row[0] else {}

    def save_custom_modules(self, account_id: str, definition: dict[str, Any]) -> None:
        self.con.execute("UPDATE accounts SET custom_modules = ? WHERE account_id = ?",
                         [json.dumps(definition), account_id])

    def save_mapping(self, account_id: str, module: str, headers: list[str], column_mapping: list[dict[str, Any]],
                     import_job_id: str | None, file_settings: dict[str, str | None] | None = None) -> None:
        fs = file_settings or {}
        self.con.execute("INSERT INTO saved_mappings (account_id, module, headers_key, headers, column_mapping, "
                         "import_job_id, saved_at, encoding, delimiter, date_order) "
                         "VALUES (?, ?, ?, ?, ?, ?, now(), ?, ?, ?)",
                         [account_id, module, headers_key(headers), json.dumps(headers), json.dumps(column_mapping),
                          import_job_id, fs.get("encoding"), fs.get("delimiter"), fs.get("date_order")])

    # records -------------------------------------------------------------------------------------
    def lock_modules(self, account_id: str, modules: list[str]) -> None:
        # Nothing to take: the store's file lock already gives every session the whole file to itself, so
        # one import's match-and-write of a chunk never interleaves with another's.
        return None

    def find_matches(self, account_id: str, module: str, incoming: pl.DataFrame, fields: list[MatchField],
                     changed_since: ChangedSince | None = None) -> pl.DataFrame:
        params: dict[str, Any] = {"account": account_id, "module": module}
        recent = ""
        if changed_since is not None:
            recent = " AND updated_at > $since"
            params["since"] = _utc_naive(changed_since.since)
        existing = ("(SELECT record_id AS id, created_at, data FROM records "
                    f"WHERE account_id = $account AND module = $module{recent})")
        sql = sql_files.render("records/match_keys.sql", incoming_keys=key_union(fields, "incoming_rows"),
                               existing_keys=key_union(fields, existing, "created_at"), field_count=len(fields))
        with self._registered("incoming_rows", incoming.select("id", "data")):
            return self.con.sql(sql, params=params).pl()

    def count_changed(self, account_id: str, module: str, changed_since: ChangedSince) -> int:
        return self._first("SELECT count(*) FROM records WHERE account_id = ? AND module = ? AND updated_at > ?",
                           [account_id, module, _utc_naive(changed_since.since)])[0]

    def lookup_references(self, account_id: str, module: str, keys: list[str]) -> dict[str, list[str]]:
        if not keys:
            return {}
        extra = ""
        for slug in REFERENCE_MATCH_BY.get(module, ("displayName",)):
            if slug == "displayName":
                continue
            path = f"$.{checked_slug(slug)}[*].value" if slug == "email" else f"$.{checked_slug(slug)}"
            value = "unnest(json_extract_string(data, '" + path + "'))" if slug == "email" \
                else "json_extract_string(data, '" + path + "')"
            extra += (f" UNION ALL SELECT record_id, created_at, lower(trim({value})) FROM records "
                      "WHERE account_id = $account AND module = $module")
        wanted = pl.DataFrame({"key": keys}, schema={"key": pl.String})
        with self._registered("wanted", wanted):
            rows = self.con.sql(sql_files.render("records/reference_lookup.sql", extra_keys=extra),
                                params={"account": account_id, "module": module}).fetchall()
        return {key: list(ids) for key, ids in rows}

    def fetch_records(self, account_id: str, record_ids: list[str]) -> pl.DataFrame:
        ids = pl.DataFrame({"record_id": record_ids}, schema={"record_id": pl.String})
        with self._registered("wanted_ids", ids):
            return self.con.sql(
                "SELECT r.record_id, r.module, r.data::VARCHAR AS data, r.version, r.created_at, r.updated_at, "
                "r.created_by_import_job_id FROM records r SEMI JOIN wanted_ids w USING (record_id) "
                "WHERE r.account_id = $account", params={"account": account_id}).pl()

    def insert_records(self, account_id: str, records: pl.DataFrame, job_id: str | None, now: datetime) -> None:
        if records.is_empty():
            return
        # Merging into {} drops the null fields: a record keeps only what it has.
        with self._registered("new_records", records.select("record_id", "module", "data")):
            self.con.execute(
                "INSERT INTO records SELECT record_id, $account, module, json_extract_string(data, '$.displayName'), "
                "json_merge_patch('{}', data::JSON), 1, $now, $now, $job FROM new_records",
                {"account": account_id, "now": _utc_naive(now), "job": job_id})

    def update_records(self, account_id: str, records: pl.DataFrame, now: datetime, *, keep_nulls: bool = False,
                       lineage: UpdateLineage | None = None) -> int:
        if records.is_empty():
            return 0
        # Merging a patch into {} drops its nulls (RFC 7386): what is left sets fields and leaves the rest.
        patch = "json_merge_patch('{}', c.data::JSON)" if keep_nulls else "c.data::JSON"
        with self._registered("changed_records", records.select("record_id", "data")):
            # The records are found among the module's once, by id; the lineage and the update then reach
            # them by row id, which holds for the rest of this transaction (a third faster than two joins
            # on the id over every record).
            self.con.execute("CREATE OR REPLACE TEMP TABLE update_targets AS SELECT r.rowid AS target, c.data "
                             "FROM records r JOIN changed_records c USING (record_id) WHERE r.account_id = $account",
                             {"account": account_id})
        try:
            if lineage is not None:
                self.con.execute(
                    "INSERT INTO import_lineage SELECT $job, r.record_id, $module, 'updated', r.data, r.version, "
                    "r.version + 1, $chunk FROM records r JOIN update_targets t ON r.rowid = t.target",
                    {"job": lineage.job_id, "module": lineage.module, "chunk": lineage.chunk})
            # The changes are a JSON merge patch: fields they set replace, fields they null are removed (with
            # no keep_nulls), fields they leave out are untouched. The name changes only when the patch names it.
            # No RETURNING: handing back the rows of a 100,000-record update cost a quarter of its time.
            return self._first(
                "UPDATE records AS r SET data = json_merge_patch(r.data, c.patch), "
                "display_name = CASE WHEN json_exists(c.patch, '$.displayName') "
                "THEN json_extract_string(c.patch, '$.displayName') ELSE r.display_name END, "
                f"version = r.version + 1, updated_at = $now FROM (SELECT target, {patch} AS patch "
                "FROM update_targets c) c WHERE r.rowid = c.target", {"now": _utc_naive(now)})[0]
        finally:
            with suppress(duckdb.Error):  # in an aborted transaction the first error is the one to report
                self.con.execute("DROP TABLE IF EXISTS update_targets")

    def list_records(self, account_id: str, module: str, limit: int, offset: int,
                     order_by: str) -> tuple[list[dict[str, Any]], int]:
        sql = sql_files.render("records/list_records.sql", order_by=order_by)
        rows = self._rows(sql, {"account": account_id, "module": module, "limit": limit, "offset": offset})
        total = rows[0]["total"] if rows else self.count_records(account_id, module)
        return rows, total

    def count_records(self, account_id: str, module: str) -> int:
        return self._first("SELECT count(*) FROM records WHERE account_id = ? AND module = ?", [account_id, module])[0]

    def display_names(self, account_id: str, record_ids: list[str]) -> dict[str, str | None]:
        if not record_ids:
            return {}
        # The display_name column is kept in step with the document by every write: no JSON to parse.
        ids = pl.DataFrame({"record_id": record_ids}, schema={"record_id": pl.String})
        with self._registered("wanted_ids", ids):
            rows = self.con.execute("SELECT r.record_id, r.display_name FROM records r SEMI JOIN wanted_ids w "
                                    "USING (record_id) WHERE r.account_id = ?", [account_id]).fetchall()
        return dict(rows)

    # jobs and lineage ----------------------------------------------------------------------------
    def insert_job(self, job: dict[str, Any]) -> None:
        cols = list(job)
        values = [json.dumps(job[c]) if c in JOB_JSON_COLUMNS else job[c] for c in cols]
        self.con.execute(f"INSERT INTO import_jobs ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
                         values)

    def update_job(self, job_id: str, changes: dict[str, Any]) -> None:
        if not changes:
            return
        cols = list(changes)
        values = [json.dumps(changes[c]) if c in JOB_JSON_COLUMNS else changes[c] for c in cols]
        self.con.execute(f"UPDATE import_jobs SET {', '.join(f'{c} = ?' for c in cols)} WHERE job_id = ?",
                         [*values, job_id])

    def get_job(self, account_id: str, job_id: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM import_jobs WHERE account_id = ? AND job_id = ?", [account_id, job_id])
        return self._decode_job(rows[0]) if rows else None

    def list_jobs(self, account_id: str, module: str, limit: int) -> list[dict[str, Any]]:
        rows = self._rows("SELECT * FROM import_jobs WHERE account_id = ? AND module = ? "
                          "ORDER BY created_at DESC, job_id DESC LIMIT ?", [account_id, module, limit])
        return [self._decode_job(r) for r in rows]

    @staticmethod
    def _decode_job(row: dict[str, Any]) -> dict[str, Any]:
        for c in JOB_JSON_COLUMNS:
            row[c] = json.loads(row[c]) if row[c] else None
        return row

    def add_lineage(self, lineage: pl.DataFrame) -> None:
        if lineage.is_empty():
            return
        with self._registered("new_lineage", lineage):
            self.con.execute(
                "INSERT INTO import_lineage SELECT job_id, record_id, module, action, before_data::JSON, "
                "before_version, after_version, chunk FROM new_lineage")

    def job_lineage(self, job_id: str) -> pl.DataFrame:
        return self.con.sql("SELECT record_id, module, action FROM import_lineage WHERE job_id = $job "
                            "ORDER BY chunk, action, record_id", params={"job": job_id}).pl()

    def rollback(self, account_id: str, job_id: str, now: datetime) -> RollbackResult:
        params = {"account": account_id, "job": job_id}
        # Conflicts first: once restored, a record's version moves on and would look changed.
        conflicts = [r[0] for r in self.con.execute(sql_files.load("jobs/rollback_conflicts.sql"), params).fetchall()]
        restored = self._first(sql_files.load("jobs/rollback_restore.sql"), {**params, "now": _utc_naive(now)})[0]
        deleted = self._first(
            "DELETE FROM records WHERE account_id = $account AND record_id IN "
            "(SELECT record_id FROM import_lineage WHERE job_id = $job AND action = 'created')", params)[0]
        return RollbackResult(deleted_count=deleted, restored_count=restored, conflicts=conflicts)
