"""Exports: module records and saved reports to CSV and PDF, directly or as export jobs."""

from coherence_pipelines.export.jobs import (
    create_export_job,
    expire_export_files,
    export_job_view,
    new_export_job,
    resumable,
    run_export_job,
    settled_export_job,
)
from coherence_pipelines.export.render import RenderedFile, download_name, module_of, render, select_rows
from coherence_pipelines.export.spec import DIRECT_MAX_ROWS, MAX_LIMIT, ExportSpec, Filter, build_spec

__all__ = ["DIRECT_MAX_ROWS", "MAX_LIMIT", "ExportSpec", "Filter", "RenderedFile", "build_spec",
           "create_export_job", "download_name", "expire_export_files", "export_job_view", "module_of",
           "new_export_job", "render", "resumable", "run_export_job", "select_rows", "settled_export_job"]
