"""URL fields: a scheme is added when missing; the accounts `domain` field keeps only the bare host."""

from __future__ import annotations

import polars as pl

from coherence_pipelines.modules.fields import FieldDef
from coherence_pipelines.validation.result import NormalizeContext, NormalizedColumn, messages, result

INVALID_URL = "Invalid URL"
_SCHEME = r"^[A-Za-z][A-Za-z0-9+.\-]*://"


def normalize_url(s: pl.Series, field: FieldDef, ctx: NormalizeContext) -> NormalizedColumn:
    """`acme.com` -> `https://acme.com`, a URL with a scheme is kept. A field with slug `domain` stores the
    lower-cased host without `www.`: `https://www.Acme.com/about` -> `acme.com`. Spaces inside, or a host
    without a dot, are errors."""
    url = pl.col("url")
    host = (url.str.replace(_SCHEME, "").str.replace(r"[/?#].*$", "")
            .str.replace(r"^[^@]*@", "").str.replace(r":\d*$", "").str.strip_chars_end("."))
    frame = s.to_frame("url").with_columns(host=host)
    frame = frame.with_columns(bad=url.str.contains(r"\s") | ~pl.col("host").str.contains(r"[^.]\.[^.]"))
    if field.slug == "domain":
        value = pl.col("host").str.to_lowercase().str.replace(r"^www\.", "")
    else:
        value = pl.when(url.str.contains(_SCHEME)).then(url).otherwise(pl.lit("https://") + url)
    value_s = frame.select(value.alias("v"))["v"]
    error = messages(frame["bad"], INVALID_URL)
    return result(value_s, error)
