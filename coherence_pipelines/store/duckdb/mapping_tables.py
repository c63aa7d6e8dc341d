"""The DuckDB session's mapping memory: recent saved mappings and named mapping templates."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import duckdb

TEMPLATE_COLUMNS = ("headers", "column_mapping", "encoding", "delimiter", "date_order")


class MappingTables:
    con: duckdb.DuckDBPyConnection

    _rows: Callable[..., list[dict[str, Any]]]  # the session's: a query's rows as dicts

    def recent_mappings(self, account_id: str, module: str, limit: int) -> list[dict[str, Any]]:
        rows = self._rows(
            "SELECT headers, column_mapping, import_job_id, saved_at, encoding, delimiter, date_order "
            "FROM saved_mappings WHERE account_id = ? AND module = ? "
            "QUALIFY row_number() OVER (PARTITION BY headers_key ORDER BY saved_at DESC, rowid DESC) = 1 "
            "ORDER BY saved_at DESC LIMIT ?", [account_id, module, limit])
        return [_decoded(r) for r in rows]

    def save_template(self, account_id: str, module: str, name: str, template: dict[str, Any]) -> None:
        values = [json.dumps(template.get(c)) if c in ("headers", "column_mapping") else template.get(c)
                  for c in TEMPLATE_COLUMNS]
        self.con.execute(
            "INSERT INTO mapping_templates VALUES (?, ?, ?, ?, ?, ?, ?, ?, now(), now()) "
            "ON CONFLICT (account_id, module, name) DO UPDATE SET headers = excluded.headers, "
            "column_mapping = excluded.column_mapping, encoding = excluded.encoding, "
            "delimiter = excluded.delimiter, date_order = excluded.date_order, updated_at = now()",
            [account_id, module, name, *values])

    def mapping_templates(self, account_id: str, module: str) -> list[dict[str, Any]]:
        rows = self._rows("SELECT name, headers, column_mapping, encoding, delimiter, date_order, created_at, "
                          "updated_at FROM mapping_templates WHERE account_id = ? AND module = ? ORDER BY name",
                          [account_id, module])
        return [_decoded(r) for r in rows]

    def delete_template(self, account_id: str, module: str, name: str) -> bool:
        return bool(self.con.execute("DELETE FROM mapping_templates WHERE account_id = ? AND module = ? AND name = ? "
                                     "RETURNING name", [account_id, module, name]).fetchall())


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    for c in ("headers", "column_mapping"):
        row[c] = json.loads(row[c]) if isinstance(row[c], str) else row[c]
    return row
