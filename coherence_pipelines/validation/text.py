"""Text-like fields: text, long_text, reference, address parts and user. Trimmed; nothing is an error."""

from __future__ import annotations

import polars as pl

from coherence_pipelines.modules.fields import FieldDef
from coherence_pipelines.validation.emails import EMAIL_PATTERN
from coherence_pipelines.validation.result import NormalizeContext, NormalizedColumn, result


def normalize_text(s: pl.Series, field: FieldDef, ctx: NormalizeContext) -> NormalizedColumn:
    """The trimmed text (the dispatcher has already trimmed and nulled blanks). References are resolved
    later, so they are text here too."""
    return result(s)


def normalize_user(s: pl.Series, field: FieldDef, ctx: NormalizeContext) -> NormalizedColumn:
    """A user is named by email; an email is lower-cased so it matches the account's users, anything else
    (a name) is kept as written for the resolver to try."""
    value = s.to_frame("v").select(
        pl.when(pl.col("v").str.contains(EMAIL_PATTERN)).then(pl.col("v").str.to_lowercase())
        .otherwise(pl.col("v")).alias("v"))["v"]
    return result(value)
