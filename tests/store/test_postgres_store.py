"""What only the PostgreSQL store has to get right (migrations under concurrent starts, a clear error when the
server is away, the DuckDB-dialect sort the records router hands it, PostgreSQL's refusal of NUL), and the
sort order that both stores must agree on."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta

import polars as pl
import psycopg
import pytest

from coherence_pipelines.api.routers.modules import order_by
from coherence_pipelines.modules import builtin_modules
from coherence_pipelines.store.postgres.order_by import postgres_order_by
from coherence_pipelines.store.postgres.store import migrate

T0 = datetime(2024, 1, 15, 10, 30)


def test_migrations_apply_once_when_processes_start_together(postgres_url) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def start_up() -> None:
        try:
            start.wait()
            migrate(postgres_url)  # each on a connection of its own, as separate processes would be
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=start_up) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    migrate(postgres_url)  # and again later: nothing left to do
    with psycopg.connect(postgres_url) as con:
        versions = [r[0] for r in con.execute("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == sorted(set(versions)) and versions[0] == "postgres/store/001_schema.sql"
    assert "postgres/store/005_staged_uploads.sql" in versions


def test_an_unreachable_server_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="cannot reach PostgreSQL at 127.0.0.1:1/nothing"):
        migrate("postgresql://postgres:secret@127.0.0.1:1/nothing?connect_timeout=2")


@pytest.mark.parametrize(("duckdb_sql", "postgres_sql"), [
    ("created_at DESC, record_id DESC", 'created_at DESC NULLS LAST, record_id COLLATE "C" DESC NULLS LAST'),
    ("created_at, record_id", 'created_at ASC NULLS LAST, record_id COLLATE "C" ASC NULLS LAST'),
    ("lower(json_extract_string(data, '$.displayName')) ASC NULLS LAST, record_id ASC",
     "lower(data ->> 'displayName') COLLATE \"C\" ASC NULLS LAST, record_id COLLATE \"C\" ASC NULLS LAST"),
    ("TRY_CAST(json_extract_string(data, '$.employeeCount') AS DOUBLE) DESC NULLS LAST, record_id DESC",
     "coherence_try_double(data ->> 'employeeCount') DESC NULLS LAST, record_id COLLATE \"C\" DESC NULLS LAST"),
])
def test_the_routers_sort_is_translated(duckdb_sql: str, postgres_sql: str) -> None:
    assert postgres_order_by(duckdb_sql) == postgres_sql


@pytest.mark.parametrize("unsafe", ["created_at; DROP TABLE records", "json_extract_string(data, '$.a'' OR 1=1')",
                                    "pg_sleep(10)", "lower(json_extract_string(data, '$.x y'))"])
def test_anything_else_is_refused_not_passed_on(unsafe: str) -> None:
    with pytest.raises(ValueError):
        postgres_order_by(unsafe)


def test_both_stores_sort_a_page_alike(store) -> None:
    """Names sort case-insensitively in byte order, numbers as numbers (text that is none last), ties by id."""
    accounts = builtin_modules()["accounts"]
    docs = {"a1": {"displayName": "beta", "employeeCount": 10}, "a2": {"displayName": "Alpha", "employeeCount": 9},
            "a3": {"displayName": "_under", "employeeCount": "n/a"}, "a4": {"displayName": "Zulu"},
            "a5": {"displayName": "alpha", "employeeCount": 100.5}}
    with store.session() as session:
        acme = session.ensure_account("acme")
        for i, (rid, doc) in enumerate(docs.items()):
            session.insert_records(acme, pl.DataFrame({"record_id": [rid], "module": ["accounts"],
                                                       "data": [json.dumps(doc)]}), None, T0 + timedelta(seconds=i))

    def page(field: str | None, direction: str) -> list[str]:
        with store.session() as session:
            rows, total = session.list_records(acme, "accounts", 10, 0, order_by(accounts, field, direction))
        assert total == 5
        return [r["record_id"] for r in rows]

    assert page(None, "desc") == ["a5", "a4", "a3", "a2", "a1"]
    assert page("displayName", "asc") == ["a3", "a2", "a5", "a1", "a4"]
    assert page("displayName", "desc") == ["a4", "a1", "a5", "a2", "a3"]
    assert page("employeeCount", "desc") == ["a5", "a1", "a2", "a4", "a3"]
    assert page("employeeCount", "asc") == ["a2", "a1", "a5", "a3", "a4"]
    assert page("createdDateTime", "asc") == ["a1", "a2", "a3", "a4", "a5"]


def test_a_nul_character_does_not_break_a_write(store) -> None:
    """PostgreSQL refuses NUL in text and jsonb; its store drops it where DuckDB keeps it."""
    with store.session() as session:
        acme = session.ensure_account("acme")
        session.insert_records(acme, pl.DataFrame({"record_id": ["r1"], "module": ["contacts"],
                                                   "data": [json.dumps({"displayName": "A\x00B", "notes": "\\u0000"})]}),
                               None, T0)
        session.update_job("nope", {"errors": [{"value": "x\x00y"}]})
        data = json.loads(session.fetch_records(acme, ["r1"]).get_column("data")[0])
    assert data["displayName"] in ("AB", "A\x00B")
    assert data["notes"] == "\\u0000", "an escaped backslash followed by u0000 is text, and kept"


def test_a_snapshot_session_reads_one_snapshot_while_others_commit(store, request) -> None:
    """An export reads its rows in two steps; a record committed between them must not appear in the second.
    DuckDB's transactions are snapshots already; on PostgreSQL `snapshot=True` asks for one."""
    if request.node.callspec.params["store"] != "postgres":
        pytest.skip("the embedded store's sessions take turns: no other writer can commit meanwhile")
    with store.session() as session:
        acme = session.ensure_account("acme")

    def insert(record_id: str) -> None:
        with store.session() as other:
            other.insert_records(acme, pl.DataFrame({"record_id": [record_id], "module": ["contacts"],
                                                     "data": [json.dumps({"displayName": record_id})]}), None, T0)

    for record_id, snapshot in (("r1", True), ("r2", False)):
        with store.session(snapshot=snapshot) as session:
            before = session.count_records(acme, "contacts")
            insert(record_id)  # another connection commits between the two reads
            after = session.count_records(acme, "contacts")
        assert after == (before if snapshot else before + 1), (snapshot, before, after)
