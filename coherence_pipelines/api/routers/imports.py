"""The four-step import (parse, suggest-mapping, validate, execute) and import jobs with rollback."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response, StreamingResponse

from coherence_pipelines.api.deps import AppSettings, ImportPrincipal, Store, find_module
from coherence_pipelines.api.envelope import ok
from coherence_pipelines.api.import_modes import progress_events, start_background
from coherence_pipelines.api.schemas import ExecuteIn, RowsIn, SuggestMappingIn, ValidateIn
from coherence_pipelines.api.upload_stream import receive_file
from coherence_pipelines.errors import ImportJobNotFound, JobNotRollbackable
from coherence_pipelines.execution import (
    ColumnMapping,
    ImportOptions,
    ImportRunner,
    ImportSource,
    processing_mode,
    rows_frame,
)
from coherence_pipelines.execution.jobs import job_view, utcnow
from coherence_pipelines.execution.liveness import settled
from coherence_pipelines.mapping.memory import choose_mapping
from coherence_pipelines.parsing import parse_file, safe_file_name
from coherence_pipelines.settings import PREVIEW_ROWS, Settings
from coherence_pipelines.staging import load_upload, stage_upload
from coherence_pipelines.store import StoreSession
from coherence_pipelines.validation import NormalizeContext

router = APIRouter(prefix="/modules/{module}/import", tags=["import"])


@router.post("/parse", summary="Step 1: upload and parse a CSV, XLSX or XLS file")
async def parse(module: str, request: Request, principal: ImportPrincipal, store: Store,
                settings: AppSettings) -> JSONResponse:
    mod = await run_in_threadpool(find_module, store, principal.account_id, module)
    received = await receive_file(request, settings.staging_dir, settings.max_upload_bytes)
    try:
        data = await run_in_threadpool(_parse_and_stage, settings, principal.account_id, mod.slug,
                                       received.path, received.file_name)
    finally:
        received.path.unlink(missing_ok=True)
    return ok(data)


def _parse_and_stage(settings: Settings, account_id: str, module: str, path: Any, file_name: str | None) -> dict:
    parsed = parse_file(path)
    name = safe_file_name(file_name)
    staged = stage_upload(settings.staging_dir, account_id, module, parsed.frame, file_name=name,
                          file_type=parsed.file_type, encoding=parsed.encoding, delimiter=parsed.delimiter)
    sample = parsed.frame.head(PREVIEW_ROWS).fill_null("").to_dicts()
    return {
        "sourceColumns": parsed.columns,
        "sampleRows": sample,
        "totalRows": parsed.frame.height,
        "fileType": parsed.file_type,
        "fileName": name,
        "encoding": parsed.encoding,
        "uploadId": staged.upload_id,
        "delimiter": parsed.delimiter,
        "sheetName": parsed.sheet_name,
    }


@router.post("/suggest-mapping", summary="Step 2: suggest which field each column maps to")
def suggest(module: str, body: SuggestMappingIn, principal: ImportPrincipal, store: Store) -> JSONResponse:
    mod = find_module(store, principal.account_id, module)
    with store.session() as session:
        choice = choose_mapping(session, principal.account_id, mod, body.sourceColumns, body.sampleData,
                                body.mappingTemplate)
    return ok({
        "suggestions": [s.to_api() for s in choice.suggestions],
        "aiUsed": False,  # header similarity, value patterns and saved mappings; no learned model takes part
        "targetFields": [f.describe() for f in mod.fields],
        # Beyond the document: the remembered mapping used (if any) and how the file drifted from it.
        "savedMapping": choice.recalled.to_api() if choice.recalled else None,
        "warnings": choice.recalled.warnings() if choice.recalled else [],
    })


@router.post("/validate", summary="Step 3: check mapped rows before importing, and preview the effect")
def validate(module: str, body: ValidateIn, principal: ImportPrincipal, store: Store,
             settings: AppSettings) -> JSONResponse:
    runner, source = _runner(module, body, principal.account_id, store, settings, ImportOptions(
        column_mapping=_mapping(body), duplicate_strategy=body.duplicateStrategy,
        duplicate_match_fields=body.duplicateMatchFields,
        create_missing_references=body.createMissingReferences, static_values=body.staticValues,
        date_order=body.dateOrder))
    return ok(runner.validate(source))


@router.post("/execute", summary="Step 4: run the import (sync, stream or background by row count)")
def execute(module: str, body: ExecuteIn, request: Request, principal: ImportPrincipal, store: Store,
            settings: AppSettings) -> Response:
    runner, source = _runner(module, body, principal.account_id, store, settings, ImportOptions(
        column_mapping=_mapping(body), duplicate_strategy=body.duplicateStrategy,
        duplicate_match_fields=body.duplicateMatchFields, merge_mode=body.mergeMode,
        ai_mapping_used=body.aiMappingUsed, skip_validation=body.skipValidation,
        create_missing_references=body.createMissingReferences, static_values=body.staticValues,
        date_order=body.dateOrder, save_mapping_as=body.saveMappingAs))
    mode = processing_mode(source.rows.height)
    if mode == "background":
        return ok(start_background(runner, source, settings, principal.account_name), status_code=202)
    if mode == "stream" and "application/x-ndjson" in request.headers.get("accept", ""):
        return StreamingResponse(progress_events(runner, source), media_type="application/x-ndjson")
    return ok(runner.execute(source))


def _mapping(body: RowsIn) -> list[ColumnMapping]:
    return [ColumnMapping(source_column=m.sourceColumn, target_field_slug=m.targetFieldSlug,
                          ignored=bool(m.ignored), value_type=m.valueType, address_part=m.addressPart)
            for m in body.columnMapping]


def _runner(module: str, body: RowsIn, account_id: str, store: Any, settings: Settings,
            options: ImportOptions) -> tuple[ImportRunner, ImportSource]:
    mod = find_module(store, account_id, module)
    if body.uploadId is not None:
        meta, rows = load_upload(settings.staging_dir, account_id, body.uploadId)
        source = ImportSource(rows=rows, file_name=meta.file_name, file_type=meta.file_type, upload_id=meta.upload_id,
                              encoding=meta.encoding, delimiter=meta.delimiter)
    else:
        source = ImportSource(rows=rows_frame(body.rows or []))
    ctx = NormalizeContext(region=settings.default_region, date_order=body.dateOrder)
    return ImportRunner(store, account_id, mod, options, ctx), source


@router.get("/jobs", summary="Import history, newest first")
def list_jobs(module: str, principal: ImportPrincipal, store: Store,
              limit: Annotated[int, Query(ge=1, le=100)] = 50) -> JSONResponse:
    mod = find_module(store, principal.account_id, module)
    with store.session() as session:
        jobs = [settled(session, j, utcnow()) for j in session.list_jobs(principal.account_id, mod.slug, limit)]
    return ok([job_view(j, mod.module_id) for j in jobs])


@router.get("/jobs/{job_id}", summary="One import job's status and progress")
def get_job(module: str, job_id: str, principal: ImportPrincipal, store: Store) -> JSONResponse:
    mod = find_module(store, principal.account_id, module)
    with store.session() as session:
        job = _job_of(session, principal.account_id, mod.slug, job_id)
    return ok(job_view(job, mod.module_id))


def _job_of(session: StoreSession, account_id: str, module: str, job_id: str) -> dict[str, Any]:
    """The account's job in this module; anything else (another account's job) is not found."""
    job = session.get_job(account_id, job_id)
    if job is None or job["module"] != module:
        raise ImportJobNotFound()
    return settled(session, job, utcnow())


@router.delete("/jobs/{job_id}", summary="Roll an import back: delete what it created, restore what it updated")
def rollback(module: str, job_id: str, principal: ImportPrincipal, store: Store) -> JSONResponse:
    mod = find_module(store, principal.account_id, module)
    with store.session() as session:
        job = _job_of(session, principal.account_id, mod.slug, job_id)
        if job["status"] == "cancelled":
            raise JobNotRollbackable("This import was already rolled back")
        if job["status"] in ("pending", "processing"):
            raise JobNotRollbackable("This import is still running; roll it back when it has finished")
        now = session.clock()  # restored records' write time, by the clock imports recheck against
        result = session.rollback(principal.account_id, job_id, now)
        session.update_job(job_id, {"status": "cancelled", "rolled_back_at": now})
    data: dict[str, Any] = {"deletedCount": result.deleted_count, "restoredCount": result.restored_count}
    if result.conflicts:
        data["changedSinceRecordIds"] = result.conflicts
    return ok(data)
