"""Value validation and normalisation: each field type's accepted forms, errors and warnings.

    from coherence_pipelines.validation import NormalizeContext, normalize_column
    column = normalize_column(raw_text_series, field, NormalizeContext(region="DE"))
    column.value, column.error, column.warning, column.notes

Everything runs as polars expressions over the whole column; only phonenumbers and rapidfuzz run in
Python, once per distinct value that the expressions could not decide.
"""

from coherence_pipelines.validation.normalize import normalize_column, value_dtype
from coherence_pipelines.validation.result import NormalizeContext, NormalizedColumn

__all__ = ["NormalizeContext", "NormalizedColumn", "normalize_column", "value_dtype"]
