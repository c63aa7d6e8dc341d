"""The DuckDB session's export half: the records an export (or an update's merge) reads, saved reports and
export jobs."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

import duckdb
import polars as pl

from coherence_pipelines.store import sql_files
from coherence_pipelines.store.base import UPDATABLE_EXPORT_JOB_COLUMNS, UPDATABLE_REPORT_COLUMNS
from coherence_pipelines.store.duckdb.json_types import json_structure


class ExportTables:
    con: duckdb.DuckDBPyConnection

    _rows: Callable[..., list[dict[str, Any]]]  # the session's: a query's rows as dicts
    _registered: Callable[[str, pl.DataFrame], AbstractContextManager[None]]  # the session's: a frame as a view

    def completed_imports_since(self, since: datetime) -> list[dict[str, Any]]:
        return self._rows("SELECT job_id, account_id, module, completed_at FROM import_jobs "
                          "WHERE status = 'completed' AND completed_at > ? ORDER BY completed_at, job_id", [since])

    def upload_ids_in_use(self) -> set[str]:
        rows = self.con.execute("SELECT DISTINCT upload_id FROM import_jobs WHERE upload_id IS NOT NULL "
                                "AND status IN ('pending', 'processing')").fetchall()
        return {r[0] for r in rows}

    def module_records(self, account_id: str, module: str) -> pl.DataFrame:
        return self.con.sql("SELECT record_id, data::VARCHAR AS data, created_at, updated_at FROM records "
                            "WHERE account_id = $account AND module = $module",
                            params={"account": account_id, "module": module}).pl()

    def read_fields(self, account_id: str, module: str, fields: dict[str, pl.DataType],
                    record_ids: pl.Series | None = None) -> pl.DataFrame:
        params: dict[str, Any] = {"account": account_id, "module": module}
        columns = ""
        if fields:
            params["structure"] = json_structure(fields)
            columns = ", unnest(json_transform(r.data, $structure))"
        if record_ids is None:
            frame = self.con.sql(sql_files.render("records/read_fields.sql", fields=columns, only=""),
                                 params=params).pl()
        else:
            sql = sql_files.render("records/read_fields.sql", fields=columns,
                                   only="SEMI JOIN wanted_ids w USING (record_id)")
            with self._registered("wanted_ids", record_ids.cast(pl.String).rename("record_id").to_frame()):
                frame = self.con.sql(sql, params=params).pl()
        # json_transform gives these dtypes already; the cast pins them for an empty result too.
        return frame.cast(dict(fields))  # type: ignore[arg-type]

    # reports -------------------------------------------------------------------------------------
    def insert_report(self, report: dict[str, Any]) -> None:
        self.con.execute("INSERT INTO reports VALUES (?, ?, ?, ?, ?, ?, ?)",
                         [report["report_id"], report["account_id"], report["name"], report["module"],
                          json.dumps(report["definition"]), report["created_at"], report["updated_at"]])

    def update_report(self, account_id: str, report_id: str, changes: dict[str, Any]) -> None:
        cols = [c for c in changes if c in UPDATABLE_REPORT_COLUMNS]
        values = [json.dumps(changes[c]) if c == "definition" else changes[c] for c in cols]
        if cols:
            self.con.execute(f"UPDATE reports SET {', '.join(f'{c} = ?' for c in cols)} "
                             "WHERE account_id = ? AND report_id = ?", [*values, account_id, report_id])

    def get_report(self, account_id: str, report_id: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM reports WHERE account_id = ? AND report_id = ?", [account_id, report_id])
        return _decode(rows[0], "definition") if rows else None

    def list_reports(self, account_id: str | None) -> list[dict[str, Any]]:
        rows = self._rows("SELECT * FROM reports WHERE ? IS NULL OR account_id = ? "
                          "ORDER BY created_at DESC, report_id DESC", [account_id, account_id])
        return [_decode(r, "definition") for r in rows]

    def delete_report(self, account_id: str, report_id: str) -> bool:
        rows = self.con.execute("DELETE FROM reports WHERE account_id = ? AND report_id = ? RETURNING report_id",
                                [account_id, report_id]).fetchall()
        return bool(rows)

    # export jobs ---------------------------------------------------------------------------------
    def insert_export_job(self, job: dict[str, Any]) -> None:
        cols = list(job)
        values = [json.dumps(job[c]) if c == "request" else job[c] for c in cols]
        self.con.execute(f"INSERT INTO export_jobs ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
                         values)

    def update_export_job(self, export_job_id: str, changes: dict[str, Any]) -> None:
        cols = [c for c in changes if c in UPDATABLE_EXPORT_JOB_COLUMNS]
        if cols:
            self.con.execute(f"UPDATE export_jobs SET {', '.join(f'{c} = ?' for c in cols)} WHERE export_job_id = ?",
                             [*(changes[c] for c in cols), export_job_id])

    def claim_export_job(self, export_job_id: str, seen: dict[str, Any], now: datetime, runner: str) -> bool:
        return bool(self.con.execute(
            "UPDATE export_jobs SET status = 'processing', progress = 0, started_at = ?, runner = ?, heartbeat_at = ? "
            "WHERE export_job_id = ? AND status = ? AND started_at IS NOT DISTINCT FROM ? RETURNING export_job_id",
            [now, runner, now, export_job_id, seen["status"], seen["started_at"]]).fetchall())

    def get_export_job(self, account_id: str | None, export_job_id: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM export_jobs WHERE export_job_id = ? AND (? IS NULL OR account_id = ?)",
                          [export_job_id, account_id, account_id])
        return _decode(rows[0], "request") if rows else None

    def list_export_jobs(self, account_id: str, limit: int) -> list[dict[str, Any]]:
        rows = self._rows("SELECT * FROM export_jobs WHERE account_id = ? "
                          "ORDER BY requested_at DESC, export_job_id DESC LIMIT ?", [account_id, limit])
        return [_decode(r, "request") for r in rows]

    def export_jobs_to_expire(self, now: datetime) -> list[dict[str, Any]]:
        rows = self._rows("SELECT * FROM export_jobs WHERE status IN ('completed', 'failed') AND expires_at <= ? "
                          "ORDER BY expires_at", [now])
        return [_decode(r, "request") for r in rows]

    def unfinished_export_jobs(self) -> list[dict[str, Any]]:
        rows = self._rows("SELECT * FROM export_jobs WHERE status IN ('pending', 'processing') "
                          "ORDER BY requested_at")
        return [_decode(r, "request") for r in rows]


def _decode(row: dict[str, Any], column: str) -> dict[str, Any]:
    row[column] = json.loads(row[column]) if isinstance(row[column], str) else row[column]
    return row
