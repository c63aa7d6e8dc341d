"""Concurrency on the embedded DuckDB store: imports running at once in several processes and threads over
overlapping emails never duplicate a person (skip, update), and `create` duplicates exactly as asked, never
more; fifty parse-and-validate requests at once against a real server get no 5xx, in bounded memory."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import polars as pl

import coherence_pipelines.execution.runner as runner_module
from coherence_pipelines.execution import ColumnMapping, ImportOptions, ImportRunner, ImportSource, rows_frame
from coherence_pipelines.modules import builtin_modules

from .conftest import peak_rss_bytes, rss_bytes

CHUNK = 40  # small chunks, so that the imports' chunks interleave
MAPPING = [ColumnMapping("Name", "displayName"), ColumnMapping("Email", "email")]

# One import in a process of its own: argv = store path, strategy, first email, count, label.
CHILD = textwrap.dedent("""
    import sys
    from pathlib import Path
    import coherence_pipelines.execution.runner as runner_module
    runner_module.CHUNK_ROWS = runner_module.MAX_CHUNK_ROWS = {chunk}
    from coherence_pipelines.execution import ColumnMapping, ImportOptions, ImportRunner, ImportSource, rows_frame
    from coherence_pipelines.modules import builtin_modules
    from coherence_pipelines.store.duckdb import DuckDBStore
    path, strategy, first, count, label = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    store = DuckDBStore(Path(path), wait_seconds=120)
    with store.session() as s:
        account_id = s.ensure_account("acme")
    rows = rows_frame([{{"Name": f"{{label}} {{i}}", "Email": f"P{{i}}@Example.com" if i % 2 else f"p{{i}}@example.com"}}
                       for i in range(first, first + count)])
    mapping = [ColumnMapping("Name", "displayName"), ColumnMapping("Email", "email")]
    runner = ImportRunner(store, account_id, builtin_modules()["contacts"],
                          ImportOptions(column_mapping=mapping, duplicate_strategy=strategy))
    result = runner.execute(ImportSource(rows=rows), max_rows=None)
    assert result["status"] == "completed", result
""").format(chunk=CHUNK)


def start_process(settings, strategy: str, first: int, count: int, label: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", CHILD, str(settings.store_path), strategy, str(first), str(count),
                             label], stderr=subprocess.PIPE)


def import_in_thread(store, account_id: str, strategy: str, first: int, count: int, label: str, errors: list):
    def run() -> None:
        try:
            rows = rows_frame([{"Name": f"{label} {i}", "Email": f"p{i}@example.com"} for i in range(first, first + count)])
            runner = ImportRunner(store, account_id, builtin_modules()["contacts"],
                                  ImportOptions(column_mapping=MAPPING, duplicate_strategy=strategy))
            result = runner.execute(ImportSource(rows=rows), max_rows=None)
            assert result["status"] == "completed", result
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def emails_in_store(store, account_id: str) -> Counter:
    with store.session() as s:
        rows, total = s.list_records(account_id, "contacts", 100_000, 0, "record_id")
    emails = pl.Series([r["data"] for r in rows], dtype=pl.String).str.json_path_match("$.email[0].value")
    assert emails.null_count() == 0 and len(rows) == total
    return Counter(e.lower() for e in emails.to_list())


def run_all(settings, store, monkeypatch, imports: list[tuple[str, str, int, int]]) -> str:
    """Start every import at once: ("process" | "thread", strategy, first email, count); wait for all."""
    monkeypatch.setattr(runner_module, "CHUNK_ROWS", CHUNK)
    monkeypatch.setattr(runner_module, "MAX_CHUNK_ROWS", CHUNK)
    with store.session() as s:
        account_id = s.ensure_account("acme")
    errors: list[BaseException] = []
    processes, threads = [], []
    for n, (where, strategy, first, count) in enumerate(imports):
        label = f"{strategy}-{n}"
        if where == "process":
            processes.append(start_process(settings, strategy, first, count, label))
        else:
            threads.append(import_in_thread(store, account_id, strategy, first, count, label, errors))
    for thread in threads:
        thread.join(timeout=120)
    for process in processes:
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr.decode()[-3000:]
    assert not errors, errors
    return account_id


def test_concurrent_skip_and_update_imports_never_duplicate(settings, store, monkeypatch):
    # Overlapping windows of 300 emails, in two processes and two threads at once.
    imports = [("process", "skip", 0, 300), ("process", "update", 100, 300),
               ("thread", "skip", 50, 300), ("thread", "update", 150, 300)]

    account_id = run_all(settings, store, monkeypatch, imports)

    emails = emails_in_store(store, account_id)
    assert set(emails) == {f"p{i}@example.com" for i in range(0, 450)}
    assert set(emails.values()) == {1}, [e for e, n in emails.items() if n > 1][:10]


def test_concurrent_create_imports_duplicate_exactly_as_asked(settings, store, monkeypatch):
    # `create` always creates (the document's "allows duplicates"): three imports of the same 200 people make
    # exactly three records each, none lost and none doubled; an update running alongside adds at most one.
    imports = [("process", "create", 0, 200), ("thread", "create", 0, 200), ("thread", "create", 0, 200),
               ("process", "update", 100, 200)]

    account_id = run_all(settings, store, monkeypatch, imports)

    emails = emails_in_store(store, account_id)
    for i in range(0, 300):
        count = emails[f"p{i}@example.com"]
        if i < 100:
            assert count == 3, (i, count)  # created three times, by the three create imports
        elif i < 200:
            assert count in (3, 4), (i, count)  # the update created one only if it came before every create
        else:
            assert count == 1, (i, count)  # the update's own new people, once
    with store.session() as s:
        jobs = s.list_jobs(account_id, "contacts", 10)
    assert sorted(j["created_rows"] for j in jobs if j["duplicate_strategy"] == "create") == [200] * 3
    assert sum(emails.values()) == sum(j["created_rows"] for j in jobs)


def test_fifty_concurrent_parse_and_validate_requests_on_a_real_server(server):
    csv = b"Name,Email,Phone\n" + b"".join(b"Person %d,p%d@example.com,555-01%02d\n" % (i, i, i % 100)
                                           for i in range(100))
    mapping = [{"sourceColumn": "Name", "targetFieldSlug": "displayName"},
               {"sourceColumn": "Email", "targetFieldSlug": "email"}]
    base_peak = peak_rss_bytes(server.process.pid)

    def parse_then_validate(n: int) -> tuple[int, int]:
        with httpx.Client(base_url=server.base_url, headers=server.headers, timeout=120) as client:
            parsed = client.post("/v1/modules/contacts/import/parse", files={"file": (f"f{n}.csv", csv, "text/csv")})
            if parsed.status_code != 200:
                return parsed.status_code, 0
            validated = client.post("/v1/modules/contacts/import/validate", json={
                "uploadId": parsed.json()["data"]["uploadId"], "columnMapping": mapping})
            return validated.status_code, validated.json()["data"]["totalRows"] if validated.status_code == 200 else 0

    with ThreadPoolExecutor(50) as pool:
        results = list(pool.map(parse_then_validate, range(50)))

    assert results == [(200, 100)] * 50, Counter(status for status, _ in results)
    growth_mb = (peak_rss_bytes(server.process.pid) - base_peak) / 2**20
    print(f"server peak RSS grew {growth_mb:.0f} MB over 50 concurrent parse+validate "
          f"(now {rss_bytes(server.process.pid) / 2**20:.0f} MB)")
    assert growth_mb < 400
    assert httpx.get(f"{server.base_url}/health").status_code == 200
