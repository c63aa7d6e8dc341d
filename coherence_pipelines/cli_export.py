"""`coherence export`: one export straight from the store, through the same renderer as the API."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from coherence_pipelines.errors import ModuleNotFound, ReportNotFound
from coherence_pipelines.export import build_spec, download_name, module_of, render, select_rows
from coherence_pipelines.export.reports import report_spec
from coherence_pipelines.store import RecordStore


def run_export(store: RecordStore, account: str, fmt: str, *, module_slug: str | None, report_id: str | None,
               out: Path | None, config: dict[str, Any]) -> dict[str, Any]:
    """Writes the export to `out` (default: the API's download name in the current folder)."""
    with store.session() as session:
        account_id = session.account_id_by_name(account)
        report = session.get_report(account_id, report_id) if account_id and report_id else None
    if account_id is None:
        raise ModuleNotFound(f"No account named {account!r}: create it with `coherence keys create --account`")
    if report_id and report is None:
        raise ReportNotFound()
    slug = report["module"] if report else module_slug
    module = module_of(store, account_id, slug or "")
    if module is None:
        raise ModuleNotFound(f"Module not found: {slug!r} is not a module of account {account!r}")
    spec = report_spec(module, report, fmt, config) if report else build_spec(module, fmt, config)
    now = datetime.now(UTC)
    target = out or Path(download_name(report["name"] if report else module.slug, fmt, now))
    rendered = render(select_rows(store, account_id, module, spec), module, spec, target, generated_at=now)
    return {"file": str(rendered.path), "rows": rendered.row_count, "bytes": rendered.size_bytes,
            "contentType": rendered.content_type}
