"""The PostgreSQL session's export half: the records an export (or an update's merge) reads, saved reports and
export jobs (the same meaning as store/duckdb/export_tables.py; jsonb columns come back as Python values already)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl

from coherence_pipelines.store import sql_files
from coherence_pipelines.store.base import UPDATABLE_EXPORT_JOB_COLUMNS, UPDATABLE_REPORT_COLUMNS
from coherence_pipelines.store.match_keys import checked_slug
from coherence_pipelines.store.postgres.queries import Queries, jsonb

_SYSTEM = {"id": pl.String, "createdDateTime": pl.Datetime("us"), "updatedDateTime": pl.Datetime("us")}


class ExportTables(Queries):
    def completed_imports_since(self, since: datetime) -> list[dict[str, Any]]:
        return self._rows("SELECT job_id, account_id, module, completed_at FROM import_jobs "
                          "WHERE status = 'completed' AND completed_at > %s "
                          "ORDER BY completed_at, job_id COLLATE \"C\"", [since])

    def upload_ids_in_use(self) -> set[str]:
        rows = self._tuples("SELECT DISTINCT upload_id FROM import_jobs WHERE upload_id IS NOT NULL "
                            "AND status IN ('pending', 'processing')")
        return {r[0] for r in rows}

    def module_records(self, account_id: str, module: str) -> pl.DataFrame:
        return self._frame("SELECT record_id, data::text, created_at, updated_at FROM records "
                           "WHERE account_id = %(account)s AND module = %(module)s",
                           {"account": account_id, "module": module},
                           {"record_id": pl.String, "data": pl.String, "created_at": pl.Datetime("us"),
                            "updated_at": pl.Datetime("us")})

    def read_fields(self, account_id: str, module: str, fields: dict[str, pl.DataType],
                    record_ids: pl.Series | None = None) -> pl.DataFrame:
        params: dict[str, Any] = {"account": account_id, "module": module}
        columns = []
        for i, slug in enumerate(fields):
            params[f"f{i}"] = checked_slug(slug)
            # ->> gives a text field's value itself, with no JSON to decode.
            columns.append(f"data {'->>' if fields[slug] == pl.String else '->'} %(f{i})s")
        only = ""
        if record_ids is not None:
            params["ids"] = record_ids.cast(pl.String).to_list()
            only = "AND record_id = ANY(%(ids)s::text[])"
        sql = sql_files.render("postgres/records/read_fields.sql", fields="".join(f", {c}" for c in columns),
                               only=only)
        frame = self._frame(sql, params, {**_SYSTEM, **dict.fromkeys(fields, pl.String)})
        return frame.with_columns(pl.col(slug).str.json_decode(dtype) for slug, dtype in fields.items()
                                  if dtype != pl.String)

    # reports -------------------------------------------------------------------------------------
    def insert_report(self, report: dict[str, Any]) -> None:
        self.conn.execute("INSERT INTO reports VALUES (%s, %s, %s, %s, %s, %s, %s)",
                          [report["report_id"], report["account_id"], report["name"], report["module"],
                           jsonb(report["definition"]), report["created_at"], report["updated_at"]])

    def update_report(self, account_id: str, report_id: str, changes: dict[str, Any]) -> None:
        cols = [c for c in changes if c in UPDATABLE_REPORT_COLUMNS]
        values = [jsonb(changes[c]) if c == "definition" else changes[c] for c in cols]
        if cols:
            self.conn.execute(f"UPDATE reports SET {', '.join(f'{c} = %s' for c in cols)} "
                              "WHERE account_id = %s AND report_id = %s", [*values, account_id, report_id])

    def get_report(self, account_id: str, report_id: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM reports WHERE account_id = %s AND report_id = %s", [account_id, report_id])
        return rows[0] if rows else None

    def list_reports(self, account_id: str | None) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM reports WHERE %(account)s::text IS NULL OR account_id = %(account)s "
                          "ORDER BY created_at DESC, report_id COLLATE \"C\" DESC", {"account": account_id})

    def delete_report(self, account_id: str, report_id: str) -> bool:
        return self._count("DELETE FROM reports WHERE account_id = %s AND report_id = %s",
                           [account_id, report_id]) > 0

    # export jobs ---------------------------------------------------------------------------------
    def insert_export_job(self, job: dict[str, Any]) -> None:
        cols = list(job)
        values = [jsonb(job[c]) if c == "request" else job[c] for c in cols]
        self.conn.execute(f"INSERT INTO export_jobs ({', '.join(cols)}) VALUES ({', '.join('%s' for _ in cols)})",
                          values)

    def update_export_job(self, export_job_id: str, changes: dict[str, Any]) -> None:
        cols = [c for c in changes if c in UPDATABLE_EXPORT_JOB_COLUMNS]
        if cols:
            self.conn.execute(f"UPDATE export_jobs SET {', '.join(f'{c} = %s' for c in cols)} "
                              "WHERE export_job_id = %s", [*(changes[c] for c in cols), export_job_id])

    def claim_export_job(self, export_job_id: str, seen: dict[str, Any], now: datetime, runner: str) -> bool:
        return self.conn.execute(
            "UPDATE export_jobs SET status = 'processing', progress = 0, started_at = %s, runner = %s, "
            "heartbeat_at = %s WHERE export_job_id = %s AND status = %s "
            "AND started_at IS NOT DISTINCT FROM %s::timestamp",
            [now, runner, now, export_job_id, seen["status"], seen["started_at"]]).rowcount == 1

    def get_export_job(self, account_id: str | None, export_job_id: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM export_jobs WHERE export_job_id = %(id)s "
                          "AND (%(account)s::text IS NULL OR account_id = %(account)s)",
                          {"id": export_job_id, "account": account_id})
        return rows[0] if rows else None

    def list_export_jobs(self, account_id: str, limit: int) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM export_jobs WHERE account_id = %s "
                          "ORDER BY requested_at DESC, export_job_id COLLATE \"C\" DESC LIMIT %s", [account_id, limit])

    def export_jobs_to_expire(self, now: datetime) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM export_jobs WHERE status IN ('completed', 'failed') AND expires_at <= %s "
                          "ORDER BY expires_at", [now])

    def unfinished_export_jobs(self) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM export_jobs WHERE status IN ('pending', 'processing') "
                          "ORDER BY requested_at")
