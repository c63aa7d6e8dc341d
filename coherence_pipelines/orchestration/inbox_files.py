"""Files in the inbox after their import: moved to `done/` or `failed/`, with an error report CSV beside
them listing the failing rows, each with its errors."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from coherence_pipelines.orchestration.import_request import ImportRequest
from coherence_pipelines.settings import Settings
from coherence_pipelines.staging import load_upload
from coherence_pipelines.store import RecordStore


def finish_inbox_file(store: RecordStore, settings: Settings, req: ImportRequest) -> Path | None:
    """Move an imported file to `done/` (or `failed/` when every row failed), with its error report."""
    with store.session() as session:
        job = session.get_job(req.account_id, req.import_job_id)
    errors = (job or {}).get("errors") or []
    target = _move(Path(req.file_path or ""), "failed" if (job or {}).get("status") == "failed" else "done")
    if target is not None and errors:
        write_error_report(settings, req, errors, target.with_name(target.name + ".errors.csv"))
    return target


def fail_inbox_file(store: RecordStore, path: Path, tags: Mapping[str, str], failure: str) -> Path | None:
    """Move a file whose run failed to `failed/`, with the failure (and the job's row errors, if any)."""
    errors: list[dict] = []
    job_id, account = tags.get("coherence/import_job_id"), tags.get("coherence/account")
    if job_id and account:
        with store.session() as session:
            account_id = session.account_id_by_name(account)
            job = session.get_job(account_id, job_id) if account_id else None
        errors = (job or {}).get("errors") or []
    target = _move(path, "failed")
    if target is not None:
        failure_row = pl.DataFrame({"Row": [None], "Errors": [failure]}, schema=_errors_per_row([]).schema)
        pl.concat([_errors_per_row(errors), failure_row]).write_csv(target.with_name(target.name + ".errors.csv"))
    return target


def _move(source: Path, folder: str) -> Path | None:
    if not source.is_file():
        return None
    target_dir = source.parent / folder
    target_dir.mkdir(exist_ok=True)
    target = target_dir / source.name
    shutil.move(source, target)
    sidecar = source.with_name(source.name + ".json")
    if sidecar.exists():
        shutil.move(sidecar, target_dir / sidecar.name)
    return target


def write_error_report(settings: Settings, req: ImportRequest, errors: list[dict], path: Path) -> None:
    """The failing rows as the file had them, with `Row` and `Errors` columns first."""
    _, rows = load_upload(settings.staging_dir, req.account_id, req.upload_id)
    _errors_per_row(errors).join(rows, left_on="Row", right_on="_row", how="left").write_csv(path)


def _errors_per_row(errors: list[dict]) -> pl.DataFrame:
    """(Row, Errors): a job's errors, one line per row, as `field: error; field: error`."""
    frame = pl.DataFrame(errors, schema={"row": pl.Int64, "field": pl.String, "value": pl.String, "error": pl.String})
    return (frame.group_by("row", maintain_order=True)
            .agg(pl.concat_str([pl.col("field").fill_null(""), pl.col("error")], separator=": ")
                 .str.join("; ").alias("Errors"))
            .rename({"row": "Row"}))
