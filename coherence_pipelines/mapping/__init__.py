"""Mapping suggestions: which module field each column of an import file most likely belongs to.

    suggest_mapping(module, source_columns, sample_rows=None) -> list[Suggestion]

One Suggestion per column, in order; see suggest.py for how confidence is scored. Inside: the header
vocabulary in seven languages (synonyms.yaml, vocabulary.py), each module's phrase index (field_index.py),
what a header says (header_matching.py, address_parts.py), what the sample values say (value_sniffing.py)
and the decisions across the file (suggest.py). Accuracy: docs/mapping-accuracy.md.
"""

from coherence_pipelines.mapping.suggest import Suggestion, suggest_mapping

__all__ = ["Suggestion", "suggest_mapping"]
