"""Execution: map, validate, match duplicates, merge, resolve references and apply, chunk by chunk."""

from coherence_pipelines.execution.column_mapping import ColumnMapping
from coherence_pipelines.execution.runner import (
    ImportOptions,
    ImportRunner,
    ImportSource,
    processing_mode,
    rows_frame,
)

__all__ = ["ColumnMapping", "ImportOptions", "ImportRunner", "ImportSource", "processing_mode", "rows_frame"]
