"""What every part of the PostgreSQL session shares: one connection in one transaction, and the ways data
crosses it in bulk (COPY in from polars frames, COPY out into polars frames)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

import polars as pl
import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

# PostgreSQL's text and jsonb refuse the NUL character, which DuckDB keeps: it is dropped. In JSON text a
# `\\` pair is consumed whole first, so only a real `\u0000` escape is removed, never an escaped backslash.
_NUL_ESCAPE = r"(\\\\)|\\u0000"
_NUL_ESCAPE_RE = re.compile(_NUL_ESCAPE)


def json_text(series: pl.Series) -> pl.Series:
    """JSON documents as PostgreSQL takes them."""
    return series.str.replace_all(_NUL_ESCAPE, "${1}")


def jsonb(value: Any) -> Jsonb:
    """A Python value for a jsonb parameter."""
    return Jsonb(value, dumps=lambda v: _NUL_ESCAPE_RE.sub(r"\1", json.dumps(v)))


class Queries:
    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def _rows(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        with self.conn.cursor(row_factory=dict_row) as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    def _first(self, sql: str, params: Any = None) -> tuple | None:
        with self.conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchone()

    def _tuples(self, sql: str, params: Any = None) -> list[tuple]:
        with self.conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    def _count(self, sql: str, params: Any = None) -> int:
        """How many rows a data-changing statement touched."""
        with self.conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.rowcount

    def _frame(self, sql: str, params: Any, schema: dict[str, pl.DataType]) -> pl.DataFrame:
        """The result of `sql` as a polars frame. COPY out as CSV and polars' reader: about twice as fast as
        fetching tuples and building the frame from them (measured on 200,000 records)."""
        buf = bytearray()
        with self.conn.cursor() as cur, cur.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params) as copy:
            for block in copy:
                buf += block
        if not buf:
            return pl.DataFrame(schema=schema)
        return pl.read_csv(bytes(buf), has_header=False, new_columns=list(schema), schema=schema)

    def _copy_in(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        with self.conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def _temp_table(self, name: str, columns: str, frame: pl.DataFrame) -> None:
        """`frame` as the temporary table `name` (columns: its DDL, in the frame's column order) until commit."""
        self.conn.execute(f"DROP TABLE IF EXISTS pg_temp.{name}")
        self.conn.execute(f"CREATE TEMP TABLE {name} ({columns}) ON COMMIT DROP")
        self._copy_in(name, frame.columns, frame.iter_rows())
