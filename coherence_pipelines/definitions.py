"""The Dagster code location: `dagster dev -w workspace.yaml`, or `coherence up`."""

from __future__ import annotations

import dagster as dg

from coherence_pipelines.orchestration.cleanup import cleanup_job, cleanup_schedule
from coherence_pipelines.orchestration.import_job import import_file_job
from coherence_pipelines.orchestration.inbox_sensor import inbox_sensor
from coherence_pipelines.orchestration.report_exports import export_report_job, report_export
from coherence_pipelines.orchestration.report_sensors import report_refresh_sensor, report_schedule_sensor
from coherence_pipelines.orchestration.resources import CoherenceResource

defs = dg.Definitions(
    assets=[report_export],
    jobs=[import_file_job, export_report_job, cleanup_job],
    sensors=[inbox_sensor, report_schedule_sensor, report_refresh_sensor],
    schedules=[cleanup_schedule],
    resources={"coherence": CoherenceResource()},
)


def import_file_job_with_resources() -> dg.JobDefinition:
    """The job with its resources bound, for `dg.reconstructable` (background launches)."""
    return defs.resolve_job_def("import_file_job")
