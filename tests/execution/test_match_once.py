"""A large import matches every row once, before its chunks; each chunk rechecks only what other writers
changed since. The result must be the same as matching chunk by chunk: no duplicate, no lost row."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import polars as pl
import pytest

from coherence_pipelines.execution import ColumnMapping, ImportOptions, ImportRunner, ImportSource, rows_frame
from coherence_pipelines.execution.jobs import utcnow
from coherence_pipelines.execution.runner import chunk_rows
from coherence_pipelines.modules import builtin_modules
from coherence_pipelines.settings import CHUNK_ROWS, MAX_CHUNK_ROWS
from coherence_pipelines.store import RecordStore

MAPPING = [ColumnMapping("Name", "displayName"), ColumnMapping("Email", "email"), ColumnMapping("Title", "jobTitle")]
CONTACTS = builtin_modules()["contacts"]


def people(start: int, n: int, title: str) -> list[dict[str, Any]]:
    return [{"Name": f"Person {i}", "Email": f"P{i}@example.com", "Title": title} for i in range(start, start + n)]


def seed(store: RecordStore, account_id: str, emails: list[str], title: str = "Seeded") -> None:
    docs = [json.dumps({"displayName": e, "email": [{"value": e, "type": "Work"}], "jobTitle": title}) for e in emails]
    frame = pl.DataFrame({"record_id": [f"rec_seed_{e}" for e in emails], "module": ["contacts"] * len(emails),
                          "data": docs})
    with store.session() as session:
        session.insert_records(account_id, frame, None, utcnow())


def by_email(store: RecordStore, account_id: str) -> dict[str, list[dict]]:
    with store.session() as session:
        frame = session.module_records(account_id, "contacts")
    out: dict[str, list[dict]] = {}
    for record_id, data in frame.select("record_id", "data").iter_rows():
        doc = json.loads(data)
        out.setdefault(doc["email"][0]["value"].lower(), []).append({**doc, "_id": record_id})
    return out


@pytest.fixture
def acme(store: RecordStore) -> str:
    with store.session() as session:
        return session.ensure_account("acme")


def test_chunk_size_grows_with_large_imports_and_stays_bounded():
    assert chunk_rows(10) == CHUNK_ROWS and chunk_rows(20_000) == CHUNK_ROWS and chunk_rows(50_000) == 12_500
    assert chunk_rows(200_000) == 50_000 and chunk_rows(1_000_000) == MAX_CHUNK_ROWS
    assert chunk_rows(50_000_000) == MAX_CHUNK_ROWS


def test_a_record_another_writer_creates_mid_import_is_updated_not_duplicated(store, acme):
    n = 3 * CHUNK_ROWS  # three chunks, matched once up front
    seed(store, acme, [f"p{i}@example.com" for i in range(0, n, 2)])  # every even person exists already
    late = f"p{n - 1}@example.com"  # in the last chunk, unknown when the import matched its rows

    def another_writer(progress: dict[str, Any]) -> None:
        if progress["processedRows"] == CHUNK_ROWS:
            seed(store, acme, [late], title="Created meanwhile")

    runner = ImportRunner(store, acme, CONTACTS, ImportOptions(column_mapping=MAPPING, duplicate_strategy="update"))
    result = runner.execute(ImportSource(rows=rows_frame(people(0, n, "Imported"))), max_rows=None,
                            on_progress=another_writer)
    assert result["status"] == "completed"
    assert (result["updatedRows"], result["createdRows"]) == (n // 2 + 1, n // 2 - 1)
    records = by_email(store, acme)
    assert len(records) == n and all(len(v) == 1 for v in records.values())
    assert records[late][0]["_id"] == f"rec_seed_{late}" and records[late][0]["jobTitle"] == "Imported"
    assert records["p0@example.com"][0]["jobTitle"] == "Imported"


def test_a_matched_record_deleted_mid_import_makes_its_row_a_new_record(store, acme):
    n = 2 * CHUNK_ROWS
    gone = f"p{n - 2}@example.com"
    seed(store, acme, [f"p{i}@example.com" for i in range(0, n - 2, 2)])
    earlier = ImportRunner(store, acme, CONTACTS, ImportOptions(column_mapping=MAPPING)).execute(
        ImportSource(rows=rows_frame([{"Name": "Gone", "Email": gone, "Title": "Earlier"}])))

    def another_writer(progress: dict[str, Any]) -> None:
        if progress["processedRows"] == CHUNK_ROWS:  # the earlier import is rolled back meanwhile
            with store.session() as session:
                session.rollback(acme, earlier["importJobId"], utcnow())

    runner = ImportRunner(store, acme, CONTACTS, ImportOptions(column_mapping=MAPPING, duplicate_strategy="update"))
    result = runner.execute(ImportSource(rows=rows_frame(people(0, n, "Imported"))), max_rows=None,
                            on_progress=another_writer)
    assert result["successRows"] == n and result["createdRows"] == n // 2 + 1
    records = by_email(store, acme)
    assert len(records) == n and records[gone][0]["jobTitle"] == "Imported"


def test_a_writer_whose_clock_is_behind_is_still_seen_on_postgresql(store, acme, monkeypatch, request):
    """Server mode: another machine, its clock ten seconds behind, imports a record mid-import. Write times
    and the recheck both come from the database's clock, so the record is updated, not duplicated."""
    if request.node.callspec.params["store"] != "postgres":
        pytest.skip("the embedded store lives on one machine: its writers share one clock")
    import coherence_pipelines.execution.jobs as jobs_module

    n = 3 * CHUNK_ROWS
    seed(store, acme, [f"p{i}@example.com" for i in range(0, n, 2)])
    late = f"p{n - 1}@example.com"
    real_utcnow = jobs_module.utcnow

    def another_machine(progress: dict[str, Any]) -> None:
        if progress["processedRows"] == CHUNK_ROWS:
            with monkeypatch.context() as behind:
                lagging = lambda: real_utcnow() - timedelta(seconds=10)  # noqa: E731
                for module in ("jobs", "runner", "chunk"):  # wherever this machine's clock is read
                    behind.setattr(f"coherence_pipelines.execution.{module}.utcnow", lagging, raising=False)
                ImportRunner(store, acme, CONTACTS, ImportOptions(column_mapping=MAPPING)).execute(
                    ImportSource(rows=rows_frame([{"Name": "Late", "Email": late, "Title": "Created meanwhile"}])))

    runner = ImportRunner(store, acme, CONTACTS, ImportOptions(column_mapping=MAPPING, duplicate_strategy="update"))
    result = runner.execute(ImportSource(rows=rows_frame(people(0, n, "Imported"))), max_rows=None,
                            on_progress=another_machine)
    assert (result["updatedRows"], result["createdRows"]) == (n // 2 + 1, n // 2 - 1)
    records = by_email(store, acme)
    assert len(records) == n and all(len(v) == 1 for v in records.values())
    assert records[late][0]["jobTitle"] == "Imported"
