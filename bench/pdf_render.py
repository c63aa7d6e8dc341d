"""Measures the PDF renderer: seconds and peak memory to write generated contact tables of several sizes.

    .venv/bin/python bench/pdf_render.py                 # 2,000 and 10,000 rows
    .venv/bin/python bench/pdf_render.py 2000 100000     # any sizes

Wall seconds depend on what else the machine runs; CPU seconds (user + system) less so, though a busy
machine inflates them too.
Each size runs in a fresh child process, so one size's peak RSS (ru_maxrss, which never goes down)
does not hide the next one's; the child's RSS before rendering (interpreter, libraries, the table
itself) is printed beside the peak.
"""

from __future__ import annotations

import multiprocessing
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from coherence_pipelines.export.pdf import write_pdf

DEFAULT_SIZES = (2_000, 10_000)
FIRST_NAMES = ("Anna", "José", "Zoë", "Łukasz", "Mette", "Νίκος", "Ольга", "Amadou", "Siobhán", "Kenji")
LAST_NAMES = ("Müller", "García", "Ångström", "Nowak", "O'Brien", "Papadopoulos", "Иванова", "Diallo")


def contacts(rows: int) -> pl.DataFrame:
    return pl.DataFrame({
        "Name": [f"{FIRST_NAMES[i % 10]} {LAST_NAMES[i % 8]} {i:06d}" for i in range(rows)],
        "Email": [f"contact{i}@example-company-{i % 97}.com" for i in range(rows)],
        "Phone": [f"+49 30 {i % 1000:03d} {i % 10000:04d}" for i in range(rows)],
        "Owner": [None if i % 11 == 0 else f"{FIRST_NAMES[(i // 7) % 10]} Sales" for i in range(rows)],
        "Created": [f"2026-{1 + i % 12:02d}-{1 + i % 28:02d} 09:{i % 60:02d}" for i in range(rows)],
        "Updated": [f"2026-11-{1 + i % 28:02d} 17:{i % 60:02d}" for i in range(rows)],
    })


def measure(rows: int, out_dir: str, results: multiprocessing.Queue) -> None:
    table = contacts(rows)
    before_mb = _peak_rss_mb()
    cpu_started, started = _cpu_seconds(), time.perf_counter()
    out = Path(out_dir) / f"contacts-{rows}.pdf"
    pages = write_pdf(table, out, title="Contacts", description=f"{rows:,} generated contacts",
                      generated_at=datetime.now(UTC))
    results.put((rows, pages, time.perf_counter() - started, _cpu_seconds() - cpu_started, before_mb,
                 _peak_rss_mb(), out.stat().st_size))


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def main(argv: list[str]) -> None:
    sizes = [int(arg) for arg in argv] or list(DEFAULT_SIZES)
    context = multiprocessing.get_context("spawn")
    print(f"{'rows':>8} {'pages':>6} {'seconds':>8} {'CPU s':>6} {'RSS before MB':>14} {'peak RSS MB':>12} "
          f"{'file MB':>8}")
    with tempfile.TemporaryDirectory() as out_dir:
        for rows in sizes:
            results = context.Queue()
            child = context.Process(target=measure, args=(rows, out_dir, results))
            child.start()
            rows, pages, seconds, cpu, before_mb, peak_mb, size = results.get()
            child.join()
            print(f"{rows:>8,} {pages:>6,} {seconds:>8.2f} {cpu:>6.2f} {before_mb:>14.0f} {peak_mb:>12.0f} "
                  f"{size / 2**20:>8.1f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
