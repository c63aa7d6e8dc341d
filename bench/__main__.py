"""`python -m bench` (or `make bench`): every benchmark of issue 7 side by side, each case in its own process,
figures written between the markers of docs/benchmarks.md (the rest of that file is kept: history, notes).

    python -m bench                 # full sizes: 1,000,000-row import, 100,000-row XLSX and CSV export
    python -m bench --smoke         # small sizes, for CI: checks the harness, not the speed
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def run_case(name: str, work: Path, size: int) -> dict:
    # The inputs a case before wrote (a seeded store is hundreds of MB) are flushed first, so the disk's
    # write-back does not land in the next case's time: it once added a second to the import's 7.6 s.
    os.sync()
    proc = subprocess.run([sys.executable, "-m", "bench.cases", name, str(work), str(size)], cwd=ROOT,
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    if proc.returncode != 0:
        raise RuntimeError(f"bench case {name} failed:\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"  {name:<20} {size:>10,} rows  {result.get('seconds', 0):8.2f} s  {result['peak_rss_mb']:8.1f} MB",
          flush=True)
    return result


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, Python {platform.python_version()}, {platform.system()}"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--smoke", action="store_true", help="small sizes (CI): checks the harness only")
    parser.add_argument("--rows", type=int, help="rows of the update import (default 1,000,000)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()
    sizes = ({"import": 20_000, "xlsx": 5_000, "export": 12_000, "pdf": [200, 1_000], "sync": 500} if args.smoke
             else {"import": 1_000_000, "xlsx": 100_000, "export": 100_000, "pdf": [2_000, 10_000], "sync": 5_000})
    if args.rows:
        sizes["import"] = args.rows
    command = "python -m bench" + (" --smoke" if args.smoke else "") + (f" --rows {args.rows}" if args.rows else "")
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="coherence-bench-") as tmp:
        work = Path(tmp)
        print(f"preparing inputs in {work}", flush=True)
        started = time.perf_counter()
        run_case("prepare-import", work, sizes["import"])
        run_case("prepare-xlsx", work, sizes["xlsx"])
        run_case("prepare-export", work, sizes["export"])
        print(f"prepared in {time.perf_counter() - started:.0f} s; measuring", flush=True)
        n = sizes["import"]
        results["import"] = run_case("import-update", work, n) | {"rows": n}
        results["floor"] = run_case("floor-duckdb", work, n) | {"rows": n}
        results["typed-floor"] = run_case("floor-typed-table", work, n) | {"rows": n}
        results["peer"] = run_case("peer-frictionless", work, n) | {"rows": n}
        results["sync"] = run_case("http-sync-5000", work, sizes["sync"]) | {"rows": sizes["sync"]}
        results["xlsx"] = run_case("xlsx-parse", work, sizes["xlsx"]) | {"rows": sizes["xlsx"]}
        results["csv"] = run_case("csv-export", work, sizes["export"]) | {"rows": sizes["export"]}
        results["csv-floor"] = run_case("floor-csv-export", work, sizes["export"]) | {"rows": sizes["export"]}
        for rows in sizes["pdf"]:
            results[f"pdf-{rows}"] = run_case("pdf-export", work, rows) | {"rows": rows}
            results[f"reportlab-{rows}"] = run_case("reportlab-pdf", work, rows) | {"rows": rows}
    write_report(args.out, results, sizes, command)
    print(f"figures written to {args.out}")


def _ratio(a: dict, b: dict) -> str:
    return f"{a['seconds'] / b['seconds']:.1f}x" if b.get("seconds") else "-"


def write_report(out: Path, r: dict[str, dict], sizes: dict, command: str) -> None:
    def line(label: str, key: str, note: str = "") -> str:
        x = r[key]
        return f"| {label} | {x['rows']:,} | {x['seconds']:.2f} | {x['peak_rss_mb']:,.0f} | {note} |"

    imp = r["import"]
    lines = [
        BEGIN,
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}, with `{command}`.",
        "",
        "| case | rows | seconds | peak RSS (MB) | notes |",
        "|---|---:|---:|---:|---|",
        line("our import, `duplicateStrategy: update`, parse to completed job", "import",
             f"{imp['updated']:,} updated, {imp['created']:,} created, {imp['errors']:,} errors; "
             f"{_ratio(imp, r['floor'])} the floor"),
        line("floor: DuckDB alone, read CSV + merge into the same table (our store's records) on lower(email)",
             "floor", "bench/floor_same_table.sql"),
        line("reference: the same merge into a bare typed table", "typed-floor",
             f"not JSON documents; our import is {_ratio(imp, r['typed-floor'])} this"),
        line("peer: frictionless validating the same file", "peer", f"{r['peer']['errors']:,} errors found"),
        line("sync execute over HTTP (median of 3)", "sync", "request latency, creates"),
        line("XLSX parse", "xlsx", ""),
        line("CSV export (query + render)", "csv", f"{_ratio(r['csv'], r['csv-floor'])} DuckDB's COPY"),
        line("floor: DuckDB COPY of the same fields", "csv-floor", ""),
    ]
    for rows in sizes["pdf"]:
        lines.append(line("PDF export (query + render)", f"pdf-{rows}",
                          f"{_ratio(r[f'pdf-{rows}'], r[f'reportlab-{rows}'])} ReportLab"))
        lines.append(line("ReportLab platypus, same rows", f"reportlab-{rows}", ""))
    lines.append(END)
    block = "\n".join(lines)
    out.parent.mkdir(parents=True, exist_ok=True)
    text = out.read_text() if out.exists() else "# Benchmarks\n\n"
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + block + text[text.index(END) + len(END):]
    else:
        text = text.rstrip() + "\n\n## Latest run\n\n" + block + "\n"
    out.write_text(text)


if __name__ == "__main__":
    main()
