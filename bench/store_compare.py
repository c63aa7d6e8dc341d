"""The record store on DuckDB and on PostgreSQL, side by side: the same imports through `ImportRunner`.

    .venv/bin/python bench/store_compare.py [--rows 50000] [--repeat 3] [--database-url postgresql://...] [--write]

For each store: a create import of N new contacts into an empty module, then an update import of the same
N people (match on email, prefer_import), then reading the module back as an export does; each figure is
the median of --repeat rounds, each on a fresh store. Prints a Markdown table; with --write, puts it in
docs/benchmarks.md under "PostgreSQL store" (the rest of that file is left alone). PostgreSQL runs in a
schema of its own, dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl
import psycopg

from coherence_pipelines.execution import ColumnMapping, ImportOptions, ImportRunner, ImportSource
from coherence_pipelines.modules import builtin_modules
from coherence_pipelines.settings import Settings
from coherence_pipelines.store import RecordStore, open_store

DEFAULT_URL = os.environ.get("COHERENCE_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
BENCHMARKS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
SECTION = "## PostgreSQL store"
MAPPING = [ColumnMapping("Name", "displayName"), ColumnMapping("Email", "email"),
           ColumnMapping("Phone", "phone", value_type="Mobile"), ColumnMapping("Title", "jobTitle"),
           ColumnMapping("City", "address", address_part="city")]


def people(n: int, title: str) -> pl.DataFrame:
    i = pl.int_range(n, eager=True).cast(pl.String)
    return pl.DataFrame({
        "Name": "Person " + i, "Email": "person" + i + "@example.com",
        "Phone": "+1 415 555 " + i.str.zfill(4).str.slice(-4), "Title": pl.Series([title] * n),
        "City": pl.Series(["Springfield", "Shelbyville"] * (n // 2) + ["Ogdenville"] * (n % 2)),
    }).with_row_index("_row", offset=1).with_columns(pl.col("_row").cast(pl.Int64))


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(f'CREATE SCHEMA "{schema}"')
    try:
        sep = "&" if "?" in url else "?"
        yield f"{url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(url, autocommit=True) as con:
            con.execute(f'DROP SCHEMA "{schema}" CASCADE')


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run(store: RecordStore, rows: int) -> dict[str, float]:
    with store.session() as session:
        account_id = session.ensure_account("bench")
    contacts = builtin_modules()["contacts"]

    def execute(strategy: str, title: str) -> None:
        runner = ImportRunner(store, account_id, contacts, ImportOptions(
            column_mapping=MAPPING, duplicate_strategy=strategy, duplicate_match_fields=["email"]))
        result = runner.execute(ImportSource(rows=people(rows, title)), max_rows=None)
        assert result["successRows"] == rows, result["errors"][:3]

    def read_back() -> None:
        with store.session() as session:
            assert session.module_records(account_id, "contacts").height == rows

    return {"create": timed(lambda: execute("skip", "Engineer")),
            "update": timed(lambda: execute("update", "Manager")),
            "read": timed(read_back)}


def duckdb_round(rows: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as home:
        store = open_store(Settings(home=Path(home), database_url=None))
        try:
            return run(store, rows)
        finally:
            store.close()


def postgres_round(rows: int, database_url: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as home, postgres_schema(database_url) as url:
        store = open_store(Settings(home=Path(home), database_url=url))
        try:
            return run(store, rows)
        finally:
            store.close()


def median(rounds: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}


def table(rows: int, repeat: int, figures: dict[str, dict[str, float]]) -> str:
    lines = [f"{rows:,} contacts through `ImportRunner` (in its own chunks), median of {repeat} rounds, "
             f"Python {platform.python_version()}, {os.cpu_count()} cores, PostgreSQL on the same machine"
             f" (load average {os.getloadavg()[0]:.1f} when the run ended); `bench/store_compare.py`.", "",
             "| store | create import | update import (match on email) | read the module back (export) |",
             "|---|---|---|---|"]
    for name, f in figures.items():
        lines.append(f"| {name} | {f['create']:.2f} s ({rows / f['create']:,.0f} rows/s) "
                     f"| {f['update']:.2f} s ({rows / f['update']:,.0f} rows/s) | {f['read']:.2f} s |")
    return "\n".join(lines)


def write_section(text: str) -> None:
    body = f"{SECTION}\n\n{text}\n"
    if not BENCHMARKS.exists():
        BENCHMARKS.parent.mkdir(parents=True, exist_ok=True)
        BENCHMARKS.write_text(f"# Benchmarks\n\n{body}")
        return
    current = BENCHMARKS.read_text()
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    updated = pattern.sub(lambda _: body + "\n", current) if pattern.search(current) else \
        current.rstrip("\n") + "\n\n" + body
    BENCHMARKS.write_text(updated)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    rounds: dict[str, list[dict[str, float]]] = {"DuckDB (embedded file)": [], "PostgreSQL 15 (server mode)": []}
    for _ in range(args.repeat):  # interleaved, so a busy moment of the machine hits both stores alike
        rounds["DuckDB (embedded file)"].append(duckdb_round(args.rows))
        rounds["PostgreSQL 15 (server mode)"].append(postgres_round(args.rows, args.database_url))
    text = table(args.rows, args.repeat, {name: median(r) for name, r in rounds.items()})
    print(text)
    if args.write:
        write_section(text)


if __name__ == "__main__":
    main()
