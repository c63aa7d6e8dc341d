"""ImportRunner on a real DuckDB store: strategies, in-file duplicates, skipValidation, chunking with progress,
a failure inside a chunk, and rolling the job back."""

from __future__ import annotations

import json
from typing import Any

import polars as pl
import pytest

import coherence_pipelines.execution.runner as runner_module
from coherence_pipelines.errors import TooManyRows
from coherence_pipelines.execution import ColumnMapping, ImportOptions, ImportRunner, ImportSource, rows_frame
from coherence_pipelines.execution.jobs import utcnow
from coherence_pipelines.modules import ModuleDef, builtin_modules
from coherence_pipelines.store import RecordStore

MAPPING = [ColumnMapping("Name", "displayName"), ColumnMapping("Email", "email"),
           ColumnMapping("Title", "jobTitle")]


@pytest.fixture(scope="module")
def contacts() -> ModuleDef:
    return builtin_modules()["contacts"]


@pytest.fixture
def acme(store: RecordStore) -> str:
    with store.session() as session:
        return session.ensure_account("acme")


def people(n: int, start: int = 1, title: str = "Engineer") -> list[dict[str, Any]]:
    return [{"Name": f"Person {i}", "Email": f"p{i}@example.com", "Title": title} for i in range(start, start + n)]


def run(store: RecordStore, account_id: str, module: ModuleDef, rows: list[dict], mapping=None,
        on_progress=None, **options) -> dict[str, Any]:
    runner = ImportRunner(store, account_id, module, ImportOptions(column_mapping=mapping or MAPPING, **options))
    return runner.execute(ImportSource(rows=rows_frame(rows), file_name="people.csv", file_type="csv"),
                          on_progress=on_progress)


def contacts_by_email(store: RecordStore, account_id: str) -> dict[str, dict]:
    with store.session() as session:
        rows, _ = session.list_records(account_id, "contacts", 1000, 0, "created_at, record_id")
    out = {}
    for row in rows:
        data = json.loads(row["data"])
        key = data["email"][0]["value"].lower() if data.get("email") else data["displayName"]
        out[key] = {**data, "_id": row["record_id"], "_job": row["created_by_import_job_id"]}
    return out


def get_job(store: RecordStore, account_id: str, job_id: str) -> dict[str, Any]:
    with store.session() as session:
        return session.get_job(account_id, job_id)


def counts(result: dict) -> tuple[int, int, int, int, int]:
    return (result["successRows"], result["createdRows"], result["updatedRows"], result["skippedRows"],
            result["errorRows"])


# strategies --------------------------------------------------------------------------------------------


def test_create_then_skip_then_update(store: RecordStore, acme: str, contacts: ModuleDef) -> None:
    first = run(store, acme, contacts, people(3))
    assert first["status"] == "completed" and first["processingMode"] == "sync" and first["totalRows"] == 3
    assert counts(first) == (3, 3, 0, 0, 0)
    assert len(first["createdRecordIds"]) == 3
    created = contacts_by_email(store, acme)
    assert sorted(created) == ["p1@example.com", "p2@example.com", "p3@example.com"]
    assert created["p2@example.com"]["displayName"] == "Person 2"
    assert created["p2@example.com"]["email"] == [{"value": "p2@example.com", "type": "Work"}]
    assert {r["_job"] for r in created.values()} == {first["importJobId"]}

    second = run(store, acme, contacts, people(3, title="Manager"), duplicate_strategy="skip")
    assert counts(second) == (0, 0, 0, 3, 0) and second["createdRecordIds"] == []
    assert {r["jobTitle"] for r in contacts_by_email(store, acme).values()} == {"Engineer"}

    rows = people(4, title="Director")
    rows[0]["Email"] = "P1@EXAMPLE.COM"  # still the same person
    third = run(store, acme, contacts, rows, duplicate_strategy="update")
    assert counts(third) == (4, 1, 3, 0, 0)
    after = contacts_by_email(store, acme)
    assert len(after) == 4
    assert sorted(third["updatedRecordIds"]) == sorted(created[e]["_id"] for e in created)
    assert {r["jobTitle"] for r in after.values()} == {"Director"}
    assert after["p1@example.com"]["_id"] == created["p1@example.com"]["_id"]

    job = get_job(store, acme, third["importJobId"])
    assert (job["status"], job["processed_rows"], job["success_rows"], job["created_rows"], job["updated_rows"]) \
        == ("completed", 4, 4, 1, 3)
    assert job["completed_at"] is not None and job["file_name"] == "people.csv"


def test_create_strategy_always_creates(store: RecordStore, acme: str, contacts: ModuleDef) -> None:
    run(store, acme, contacts, people(2))
    again = run(store, acme, contacts, people(2), duplicate_strategy="create")
    assert counts(again) == (2, 2, 0, 0, 0)
    with store.session() as session:
        assert session.count_records(acme, "contacts") == 4


def test_update_merge_mode_reaches_the_store(store: RecordStore, acme: str, contacts: ModuleDef) -> None:
    run(store, acme, contacts, [{"Name": "Jane", "Email": "jane@x.com", "Title": None}])
    run(store, acme, contacts, [{"Name": "Jane Doe", "Email": "jane@x.com", "Title": "CTO"}],
        duplicate_strategy="update", merge_mode="fill_empty")
    assert {k: v for k, v in contacts_by_email(store, acme)["jane@x.com"].items() if not k.startswith("_")} == {
        "displayName": "Jane", "jobTitle": "CTO", "email": [{"value": "jane@x.com", "type": "Work"}]}
    run(store, acme, contacts, [{"Name": "Jane Doe", "Email": "jane@x.com", "Title": None}],
        duplicate_strategy="update", merge_mode="overwrite")
    jane = contacts_by_email(store, acme)["jane@x.com"]
    assert jane["displayName"] == "Jane Doe" and "jobTitle" not in jane  # overwrite with empty removes it


# in-file duplicates and validation ---------------------------------------------------------------------


def test_in_file_duplicates_name_the_first_row(store: RecordStore, acme: str, contacts: ModuleDef) -> None:
    rows = [
        {"Name": "Jane", "Email": "jane@x.com"},
        {"Name": "Bob", "Email": "bob@x.com"},
        {"Name": "Jane again", "Email": "JANE@X.COM "},
        {"Name": "Bob again", "Email": "bob@x.com"},
        {"Name": "Jane thrice", "Email": "jane@x.com"},
    ]
    result = run(store, acme, contacts, rows, duplicate_strategy="update")
    assert counts(result) == (2, 2, 0, 0, 3)
    dup = {e["row"]: e for e in result["errors"]}
    assert {row: e["error"] for row, e in dup.items()} == {
        3: "Duplicate email found (same as row 1)",
        4: "Duplicate email found (same as row 2)",
        5: "Duplicate email found (same as row 1)",
    }
    assert dup[3]["field"] == "email" and dup[3]["value"] == "JANE@X.COM "
    assert sorted(contacts_by_email(store, acme)) == ["bob@x.com", "jane@x.com"]
    assert contacts_by_email(store, acme)["jane@x.com"]["displayName"] == "Jane"
    assert get_job(store, acme, result["importJobId"])["errors"] == result["errors"]


def test_in_file_duplicates_allowed_with_create(store: RecordStore, acme: str, contacts: ModuleDef) -> None:
    rows = [{"Name": "Jane", "Email": "jane@x.com"}, {"Name": "Jane again", "Email": "jane@x.com"}]
    assert counts(run(store, acme, contacts, rows, duplicate_strategy="create")) == (2, 2, 0, 0, 0)


def test_invalid_rows_are_errors_and_not_imported(store: RecordStore, acme: str, contacts: ModuleDef) -> None:
    rows = [{"Name": "Jane", "Email": "jane@x.com"}, {"Name": "Bad", "Email": "not an email"},
            {"Name": None, "Email": "noname@x.com"}]
    result = run(store, acme, contacts, rows)
    assert counts(result) == (1, 1, 0, 0, 2)
    assert [(e["row"], e["field"], e["error"]) for e in result["errors"]] == [
        (2, "email", "Invalid email format"), (3, "displayName", 'Required field "Name" is empty')]
    assert sorted(contacts_by_email(store, acme)) == ["jane@x.com"]


def test_skip_validation_imports_the_row_with_the_value_left_empty(store: RecordStore, acme: str,
                                                                   contacts: ModuleDef) -> None:
    rows = [{"Name": "Jane", "Email": "jane@x.com"}, {"Name": "Bad Email", "Email": "not an email", "Title": "CEO"},
            {"Name": None, "Email": "noname@x.com"}]
    result = run(store, acme, contacts, rows, skip_validation=True)
    assert counts(result) == (2, 2, 0, 0, 1)  # a missing required field still refuses the row
    assert [(e["row"], e["field"]) for e in result["errors"]] == [(3, "displayName")]
    assert [(w["row"], w["field"], w["message"]) for w in result["warnings"]] == [
        (2, "email", "Invalid email format")]
    stored = contacts_by_email(store, acme)
    assert stored["Bad Email"]["jobTitle"] == "CEO" and "email" not in stored["Bad Email"]


def test_every_row_refused_fails_the_job(store: RecordStore, acme: str, contacts: ModuleDef) -> None:
    result = run(store, acme, contacts, [{"Name": "A", "Email": "bad"}, {"Name": "B", "Email": "worse"}])
    assert result["status"] == "failed" and counts(result) == (0, 0, 0, 0, 2)
    assert get_job(store, acme, result["importJobId"])["failure"] == "Every row had errors"


def test_static_values_and_derived_display_name(store: RecordStore, acme: str, contacts: ModuleDef) -> None:
    mapping = [ColumnMapping("First", "firstName"), ColumnMapping("Last", "lastName"),
               ColumnMapping("Email", "email")]
    rows = [{"First": "Jane", "Last": "Doe", "Email": "jane@x.com"}, {"First": "Cher", "Email": "cher@x.com"}]
    result = run(store, acme, contacts, rows, mapping=mapping, static_values={"leadSource": "event"})
    assert counts(result) == (2, 2, 0, 0, 0)
    stored = contacts_by_email(store, acme)
    assert stored["jane@x.com"]["displayName"] == "Jane Doe" and stored["cher@x.com"]["displayName"] == "Cher"
    assert {r["leadSource"] for r in stored.values()} == {"Event"}


def test_validate_writes_nothing(store: RecordStore, acme: str, contacts: ModuleDef) -> None:
    run(store, acme, contacts, people(1))
    runner = ImportRunner(store, acme, contacts, ImportOptions(column_mapping=MAPPING, duplicate_strategy="update"))
    report = runner.validate(ImportSource(rows=rows_frame(people(3) + [{"Name": "X", "Email": "bad"}])))
    assert (report["isValid"], report["totalRows"], report["validRows"], report["errorRows"]) == (False, 4, 3, 1)
    assert report["preview"]["toCreate"] == 2 and report["preview"]["toUpdate"] == 1
    with store.session() as session:
        assert session.count_records(acme, "contacts") == 1
        assert len(session.list_jobs(acme, "contacts", 10)) == 1


# chunks ------------------------------------------------------------------------------------------------


def test_chunks_commit_with_progress(store: RecordStore, acme: str, contacts: ModuleDef,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner_module, "CHUNK_ROWS", 2)
    progress: list[dict] = []
    rows = people(5)
    rows[3]["Email"] = "broken"  # row 4, in the second chunk
    result = run(store, acme, contacts, rows, on_progress=progress.append)
    assert counts(result) == (4, 4, 0, 0, 1)
    assert [p["processedRows"] for p in progress] == [2, 4, 5]
    assert [p["successRows"] for p in progress] == [2, 3, 4]
    assert [p["errorRows"] for p in progress] == [0, 1, 1]
    assert {p["importJobId"] for p in progress} == {result["importJobId"]}
    job = get_job(store, acme, result["importJobId"])
    assert (job["status"], job["total_rows"], job["processed_rows"], job["success_rows"], job["error_rows"]) \
        == ("completed", 5, 5, 4, 1)
    assert [e["row"] for e in job["errors"]] == [4]
    with store.session() as session:
        assert session.count_records(acme, "contacts") == 4


@pytest.fixture
def fail_second_chunk(monkeypatch: pytest.MonkeyPatch):
    """apply_chunk that does the second chunk's work, then fails before the chunk's session commits."""
    real = runner_module.apply_chunk
    calls: list[int] = []

    def apply_then_fail(session, cfg, rows, chunk_no):
        calls.append(chunk_no)
        outcome = real(session, cfg, rows, chunk_no)
        if chunk_no == 1:
            assert session.count_records(cfg.account_id, "contacts") > 0
            raise RuntimeError("disk on fire in chunk 1")
        return outcome

    monkeypatch.setattr(runner_module, "CHUNK_ROWS", 2)
    monkeypatch.setattr(runner_module, "apply_chunk", apply_then_fail)
    return calls


def test_failure_inside_a_chunk_keeps_earlier_chunks_and_fails_the_job(
        store: RecordStore, acme: str, contacts: ModuleDef, fail_second_chunk: list[int]) -> None:
    progress: list[dict] = []
    with pytest.raises(RuntimeError, match="disk on fire"):
        run(store, acme, contacts, people(5), on_progress=progress.append)
    assert fail_second_chunk == [0, 1]
    assert [p["processedRows"] for p in progress] == [2]
    assert sorted(contacts_by_email(store, acme)) == ["p1@example.com", "p2@example.com"]
    with store.session() as session:
        job = session.list_jobs(acme, "contacts", 10)[0]
    assert job["status"] == "failed"
    assert job["failure"] == "RuntimeError: disk on fire in chunk 1"
    assert (job["processed_rows"], job["success_rows"], job["created_rows"]) == (2, 2, 2)
    assert job["completed_at"] is not None


def test_rollback_of_a_failed_job_undoes_exactly_its_committed_chunk(
        store: RecordStore, acme: str, contacts: ModuleDef, monkeypatch: pytest.MonkeyPatch) -> None:
    before = run(store, acme, contacts, [{"Name": "Old Friend", "Email": "p1@example.com", "Title": "Intern"},
                                         {"Name": "Bystander", "Email": "other@example.com", "Title": "Intern"}])
    kept = contacts_by_email(store, acme)
    real = runner_module.apply_chunk

    def apply_then_fail(session, cfg, rows, chunk_no):
        outcome = real(session, cfg, rows, chunk_no)
        if chunk_no == 1:
            raise RuntimeError("boom")
        return outcome

    monkeypatch.setattr(runner_module, "CHUNK_ROWS", 2)
    monkeypatch.setattr(runner_module, "apply_chunk", apply_then_fail)
    with pytest.raises(RuntimeError):
        # chunk 0: updates p1 (the old friend), creates p2; chunk 1 (p3, p4) fails; chunk 2 never runs
        run(store, acme, contacts, people(5, title="Boss"), duplicate_strategy="update")
    during = contacts_by_email(store, acme)
    assert sorted(during) == ["other@example.com", "p1@example.com", "p2@example.com"]
    assert during["p1@example.com"]["jobTitle"] == "Boss"
    with store.session() as session:
        failed = next(j for j in session.list_jobs(acme, "contacts", 10) if j["job_id"] != before["importJobId"])
        assert failed["status"] == "failed"
        result = session.rollback(acme, failed["job_id"], utcnow())
    assert (result.deleted_count, result.restored_count, result.conflicts) == (1, 1, [])
    after = contacts_by_email(store, acme)
    assert after == kept


def test_rollback_removes_created_references(store: RecordStore, acme: str, contacts: ModuleDef) -> None:
    mapping = [*MAPPING, ColumnMapping("Company", "account")]
    rows = [{"Name": "Jane", "Email": "jane@x.com", "Company": "Acme Corp"},
            {"Name": "Bob", "Email": "bob@x.com", "Company": "acme corp "}]
    result = run(store, acme, contacts, rows, mapping=mapping, create_missing_references=True)
    assert counts(result) == (2, 2, 0, 0, 0) and result["referenceWarnings"] == []
    with store.session() as session:
        accounts, _ = session.list_records(acme, "accounts", 10, 0, "created_at")
        assert [json.loads(a["data"])["displayName"] for a in accounts] == ["Acme Corp"]
    stored = contacts_by_email(store, acme)
    assert {r["account"] for r in stored.values()} == {accounts[0]["record_id"]}
    with store.session() as session:
        rolled = session.rollback(acme, result["importJobId"], utcnow())
        assert rolled.deleted_count == 3
        assert session.count_records(acme, "accounts") == 0 and session.count_records(acme, "contacts") == 0


def test_unresolved_references_are_reported(store: RecordStore, acme: str, contacts: ModuleDef) -> None:
    mapping = [*MAPPING, ColumnMapping("Company", "account")]
    result = run(store, acme, contacts, [{"Name": "Jane", "Email": "jane@x.com", "Company": "Unknown Co"}],
                 mapping=mapping)
    assert result["referenceWarnings"] == [{"fieldSlug": "account", "fieldLabel": "Account",
                                            "unresolvedValues": ["Unknown Co"], "targetModuleSlug": "accounts"}]
    assert "account" not in contacts_by_email(store, acme)["jane@x.com"]


# one record met in two chunks ----------------------------------------------------------------------------


@pytest.fixture
def two_email_record(store: RecordStore, acme: str) -> str:
    doc = {"displayName": "Original", "email": [{"value": "a@x.com", "type": "Work"},
                                                {"value": "b@x.com", "type": "Personal"}]}
    with store.session() as session:
        session.insert_records(acme, pl.DataFrame({"record_id": ["rec_r"], "module": ["contacts"],
                                                   "data": [json.dumps(doc)]}), None, utcnow())
    return "rec_r"


TWO_CHUNK_ROWS = [{"Name": "First", "Email": "a@x.com"}, {"Name": "Other", "Email": "o@x.com"},
                  {"Name": "Second", "Email": "b@x.com"}]


def test_rows_matching_one_record_in_one_chunk_are_a_conflict(store: RecordStore, acme: str, contacts: ModuleDef,
                                                              two_email_record: str) -> None:
    result = run(store, acme, contacts, TWO_CHUNK_ROWS, duplicate_strategy="update")
    assert counts(result) == (2, 1, 1, 0, 1)
    assert result["errors"][0]["row"] == 3
    assert result["errors"][0]["error"] == "Matches the same record as row 1 (email)"


def test_rows_matching_one_record_in_two_chunks_are_a_conflict(store: RecordStore, acme: str, contacts: ModuleDef,
                                                               two_email_record: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner_module, "CHUNK_ROWS", 2)
    result = run(store, acme, contacts, TWO_CHUNK_ROWS, duplicate_strategy="update")
    assert result["updatedRecordIds"] == [two_email_record]
    assert counts(result) == (2, 1, 1, 0, 1)
    assert [(e["row"], e["error"]) for e in result["errors"]] == [(3, "Matches the same record as row 1 (email)")]


def test_rollback_restores_a_record_updated_in_two_chunks(store: RecordStore, acme: str, contacts: ModuleDef,
                                                          two_email_record: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner_module, "CHUNK_ROWS", 2)
    with store.session() as session:
        original = session.fetch_records(acme, [two_email_record]).get_column("data")[0]
    result = run(store, acme, contacts, TWO_CHUNK_ROWS, duplicate_strategy="update")
    with store.session() as session:
        rolled = session.rollback(acme, result["importJobId"], utcnow())
        restored = session.fetch_records(acme, [two_email_record]).get_column("data")[0]
    assert rolled.conflicts == []
    assert json.loads(restored) == json.loads(original)


# sizes and composite keys ------------------------------------------------------------------------------


def test_processing_mode_by_row_count() -> None:
    assert [runner_module.processing_mode(n) for n in (1, 5_000, 5_001, 50_000, 50_001)] == [
        "sync", "sync", "stream", "stream", "background"]


def test_too_many_rows_for_inline_execution_creates_no_job(store: RecordStore, acme: str,
                                                           contacts: ModuleDef) -> None:
    rows = pl.DataFrame({"Name": ["x"] * 50_001}).with_row_index("_row", offset=1).with_columns(
        pl.col("_row").cast(pl.Int64))
    runner = ImportRunner(store, acme, contacts, ImportOptions(column_mapping=[ColumnMapping("Name", "displayName")]))
    with pytest.raises(TooManyRows):
        runner.execute(ImportSource(rows=rows))
    with store.session() as session:
        assert session.list_jobs(acme, "contacts", 10) == []


def test_in_file_duplicates_on_composite_match_fields(store: RecordStore, acme: str, contacts: ModuleDef) -> None:
    rows = [{"Name": "Jane", "Email": "jane@x.com"}, {"Name": "Jane B", "Email": "jane@x.com"},
            {"Name": " jane ", "Email": "Jane@x.com"}]
    result = run(store, acme, contacts, rows, duplicate_match_fields=["email", "displayName"])
    assert counts(result) == (2, 2, 0, 0, 1)
    assert [(e["row"], e["error"]) for e in result["errors"]] == [
        (3, "Duplicate email and displayName found (same as row 1)")]


def test_execute_takes_the_source_over_and_keeps_only_row_numbers(store, acme, contacts):
    """A million rows' cells are not held through the chunks: once planned, the source keeps `_row` only,
    and the import (errors quoting the cells included) is what it would be otherwise."""
    source = ImportSource(rows=rows_frame([{"Name": "Ann", "Email": "ann@x.com"}, {"Name": "Bob", "Email": "bad"},
                                           {"Name": "Ann again", "Email": "ANN@x.com"}]))
    runner = ImportRunner(store, acme, contacts, ImportOptions(column_mapping=MAPPING, duplicate_strategy="update"))
    result = runner.execute(source)
    assert source.rows.columns == ["_row"] and source.rows.get_column("_row").to_list() == [1, 2, 3]
    assert (result["createdRows"], result["errorRows"]) == (1, 2)
    assert {e["value"] for e in result["errors"]} == {"bad", "ANN@x.com"}
    assert isinstance(result["createdRecordIds"], list) and len(result["createdRecordIds"]) == 1
