"""Record and job ids: a random prefix per batch and a sequence, made without a Python loop per row."""

from __future__ import annotations

import secrets

import polars as pl


def new_record_ids(n: int) -> list[str]:
    return new_record_id_series(n).to_list()


def new_record_id_series(n: int) -> pl.Series:
    # 48 random bits per batch plus the position: unique, and sortable within the batch.
    prefix = f"rec_{secrets.token_hex(6)}"
    return pl.select(pl.concat_str(pl.lit(prefix), pl.int_range(n).cast(pl.String).str.zfill(6))
                     .alias("record_id")).to_series()


def new_job_id() -> str:
    return f"job_{secrets.token_hex(8)}"


def new_upload_id() -> str:
    return f"upl_{secrets.token_hex(10)}"
