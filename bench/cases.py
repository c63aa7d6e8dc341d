"""One benchmark case per call, run in a process of its own (`python -m bench.cases NAME WORKDIR SIZE`), so
that its peak memory is its own: prints {"seconds", "peak_rss_mb", ...} as JSON on its last line.
`prepare-*` cases build the inputs and are not timed."""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from bench import data

CASES: dict[str, Callable[[Path, int], dict[str, Any]]] = {}


def case(name: str):
    def register(fn: Callable[[Path, int], dict[str, Any]]) -> Callable[[Path, int], dict[str, Any]]:
        CASES[name] = fn
        return fn
    return register


def _settings(home: Path):
    from coherence_pipelines.settings import Settings

    s = Settings(home=home)
    s.ensure_dirs()
    return s


def _seed_store(home: Path, n: int) -> None:
    from coherence_pipelines.execution.jobs import utcnow
    from coherence_pipelines.store import open_store

    store = open_store(_settings(home))
    with store.session() as session:
        account_id = session.ensure_account("bench")
        step = 250_000
        for start in range(0, n, step):
            session.insert_records(account_id, data.store_documents(start, min(step, n - start)), None, utcnow())


# --- the 1M-row update import, and its floor and peer ----------------------------------------------------------
@case("prepare-import")
def prepare_import(work: Path, n: int) -> dict[str, Any]:
    data.import_file(work / "import.csv", n)
    data.mapping_file(work / "mapping.json")
    _seed_store(work / "seeded", n)
    con = duckdb.connect(str(work / "floor.duckdb"))
    con.execute("CREATE TABLE contacts (id BIGINT, name VARCHAR, email VARCHAR, phone VARCHAR, city VARCHAR, "
                "title VARCHAR)")
    frame = data.contacts(0, n).with_columns(pl.col("Email").str.to_lowercase()).with_row_index("id")
    con.register("seed", frame)
    con.execute('INSERT INTO contacts SELECT id, "Full Name", "Email", "Phone", "City", "Job Title" FROM seed')
    con.close()
    return {}


@case("import-update")
def import_update(work: Path, n: int) -> dict[str, Any]:
    from coherence_pipelines.cli_import import run_import
    from coherence_pipelines.store import open_store

    home = work / "run-home"
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(work / "seeded", home)
    store = open_store(_settings(home))
    started = time.perf_counter()
    result = run_import(store, work / "import.csv", "contacts", "bench", str(work / "mapping.json"), "update",
                        ["email"], "prefer_import", False, ())
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "created": result["createdRows"], "updated": result["updatedRows"],
            "errors": result["errorRows"], "status": result["status"]}


@case("floor-duckdb")
def floor_duckdb(work: Path, n: int) -> dict[str, Any]:
    """The issue's floor: DuckDB alone merging the file into the same table, our store's records (see
    bench/floor_same_table.sql), on a copy of the same seeded store, with DuckDB's own settings."""
    home = work / "floor-home"
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(work / "seeded", home)
    con = duckdb.connect(str(home / "store.duckdb"))
    sql = (Path(__file__).with_name("floor_same_table.sql").read_text()
           .replace("{import_csv}", str(work / "import.csv")))
    started = time.perf_counter()
    con.execute("BEGIN")
    for statement in sql.split(";\n"):
        con.execute(statement)
    con.execute("COMMIT")
    con.execute("CHECKPOINT")
    seconds = time.perf_counter() - started
    total = con.execute("SELECT count(*) FROM records").fetchall()[0][0]
    con.close()
    return {"seconds": seconds, "rows_after": total}


@case("floor-typed-table")
def floor_typed_table(work: Path, n: int) -> dict[str, Any]:
    """The same merge into a bare table of typed columns (name, email, phone, city, title): what the merge
    would cost if records were not JSON documents. A reference, not the target."""
    shutil.copy(work / "floor.duckdb", work / "floor-run.duckdb")
    con = duckdb.connect(str(work / "floor-run.duckdb"))
    started = time.perf_counter()
    con.execute("BEGIN")
    con.execute(f"CREATE TEMP TABLE incoming AS SELECT * FROM read_csv('{work / 'import.csv'}', header=true, "
                "all_varchar=true)")
    con.execute('UPDATE contacts c SET name = i."Full Name", phone = i."Phone", city = i."City", '
                'title = i."Job Title" FROM incoming i WHERE c.email = lower(i."Email")')
    con.execute('INSERT INTO contacts SELECT row_number() OVER () + (SELECT max(id) FROM contacts), i."Full Name", '
                'lower(i."Email"), i."Phone", i."City", i."Job Title" FROM incoming i '
                'ANTI JOIN contacts c ON c.email = lower(i."Email")')
    con.execute("COMMIT")
    seconds = time.perf_counter() - started
    total = con.execute("SELECT count(*) FROM contacts").fetchall()[0][0]
    con.close()
    return {"seconds": seconds, "rows_after": total}


@case("peer-frictionless")
def peer_frictionless(work: Path, n: int) -> dict[str, Any]:
    from frictionless import Resource, Schema, fields

    schema = Schema(fields=[
        fields.StringField(name="Full Name", constraints={"required": True}),
        fields.StringField(name="Email", format="email"),
        fields.StringField(name="Phone", constraints={"pattern": r"[+0-9 ().\-]{7,20}"}),
        fields.StringField(name="City"),
        fields.StringField(name="Job Title"),
    ])
    started = time.perf_counter()
    # frictionless refuses absolute paths as unsafe: the file is named relative to its folder.
    report = Resource("import.csv", basepath=str(work), schema=schema).validate(limit_errors=10**9)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "errors": len(report.flatten(["rowNumber"]))}


# --- sync execute over HTTP --------------------------------------------------------------------------------------
@case("http-sync-5000")
def http_sync(work: Path, n: int) -> dict[str, Any]:
    import socket

    import httpx

    home = work / "http-home"
    shutil.rmtree(home, ignore_errors=True)
    settings = _settings(home)
    env = {"COHERENCE_HOME": str(home), "PATH": str(Path(sys.executable).parent)}
    key = subprocess.run([str(Path(sys.executable).with_name("coherence")), "keys", "create", "--account", "bench"],
                         env=env, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([str(Path(sys.executable).with_name("coherence")), "serve", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                if httpx.get(f"{base}/health").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        mapping = json.loads((data.mapping_file(work / "mapping.json")).read_text())["columnMapping"]
        latencies = []
        for attempt in range(3):
            rows = data.contacts(10_000_000 + attempt * n, n).to_dicts()
            started = time.perf_counter()
            r = httpx.post(f"{base}/v1/modules/contacts/import/execute", timeout=300,
                           headers={"Authorization": f"Bearer {key}"},
                           json={"rows": rows, "columnMapping": mapping, "duplicateStrategy": "update"})
            latencies.append(time.perf_counter() - started)
            assert r.status_code == 200, r.text[:300]
        del settings
        return {"seconds": sorted(latencies)[1], "all": [round(x, 3) for x in latencies]}
    finally:
        server.terminate()
        server.wait(10)


# --- XLSX parse ---------------------------------------------------------------------------------------------------
@case("prepare-xlsx")
def prepare_xlsx(work: Path, n: int) -> dict[str, Any]:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Contacts")
    frame = data.contacts(0, n)
    ws.append(frame.columns)
    for row in frame.iter_rows():
        ws.append(list(row))
    wb.save(work / "contacts.xlsx")
    return {}


@case("xlsx-parse")
def xlsx_parse(work: Path, n: int) -> dict[str, Any]:
    from coherence_pipelines.parsing import parse_file

    started = time.perf_counter()
    parsed = parse_file(work / "contacts.xlsx")
    return {"seconds": time.perf_counter() - started, "rows": parsed.frame.height}


# --- exports ------------------------------------------------------------------------------------------------------
@case("prepare-export")
def prepare_export(work: Path, n: int) -> dict[str, Any]:
    _seed_store(work / "export-home", n)
    return {}


def _export(work: Path, fmt: str, limit: int | None) -> dict[str, Any]:
    from coherence_pipelines.export import build_spec, module_of, render, select_rows
    from coherence_pipelines.export.pdf import write_pdf  # noqa: F401 - imported once by a server, not per export
    from coherence_pipelines.store import open_store

    store = open_store(_settings(work / "export-home"))
    with store.session() as session:
        account_id = session.account_id_by_name("bench")
    module = module_of(store, account_id, "contacts")
    config = {"columns": ["displayName", "email", "phone", "address", "jobTitle", "createdDateTime"],
              "sortField": "displayName", "title": "Benchmark", **({"limit": limit} if limit else {})}
    spec = build_spec(module, fmt, config)
    started = time.perf_counter()
    rendered = render(select_rows(store, account_id, module, spec), module, spec, work / f"export.{fmt}")
    return {"seconds": time.perf_counter() - started, "rows": rendered.row_count, "bytes": rendered.size_bytes}


@case("csv-export")
def csv_export(work: Path, n: int) -> dict[str, Any]:
    return _export(work, "csv", None)


@case("floor-csv-export")
def floor_csv_export(work: Path, n: int) -> dict[str, Any]:
    """DuckDB alone: the same records' JSON fields to a CSV file, sorted the same way."""
    con = duckdb.connect(str(work / "export-home" / "store.duckdb"), read_only=True)
    started = time.perf_counter()
    con.execute(f"""COPY (SELECT data->>'$.displayName' AS name, data->>'$.email[0].value' AS email,
                    data->>'$.phone[0].value' AS phone, data->>'$.address.city' AS city,
                    data->>'$.jobTitle' AS title, created_at FROM records ORDER BY lower(name), record_id)
                    TO '{work / "floor-export.csv"}' (HEADER)""")
    return {"seconds": time.perf_counter() - started}


@case("pdf-export")
def pdf_export(work: Path, n: int) -> dict[str, Any]:
    return _export(work, "pdf", n)


@case("reportlab-pdf")
def reportlab_pdf(work: Path, n: int) -> dict[str, Any]:
    """ReportLab's platypus, the same rows and columns in a table whose header repeats."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.platypus import LongTable, SimpleDocTemplate, TableStyle

    frame = data.contacts(0, n)
    rows = [frame.columns, *[[c or "" for c in r] for r in frame.iter_rows()]]
    started = time.perf_counter()
    doc = SimpleDocTemplate(str(work / "reportlab.pdf"), pagesize=landscape(A4))
    table = LongTable(rows, repeatRows=1)
    table.setStyle(TableStyle([("FONTSIZE", (0, 0), (-1, -1), 8), ("GRID", (0, 0), (-1, -1), 0.25, colors.grey)]))
    doc.build([table])
    return {"seconds": time.perf_counter() - started}


def main() -> None:
    name, work, size = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    result = CASES[name](work, size)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["peak_rss_mb"] = round(usage.ru_maxrss / 1024, 1)
    # CPU time of the whole process (setup included): a check on wall times taken on a busy machine.
    result["cpu_seconds"] = round(usage.ru_utime + usage.ru_stime, 2)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
