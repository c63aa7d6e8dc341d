"""Imports of overlapping people running at the same time, in threads of one process and in processes of
their own, with skip and update strategies (and a create import beside them): whatever the interleaving,
no two records ever share an email. On PostgreSQL the chunks take turns through a transaction-level
advisory lock per (account, module); on DuckDB through the store's file lock."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from typing import Any

import polars as pl
import pytest

import coherence_pipelines.execution.runner as runner_module
from coherence_pipelines.execution import ColumnMapping, ImportOptions, ImportRunner, ImportSource, rows_frame
from coherence_pipelines.modules import builtin_modules
from coherence_pipelines.store import RecordStore

CHUNK = 40
MAPPING = [ColumnMapping("Name", "displayName"), ColumnMapping("Email", "email"), ColumnMapping("Title", "jobTitle")]
# (strategy, first person, last person + 1, email case): every pair of skip/update imports overlaps, and the
# create import brings people only it has (create does not look for duplicates, as documented).
IMPORTS = [("skip", 0, 240, "lower"), ("update", 80, 320, "upper"), ("update", 0, 320, "lower"),
           ("skip", 160, 320, "upper"), ("create", 1000, 1080, "lower")]
EXPECTED = {f"p{i}@example.com" for i in [*range(0, 320), *range(1000, 1080)]}


def people(lo: int, hi: int, case: str, title: str) -> list[dict[str, Any]]:
    email = str.upper if case == "upper" else str.lower
    return [{"Name": f"Person {i}", "Email": email(f"p{i}@example.com"), "Title": title} for i in range(lo, hi)]


def run_import(store: RecordStore, account_id: str, strategy: str, lo: int, hi: int, case: str) -> dict[str, Any]:
    runner = ImportRunner(store, account_id, builtin_modules()["contacts"], ImportOptions(
        column_mapping=MAPPING, duplicate_strategy=strategy, duplicate_match_fields=["email"]))
    return runner.execute(ImportSource(rows=rows_frame(people(lo, hi, case, strategy))), max_rows=None)


def stored_emails(store: RecordStore, account_id: str) -> pl.Series:
    with store.session() as session:
        data = session.module_records(account_id, "contacts").get_column("data")
    return data.str.json_path_match("$.email[0].value").str.to_lowercase()


@pytest.fixture
def acme(store: RecordStore) -> str:
    with store.session() as session:
        return session.ensure_account("acme")


def test_imports_in_threads_never_create_two_records_for_one_email(store, acme, monkeypatch) -> None:
    monkeypatch.setattr(runner_module, "CHUNK_ROWS", CHUNK)
    monkeypatch.setattr(runner_module, "MAX_CHUNK_ROWS", CHUNK)
    start = threading.Barrier(len(IMPORTS))
    results: list[dict[str, Any]] = []
    failures: list[BaseException] = []

    def work(strategy: str, lo: int, hi: int, case: str) -> None:
        try:
            start.wait()
            results.append(run_import(store, acme, strategy, lo, hi, case))
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread
            failures.append(exc)

    threads = [threading.Thread(target=work, args=spec) for spec in IMPORTS]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not failures, failures
    assert all(r["status"] == "completed" and r["errorRows"] == 0 for r in results), results
    emails = stored_emails(store, acme)
    assert emails.len() == emails.n_unique() == len(EXPECTED)
    assert set(emails) == EXPECTED
    # Every row was either created once, or found its person and was skipped or updated.
    assert sum(r["createdRows"] for r in results) == len(EXPECTED)


CHILD = textwrap.dedent("""
    import sys
    from pathlib import Path
    import coherence_pipelines.execution.runner as runner_module
    runner_module.CHUNK_ROWS = runner_module.MAX_CHUNK_ROWS = int(sys.argv[2])
    from coherence_pipelines.settings import Settings
    from coherence_pipelines.store import open_store
    sys.path.insert(0, sys.argv[3])
    from test_concurrent_imports import run_import
    store = open_store(Settings(home=Path(sys.argv[1])))  # COHERENCE_DATABASE_URL, or the DuckDB file
    with store.session() as session:
        account_id = session.ensure_account("acme")
    strategy, lo, hi, case = sys.argv[4], int(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
    result = run_import(store, account_id, strategy, lo, hi, case)
    assert result["errorRows"] == 0, result["errors"][:3]
    print(result["createdRows"])
""")


def test_imports_in_processes_never_create_two_records_for_one_email(store, acme, settings) -> None:
    here = str(__import__("pathlib").Path(__file__).parent)
    children = [subprocess.Popen([sys.executable, "-c", CHILD, str(settings.home), str(CHUNK), here, strategy,
                                  str(lo), str(hi), case], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for strategy, lo, hi, case in IMPORTS]
    created = 0
    for child in children:
        out, err = child.communicate(timeout=180)
        assert child.returncode == 0, err[-3000:]
        created += int(out.strip().splitlines()[-1])
    emails = stored_emails(store, acme)
    assert emails.len() == emails.n_unique() == len(EXPECTED) == created


@pytest.mark.parametrize("store", ["postgres"], indirect=True)
def test_a_module_lock_holds_other_sessions_until_commit(store, acme) -> None:
    events: list[str] = []

    def lock(module: str, account: str = acme) -> None:
        with store.session() as session:
            session.lock_modules(account, [module])
            events.append(f"{account == acme and 'acme' or 'globex'}/{module} locked")

    with store.session() as session:
        globex = session.ensure_account("globex")
    with store.session() as session:
        session.lock_modules(acme, ["contacts", "accounts"])
        same = threading.Thread(target=lock, args=("contacts",))
        same.start()
        # Another module, or the same module of another account, is not held up.
        lock("deals")
        lock("contacts", globex)
        time.sleep(0.3)
        events.append("first commits")
    same.join(timeout=10)
    assert events == ["acme/deals locked", "globex/contacts locked", "first commits", "acme/contacts locked"]
