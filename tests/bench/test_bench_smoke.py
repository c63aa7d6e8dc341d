"""The benchmark harness at smoke size: every case runs and the report is written. Not a timed test: the
figures are whatever this machine gives; only their presence is checked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_smoke_benchmark_writes_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "benchmarks.md"
    out.write_text("# Benchmarks\n\nNotes kept across runs.\n\n<!-- bench:begin -->\nold\n<!-- bench:end -->\n")
    proc = subprocess.run([sys.executable, "-m", "bench", "--smoke", "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    text = out.read_text()
    assert "Notes kept across runs." in text and "\nold\n" not in text
    for label in ("our import", "floor: DuckDB alone", "bare typed table", "frictionless", "sync execute over HTTP", "XLSX parse",
                  "CSV export", "PDF export", "ReportLab"):
        assert label in text, label
    assert "9,900 updated, 9,900 created, 200 errors" in text  # the import did what the data says
