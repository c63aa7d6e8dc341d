"""One export path for the API, export jobs, Dagster and the CLI: select the rows, render CSV or PDF."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from coherence_pipelines.export import cells
from coherence_pipelines.export.csv_file import write_csv
from coherence_pipelines.export.query import export_frame
from coherence_pipelines.export.spec import ExportSpec
from coherence_pipelines.modules import ModuleDef, merge_definitions
from coherence_pipelines.store.base import RecordStore

CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}


@dataclass(frozen=True)
class RenderedFile:
    path: Path
    row_count: int
    size_bytes: int
    content_type: str


def module_of(store: RecordStore, account_id: str, slug: str) -> ModuleDef | None:
    with store.session() as session:
        return merge_definitions(session.custom_modules(account_id)).get(slug)


def select_rows(store: RecordStore, account_id: str, module: ModuleDef, spec: ExportSpec) -> pl.DataFrame:
    # One snapshot for the two steps of a limited or filtered read (the rows, then their other columns).
    with store.session(snapshot=True) as session:
        return export_frame(session, account_id, module, spec)


def render(frame: pl.DataFrame, module: ModuleDef, spec: ExportSpec, out: Path, *,
           generated_at: datetime | None = None, on_progress: Callable[[float], None] | None = None) -> RenderedFile:
    """Writes the file next to `out` and renames it into place, so a reader never sees half a file."""
    partial = out.with_name(out.name + ".partial")
    for_csv = spec.format == "csv"
    table = cells.text_table(frame, module, spec, for_csv=for_csv)
    labels = cells.headers(module, spec, for_csv=for_csv)
    if for_csv:
        with partial.open("wb") as f:
            write_csv(table, labels if spec.include_headers else None, f, on_progress)
    else:
        from coherence_pipelines.export.pdf import write_pdf  # WeasyPrint loads only when a PDF is asked for

        write_pdf(table.rename(dict(zip(table.columns, _unique(labels), strict=True))), partial,
                  title=spec.title, description=spec.description,
                  generated_at=generated_at or datetime.now(UTC), on_progress=on_progress)
    os.replace(partial, out)
    return RenderedFile(path=out, row_count=frame.height, size_bytes=out.stat().st_size,
                        content_type=CONTENT_TYPES[spec.format])


def download_name(base: str, fmt: str, day: datetime) -> str:
    """`contacts-export-2024-01-15.csv`, as the document names a module export; reports use their name."""
    slug = re.sub(r"[^a-z0-9]+", "-", base.lower()).strip("-")[:60] or "export"
    return f"{slug}-export-{day:%Y-%m-%d}.{fmt}"


def _unique(labels: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out
