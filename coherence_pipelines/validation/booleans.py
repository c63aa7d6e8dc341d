"""Boolean fields: yes/no words in the languages our users write, checkmarks and 1/0."""

from __future__ import annotations

import polars as pl

from coherence_pipelines.modules.fields import FieldDef
from coherence_pipelines.validation.result import NormalizeContext, NormalizedColumn, messages, result

TRUE_WORDS = ("yes", "y", "true", "t", "1", "x", "ja", "j", "oui", "sí", "si", "on", "checked", "✓", "✔")
FALSE_WORDS = ("no", "n", "false", "f", "0", "nein", "non", "off", "unchecked")
WORDS: dict[str, bool] = {**dict.fromkeys(TRUE_WORDS, True), **dict.fromkeys(FALSE_WORDS, False)}
NOT_BOOLEAN = "Not a yes/no value"


def normalize_boolean(s: pl.Series, field: FieldDef, ctx: NormalizeContext) -> NormalizedColumn:
    """True/False for the words above, case-insensitive; anything else is an error. "x" is true: a
    spreadsheet checkbox column marks the yes rows and leaves the others empty (null)."""
    value = s.str.to_lowercase().replace_strict(WORDS, default=None, return_dtype=pl.Boolean)
    error = messages(s.is_not_null() & value.is_null(), NOT_BOOLEAN)
    return result(value, error)
