"""in_file_duplicates: the one-field query (a window over the keys) reports exactly what the general
all-fields query (the keys joined to themselves) reports."""

from __future__ import annotations

import json
import random

import duckdb
import polars as pl

from coherence_pipelines.execution.duplicates import in_file_duplicates
from coherence_pipelines.store import MatchField, sql_files
from coherence_pipelines.store.match_keys import key_union

EMAIL = MatchField("email", "email")


def _general(incoming: pl.DataFrame, fields: list[MatchField]) -> pl.DataFrame:
    con = duckdb.connect()
    con.register("incoming_rows", incoming)
    sql = sql_files.render("records/in_file_duplicates.sql", incoming_keys=key_union(fields, "incoming_rows"),
                           field_count=len(fields))
    return con.sql(sql).pl()


def test_one_field_query_agrees_with_the_general_one() -> None:
    rng = random.Random(7)
    docs = []
    for _ in range(2_000):
        # Rows with no email, one, or two (of a small pool, in mixed case and spacing, so repeats are common).
        picks = [f" User{rng.randrange(300)}@X.com " if rng.random() < 0.5 else f"user{rng.randrange(300)}@x.com"
                 for _ in range(rng.choice([0, 1, 1, 2]))]
        docs.append({"email": [{"value": v, "type": "Work"} for v in picks]})
    incoming = pl.DataFrame({"id": range(1, len(docs) + 1), "data": [json.dumps(d) for d in docs]})
    fast = in_file_duplicates(incoming, [EMAIL])
    assert fast.height > 500  # the pool is small: many rows repeat an earlier one
    assert fast.to_dicts() == _general(incoming, [EMAIL]).to_dicts()


def test_a_row_with_two_emails_names_the_earliest_row_sharing_either() -> None:
    docs = [{"email": [{"value": "b@x.com", "type": "Work"}]}, {"email": [{"value": "a@x.com", "type": "Work"}]},
            {"email": [{"value": "A@x.com", "type": "Work"}, {"value": "b@x.com", "type": "Home"}]}, {"email": None}]
    incoming = pl.DataFrame({"id": [1, 2, 3, 4], "data": [json.dumps(d) for d in docs]})
    assert in_file_duplicates(incoming, [EMAIL]).to_dicts() == [{"_row": 3, "first_row": 1}]
