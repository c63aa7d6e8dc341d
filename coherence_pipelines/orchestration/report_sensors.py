"""The sensors that launch `export_report_job` for saved reports.

`report_schedule_sensor` plays the part of one Dagster schedule per report: Dagster schedules are fixed
when the code location loads, reports are created, changed and deleted through the API at any time, so
the sensor reads every report each tick and requests a run when a report's cron has ticked since the last
run it requested. `report_refresh_sensor` exports the reports marked `refreshAfterImport` when an import
into their account's module completes.
"""


import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import dagster as dg

from coherence_pipelines.execution.jobs import utcnow
from coherence_pipelines.export.cron import is_valid_cron, is_valid_timezone, latest_tick
from coherence_pipelines.orchestration.report_exports import export_report_job, report_run_tags, reports_partitions
from coherence_pipelines.orchestration.resources import CoherenceResource

# Imports whose completion was written just before an earlier tick's read but committed after it are
# caught by looking back this far; the cursor's list of seen imports keeps them from running twice.
IMPORT_LOOKBACK = timedelta(minutes=10)


def _all_reports(coherence: CoherenceResource) -> list[dict[str, Any]]:
    with coherence.store.session() as session:
        return session.list_reports(None)


def _add_partitions(context: dg.SensorEvaluationContext, report_ids: set[str]) -> list[dg.AddDynamicPartitionsRequest]:
    known = set(context.instance.get_dynamic_partitions(reports_partitions.name))
    missing = sorted(report_ids - known)
    return [dg.AddDynamicPartitionsRequest(reports_partitions.name, missing)] if missing else []


def scheduled_runs(reports: list[dict[str, Any]], handled: dict[str, dict[str, str]],
                   now: datetime) -> tuple[list[dg.RunRequest], dict[str, dict[str, str]]]:
    """Run requests for the scheduled reports whose cron ticked after the tick last handled, and the new
    state (report id -> the cron and tick handled). A report seen for the first time, or whose cron
    changed, records its latest tick without running: saving a schedule never exports at once."""
    requests, state = [], {}
    for report in reports:
        schedule = report["definition"].get("schedule") or {}
        cron, timezone = schedule.get("cron"), schedule.get("timezone") or "UTC"
        if not is_valid_cron(cron) or not is_valid_timezone(timezone):
            continue
        tick = latest_tick(cron, now, timezone).isoformat()
        before = handled.get(report["report_id"])
        # A schedule moved to another time zone is a new schedule: it records its tick without running.
        if (before is not None and before["cron"] == cron and before.get("timezone", "UTC") == timezone
                and tick > before["tick"]):
            # One run for the latest tick, however many were missed while the daemon was down.
            requests.append(dg.RunRequest(partition_key=report["report_id"], run_key=f"{report['report_id']}:{tick}",
                                          tags={**report_run_tags(report, "schedule"), "coherence/tick": tick}))
        state[report["report_id"]] = {"cron": cron, "timezone": timezone, "tick": tick}
    return requests, state


@dg.sensor(job=export_report_job, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Exports each saved report with a schedule on its cron (in its time zone, UTC by "
                       "default); new reports join each tick")
def report_schedule_sensor(context: dg.SensorEvaluationContext, coherence: CoherenceResource) -> dg.SensorResult:
    reports = _all_reports(coherence)
    ids = {r["report_id"] for r in reports}
    # Deleted reports leave the cursor (they are not in the new state) and their partitions.
    gone = sorted(set(context.instance.get_dynamic_partitions(reports_partitions.name)) - ids)
    partition_requests: list[dg.AddDynamicPartitionsRequest | dg.DeleteDynamicPartitionsRequest] = [
        *_add_partitions(context, ids)]
    if gone:
        partition_requests.append(dg.DeleteDynamicPartitionsRequest(reports_partitions.name, gone))
    handled = json.loads(context.cursor) if context.cursor else {}
    requests, state = scheduled_runs(reports, handled, datetime.now(UTC))
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(state, sort_keys=True),
                           dynamic_partitions_requests=partition_requests)


@dg.sensor(job=export_report_job, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Exports the reports marked refreshAfterImport when an import into their module completes")
def report_refresh_sensor(context: dg.SensorEvaluationContext, coherence: CoherenceResource) -> dg.SensorResult:
    state = json.loads(context.cursor) if context.cursor else None
    # The first tick starts from now: imports that completed before the sensor ran never trigger exports.
    latest = datetime.fromisoformat(state["completedAt"]) if state else utcnow()
    seen = set(state["jobs"]) if state else set()
    with coherence.store.session() as session:
        imports = session.completed_imports_since(latest - IMPORT_LOOKBACK)
    new = [i for i in imports if i["job_id"] not in seen] if state else []
    # Several imports into one module since the last tick make one export, named after the last of them.
    last_import: dict[tuple[str, str], dict[str, Any]] = {}
    for imp in new:
        last_import[(imp["account_id"], imp["module"])] = imp
    requests, refreshed = [], set()
    if last_import:
        by_module: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for report in _all_reports(coherence):
            if report["definition"].get("refreshAfterImport"):
                by_module[(report["account_id"], report["module"])].append(report)
        for key, imp in last_import.items():
            for report in by_module.get(key, []):
                refreshed.add(report["report_id"])
                requests.append(dg.RunRequest(
                    partition_key=report["report_id"], run_key=f"{report['report_id']}:{imp['job_id']}",
                    tags={**report_run_tags(report, "sensor"), "coherence/import_job_id": imp["job_id"]}))
    latest = max([latest, *(i["completed_at"] for i in imports)])
    cursor = {"completedAt": latest.isoformat(),
              "jobs": sorted(i["job_id"] for i in imports if i["completed_at"] >= latest - IMPORT_LOOKBACK)}
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(cursor),
                           dynamic_partitions_requests=_add_partitions(context, refreshed))
