"""The PostgreSQL session's mapping memory: recent saved mappings and named mapping templates (the same
meaning as store/duckdb/mapping_tables.py)."""

from __future__ import annotations

from typing import Any

from coherence_pipelines.store.postgres.queries import Queries, jsonb

TEMPLATE_COLUMNS = ("headers", "column_mapping", "encoding", "delimiter", "date_order")
_UTC_NOW = "timezone('UTC', now())"


class MappingTables(Queries):
    def recent_mappings(self, account_id: str, module: str, limit: int) -> list[dict[str, Any]]:
        return self._rows(
            "SELECT headers, column_mapping, import_job_id, saved_at, encoding, delimiter, date_order FROM ("
            "SELECT DISTINCT ON (headers_key) * FROM saved_mappings WHERE account_id = %s AND module = %s "
            "ORDER BY headers_key, saved_at DESC, seq DESC) AS latest "
            "ORDER BY saved_at DESC, seq DESC LIMIT %s", [account_id, module, limit])

    def save_template(self, account_id: str, module: str, name: str, template: dict[str, Any]) -> None:
        values = [jsonb(template.get(c)) if c in ("headers", "column_mapping") else template.get(c)
                  for c in TEMPLATE_COLUMNS]
        self.conn.execute(
            f"INSERT INTO mapping_templates VALUES (%s, %s, %s, %s, %s, %s, %s, %s, {_UTC_NOW}, {_UTC_NOW}) "
            "ON CONFLICT (account_id, module, name) DO UPDATE SET headers = excluded.headers, "
            "column_mapping = excluded.column_mapping, encoding = excluded.encoding, "
            "delimiter = excluded.delimiter, date_order = excluded.date_order, updated_at = excluded.updated_at",
            [account_id, module, name, *values])

    def mapping_templates(self, account_id: str, module: str) -> list[dict[str, Any]]:
        return self._rows("SELECT name, headers, column_mapping, encoding, delimiter, date_order, created_at, "
                          "updated_at FROM mapping_templates WHERE account_id = %s AND module = %s "
                          "ORDER BY name COLLATE \"C\"", [account_id, module])

    def delete_template(self, account_id: str, module: str, name: str) -> bool:
        return self._count("DELETE FROM mapping_templates WHERE account_id = %s AND module = %s AND name = %s",
                           [account_id, module, name]) > 0
