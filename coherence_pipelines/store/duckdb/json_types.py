"""Typed reads of record documents: the structure DuckDB's json_transform reads fields into, from their
polars dtypes, so that only the asked-for fields leave the store and arrive typed."""

from __future__ import annotations

import json
from typing import Any

import polars as pl

from coherence_pipelines.store.match_keys import checked_slug

# What json_transform calls the scalar dtypes a record's fields are kept in.
_JSON_TYPES = {pl.String: "VARCHAR", pl.Float64: "DOUBLE", pl.Int64: "BIGINT", pl.Boolean: "BOOLEAN"}


def json_type(dtype: pl.DataType) -> Any:
    """The json_transform structure that reads a JSON value as `dtype` (lists and structs nest)."""
    if isinstance(dtype, pl.List):
        return [json_type(dtype.inner)]
    if isinstance(dtype, pl.Struct):
        return {f.name: json_type(f.dtype) for f in dtype.fields}
    return _JSON_TYPES[dtype.base_type()]


def json_structure(fields: dict[str, pl.DataType]) -> str:
    """The structure of a document holding `fields`, for `unnest(json_transform(data, $structure))`."""
    return json.dumps({checked_slug(slug): json_type(dtype) for slug, dtype in fields.items()})
