"""The Dagster code location: `dagster dev -w workspace.yaml`, or `coherence up`."""

from __future__ import annotations

import dagster as dg

from coherence_pipelines.orchestration.import_job import import_file_job
from coherence_pipelines.orchestration.inbox_sensor import inbox_sensor
from coherence_pipelines.orchestration.resources import CoherenceResource

defs = dg.Definitions(
    jobs=[import_file_job],
    sensors=[inbox_sensor],
    resources={"coherence": CoherenceResource()},
)


def import_file_job_with_resources() -> dg.JobDefinition:
    """The job with its resources bound, for `dg.reconstructable` (background launches)."""
    return defs.resolve_job_def("import_file_job")
