"""`report_export`: a saved report exported to a CSV or PDF file, one partition per report (no postponed
annotations here: Dagster reads the config and resource annotations at definition time).

Each materialisation is one export job (listed by `GET /v1/export-jobs`) whose file it records: path, size,
row count, format. `export_report_job` materialises a partition; the report sensors launch it on each
report's cron schedule and after imports into its module, and the launchpad launches it by hand.
"""


import json
from typing import Any

import dagster as dg

from coherence_pipelines.errors import CoherenceError
from coherence_pipelines.export import create_export_job, module_of, new_export_job, run_export_job
from coherence_pipelines.export.reports import report_spec, triggered_export
from coherence_pipelines.orchestration.resources import CoherenceResource

reports_partitions = dg.DynamicPartitionsDefinition(name="reports")

TRIGGER_TAG = "coherence/trigger"
# The run's trigger tag (set by the sensors; absent when launched by hand) -> the export job's `trigger`.
EXPORT_JOB_TRIGGERS = {"schedule": "schedule", "sensor": "sensor"}


class ReportExportConfig(dg.Config):
    """Overrides for one export. Left empty, a scheduled run exports as the report's `schedule` says, a
    refresh run as its `refreshAfterImport` says, and a run launched by hand as its schedule, else CSV."""

    format: str | None = None  # "csv" or "pdf"
    config: str | None = None  # a JSON export config: columns, columnLabels, title, filters, limit, ...


def report_run_tags(report: dict[str, Any], trigger: str) -> dict[str, str]:
    """The tags the UI filters report exports by."""
    return {"coherence/account_id": report["account_id"], "coherence/report_id": report["report_id"],
            "coherence/module": report["module"], TRIGGER_TAG: trigger}


def find_report(coherence: CoherenceResource, report_id: str) -> dict[str, Any] | None:
    # The partition key is all a run knows: the report may belong to any account.
    with coherence.store.session() as session:
        return next((r for r in session.list_reports(None) if r["report_id"] == report_id), None)


@dg.asset(partitions_def=reports_partitions, group_name="exports", kinds={"csv", "pdf"},
          description="A saved report exported to a file: one partition per report, one export job per run")
def report_export(context: dg.AssetExecutionContext, config: ReportExportConfig,
                  coherence: CoherenceResource) -> dg.MaterializeResult:
    report_id = context.partition_key
    report = find_report(coherence, report_id)
    if report is None:
        raise dg.Failure(f"Report {report_id} no longer exists: it was deleted after its partition was added. "
                         "Nothing was exported.", allow_retries=False)
    trigger = context.run.tags.get(TRIGGER_TAG, "manual")
    context.instance.add_run_tags(context.run.run_id, report_run_tags(report, trigger))
    fmt, export_config = triggered_export(report, trigger if trigger in EXPORT_JOB_TRIGGERS else "schedule")
    if config.format:
        fmt = config.format
    if config.config:
        export_config = _config_doc(config.config)
    store, settings = coherence.store, coherence.settings
    module = module_of(store, report["account_id"], report["module"])
    if module is None:
        raise dg.Failure(f"Report {report_id} ({report['name']!r}) exports module {report['module']!r}, "
                         "which no longer exists", allow_retries=False)
    try:
        spec = report_spec(module, report, fmt, export_config)
    except CoherenceError as exc:
        raise dg.Failure(f"Report {report_id} cannot be exported: {exc.message}", allow_retries=False) from None
    job = create_export_job(store, new_export_job(
        report["account_id"], spec, source_type="report", source_id=report_id, source_name=report["name"],
        trigger=EXPORT_JOB_TRIGGERS.get(trigger, "dagster")))
    context.instance.add_run_tags(context.run.run_id, {"coherence/export_job_id": job["export_job_id"]})
    job = run_export_job(store, settings.exports_dir, job["export_job_id"])
    if job["status"] != "completed":
        raise dg.Failure(f"Export job {job['export_job_id']} of report {report_id} failed: {job['failure']}",
                         metadata={"export_job_id": job["export_job_id"]})
    context.log.info(f"{job['row_count']} rows written to {job['file_path']}")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": dg.MetadataValue.int(job["row_count"]),  # the key the UI shows as row count
        "size_bytes": dg.MetadataValue.int(job["file_size_bytes"]),
        "path": dg.MetadataValue.path(job["file_path"]),
        "format": spec.format,
        "export_job_id": job["export_job_id"],
        "report_name": report["name"],
        "trigger": job["trigger"],
    })


def _config_doc(text: str) -> dict[str, Any]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise dg.Failure(f"config is not valid JSON ({exc})", allow_retries=False) from None
    if not isinstance(doc, dict):
        raise dg.Failure("config must be a JSON object such as {\"columns\": [\"displayName\"]}",
                         allow_retries=False)
    return doc


export_report_job = dg.define_asset_job(
    "export_report_job", selection=[report_export],
    description="Export a saved report (the partition is its report id) as an export job",
    tags={"coherence/kind": "report_export"})
