"""`import_file_job`: the import steps as Dagster ops over the staging DuckDB file (no postponed
annotations here: Dagster reads the config and resource annotations at definition time).

Launch it from the launchpad with a `file_path` (or an `upload_id` from the API), an account and a
module; the API launches it with an `import_job_id` for background imports, and the inbox sensor for
each dropped file. Every run is tagged with its account, module and import job id.
"""


import dataclasses
from pathlib import Path
from typing import Any

import dagster as dg

from coherence_pipelines.mapping.memory import choose_mapping
from coherence_pipelines.orchestration.import_request import (
    ImportRequest,
    options_from_config,
    request_for_file,
    request_for_job,
    request_for_upload,
)
from coherence_pipelines.orchestration.inbox_files import fail_inbox_file, finish_inbox_file
from coherence_pipelines.orchestration.resources import CoherenceResource
from coherence_pipelines.settings import PREVIEW_ROWS
from coherence_pipelines.staging import load_upload

RETRIES = dg.RetryPolicy(max_retries=2, delay=2)


class ImportFileConfig(dg.Config):
    """What to import. Give `file_path` (a file on this machine) or `upload_id` (parsed by the API);
    the API sets `import_job_id` alone for background imports."""

    file_path: str | None = None
    upload_id: str | None = None
    import_job_id: str | None = None
    account: str = "default"
    module: str = "contacts"
    # "auto" (the remembered mapping, else suggestions), "template:NAME", or a JSON list of
    # {sourceColumn, targetFieldSlug, valueType, addressPart}
    mapping: str = "auto"
    duplicate_strategy: str = "skip"
    match_fields: list[str] = []
    merge_mode: str = "prefer_import"
    create_missing_references: bool = False
    static_values: dict[str, str] = {}
    date_order: str = ""  # MDY, DMY or YMD; empty: as the saved mapping read them, else inferred per column


@dg.op(description="Parse the file into staging (or find the upload / background job it names)")
def stage_rows(context: dg.OpExecutionContext, config: ImportFileConfig, coherence: CoherenceResource) -> dict:
    store, settings = coherence.store, coherence.settings
    if config.import_job_id:
        request = request_for_job(store, config.account, config.import_job_id)
    else:
        options = options_from_config(config.mapping, config.duplicate_strategy, config.match_fields,
                                      config.merge_mode, config.create_missing_references, config.static_values,
                                      config.date_order or None)
        if config.upload_id:
            request = request_for_upload(store, config.account, config.module, config.upload_id, options)
        elif config.file_path:
            request = request_for_file(store, settings, config.account, config.module, Path(config.file_path),
                                       options)
        else:
            raise dg.Failure("Give file_path, upload_id or import_job_id")
    context.instance.add_run_tags(context.run_id, {"coherence/account": request.account,
                                                   "coherence/module": request.module,
                                                   "coherence/import_job_id": request.import_job_id})
    meta, rows = load_upload(settings.staging_dir, request.account_id, request.upload_id)
    context.add_output_metadata({"upload_id": meta.upload_id, "file_name": meta.file_name or "",
                                 "file_type": meta.file_type, "rows": rows.height,
                                 "columns": dg.MetadataValue.json(meta.columns)})
    return dataclasses.asdict(request)


@dg.op(description="Map columns to fields: the given mapping, else the one saved for these headers, else suggestions")
def map_columns(context: dg.OpExecutionContext, request: dict, coherence: CoherenceResource) -> dict:
    req = ImportRequest(**request)
    source = "given"
    if not req.mapping_given:
        meta, rows = load_upload(coherence.settings.staging_dir, req.account_id, req.upload_id)
        module = req.module_def(coherence.store)  # its own session: sessions do not nest
        with coherence.store.session() as session:
            choice = choose_mapping(session, req.account_id, module, meta.columns, rows.head(PREVIEW_ROWS).to_dicts(),
                                    req.options.get("mappingTemplate"))
        req.options["columnMapping"] = choice.column_mapping
        if choice.recalled and choice.recalled.date_order and not req.options.get("dateOrder"):
            req.options["dateOrder"] = choice.recalled.date_order
        for warning in choice.recalled.warnings() if choice.recalled else []:
            context.log.warning(warning)
        source = choice.source
    table = "\n".join(f"| {m['sourceColumn']} | {m.get('targetFieldSlug') or ''} | {m.get('valueType') or ''} "
                      f"| {m.get('addressPart') or ''} |" for m in req.options["columnMapping"])
    context.add_output_metadata({"mapping": dg.MetadataValue.md(
        "| column | field | value type | address part |\n|---|---|---|---|\n" + table),
        "mapping_source": source})
    return dataclasses.asdict(req)


@dg.op(description="Validate the mapped rows and preview what the import will do")
def validate_rows(context: dg.OpExecutionContext, request: dict, coherence: CoherenceResource) -> dict:
    req = ImportRequest(**request)
    runner, source = req.runner(coherence.store, coherence.settings)
    report = runner.validate(source)
    context.add_output_metadata({
        "total_rows": report["totalRows"], "valid_rows": report["validRows"], "error_rows": report["errorRows"],
        "preview": dg.MetadataValue.json(report["preview"]),
        "first_errors": dg.MetadataValue.json(report["errors"][:20]),
    })
    return request


@dg.op(description="Import in chunks, each committed whole; a retry resumes after the last chunk",
       retry_policy=RETRIES)
def execute_import(context: dg.OpExecutionContext, request: dict, coherence: CoherenceResource) -> dict[str, Any]:
    req = ImportRequest(**request)
    runner, source = req.runner(coherence.store, coherence.settings)
    result = runner.execute(source, job_id=req.import_job_id, max_rows=None,
                            on_progress=lambda p: context.log.info(
                                f"{p['processedRows']}/{p['totalRows']} rows processed"))
    if req.file_path:
        finish_inbox_file(coherence.store, coherence.settings, req)
    context.add_output_metadata({k: result[k] for k in ("status", "successRows", "createdRows", "updatedRows",
                                                        "errorRows", "skippedRows")}
                                | {"import_job_id": result["importJobId"],
                                   "first_errors": dg.MetadataValue.json(result["errors"][:20])})
    return {k: v for k, v in result.items() if k not in ("createdRecordIds", "updatedRecordIds")}


@dg.failure_hook(required_resource_keys={"coherence"})
def move_failed_inbox_file(context: dg.HookContext) -> None:
    """A run of an inbox file that fails at any step (after its retries) moves the file to `failed/`."""
    run = context.instance.get_run_by_id(context.run_id)
    config = ((run.run_config if run else {}) or {}).get("ops", {}).get("stage_rows", {}).get("config", {})
    path = config.get("file_path")
    if path and Path(path).is_relative_to(context.resources.coherence.settings.inbox_dir):
        fail_inbox_file(context.resources.coherence.store, Path(path), run.tags if run else {},
                        str(context.op_exception) or type(context.op_exception).__name__)


@dg.job(description="Import one file into a module: stage, map, validate, execute",
        tags={"coherence/kind": "import"}, hooks={move_failed_inbox_file})
def import_file_job() -> None:
    execute_import(validate_rows(map_columns(stage_rows())))
