"""Module exports (direct file or export job) and export jobs with their files."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse, Response

from coherence_pipelines.api.deps import AppSettings, ExportPrincipal, Store, find_module
from coherence_pipelines.api.envelope import ok
from coherence_pipelines.api.schemas import ExportIn
from coherence_pipelines.errors import ExportFileGone, ExportJobNotFound
from coherence_pipelines.execution.jobs import utcnow
from coherence_pipelines.export import (
    DIRECT_MAX_ROWS,
    ExportSpec,
    build_spec,
    create_export_job,
    download_name,
    export_job_view,
    new_export_job,
    render,
    select_rows,
    settled_export_job,
)
from coherence_pipelines.modules import ModuleDef
from coherence_pipelines.settings import Settings

router = APIRouter(tags=["export"])


@router.post("/modules/{module}/export", summary="Export a module's records to CSV or PDF",
             responses={200: {"content": {"text/csv": {}, "application/pdf": {}},
                              "description": "The file, up to 10,000 records"},
                        202: {"description": "An export job, above 10,000 records"}})
async def export_module(module: str, body: ExportIn, request: Request, principal: ExportPrincipal, store: Store,
                        settings: AppSettings) -> Response:
    mod = await run_in_threadpool(find_module, store, principal.account_id, module)
    spec = build_spec(mod, body.format, body.config_doc())
    return await run_in_threadpool(export_or_job, request, store, settings, principal.account_id, mod, spec,
                                   "module", mod.module_id, mod.slug)


def export_or_job(request: Request, store: Store, settings: Settings, account_id: str, module: ModuleDef,
                  spec: ExportSpec, source_type: str, source_id: str, source_name: str) -> Response:
    """The file itself up to 10,000 rows; above that a 202 with the export job that will write it."""
    frame = None
    if not spec.filters:
        # Without filters the count decides, and a large module is read once, by the job, not twice.
        with store.session() as session:
            selected = min(session.count_records(account_id, module.slug), spec.limit or DIRECT_MAX_ROWS + 1)
    else:
        frame = select_rows(store, account_id, module, spec)
        selected = frame.height
    if selected > DIRECT_MAX_ROWS:
        job = create_export_job(store, new_export_job(account_id, spec, source_type=source_type, source_id=source_id,
                                                      source_name=source_name, trigger="api"))
        request.app.state.export_worker.submit(job["export_job_id"])
        return ok(export_job_view(job, str(request.base_url)), status_code=202)
    if frame is None:
        frame = select_rows(store, account_id, module, spec)
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory(dir=settings.exports_dir) as tmp:
        rendered = render(frame, module, spec, Path(tmp) / f"export.{spec.format}", generated_at=now)
        content = rendered.path.read_bytes()
    name = download_name(source_name, spec.format, now)
    return Response(content, media_type=rendered.content_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "X-Record-Count": str(rendered.row_count)})


@router.get("/export-jobs", summary="Export jobs, newest first (the document's top-level `jobs`)")
def list_export_jobs(request: Request, principal: ExportPrincipal, store: Store,
                     limit: Annotated[int, Query(ge=1, le=100)] = 25) -> JSONResponse:
    with store.session() as session:
        jobs = [settled_export_job(session, j, utcnow()) for j in session.list_export_jobs(principal.account_id, limit)]
    base = str(request.base_url)
    return JSONResponse({"success": True, "jobs": [export_job_view(j, base) for j in jobs]})


@router.get("/export-jobs/{export_job_id}", summary="One export job's status and progress")
def get_export_job(export_job_id: str, request: Request, principal: ExportPrincipal, store: Store) -> JSONResponse:
    return ok(export_job_view(_job(store, principal.account_id, export_job_id), str(request.base_url)))


@router.get("/export-jobs/{export_job_id}/file", summary="Download a completed export job's file",
            response_class=FileResponse)
def download(export_job_id: str, principal: ExportPrincipal, store: Store) -> FileResponse:
    job = _job(store, principal.account_id, export_job_id)
    if job["status"] == "expired":
        raise ExportFileGone()
    path = Path(job["file_path"] or "")
    if job["status"] != "completed" or not path.is_file():
        raise ExportJobNotFound(f"Export job {export_job_id} has no file yet (status {job['status']})")
    return FileResponse(path, media_type=job["content_type"], filename=job["file_name"])


def _job(store: Store, account_id: str, export_job_id: str) -> dict[str, Any]:
    with store.session() as session:
        job = session.get_export_job(account_id, export_job_id)
        if job is None:
            raise ExportJobNotFound()
        return settled_export_job(session, job, utcnow())
