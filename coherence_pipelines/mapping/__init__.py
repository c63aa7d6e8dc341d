"""Mapping suggestions: which module field each column of an import file most likely belongs to.

    suggest_mapping(module, source_columns, sample_rows=None) -> list[Suggestion]

One Suggestion per column, in order; see suggest.py for how confidence is scored.
"""

from coherence_pipelines.mapping.suggest import Suggestion, suggest_mapping

__all__ = ["Suggestion", "suggest_mapping"]
