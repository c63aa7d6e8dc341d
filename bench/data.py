"""Benchmark data, generated on the fly with polars: contacts with the mess of real exports (mixed phone
formats, a few bad emails, accents and quotes in names, emails in mixed case)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

FIRST = ["José", "Zoë", "Anna", "Björn", "Chloé", "Dmitri", "Émile", "Fatima", "Grace", "Hiroshi", "Inês", "Jürgen",
         "Kateřina", "Liam", "María", "Noël", "Olga", "Pádraig", "Quentin", "Renée"]
LAST = ["O'Brien", "Müller", "García", "Nguyen", "Smith", 'Kowalski "Kowal"', "Øster", "Dubois", "Rossi", "Tanaka",
        "Silva", "Novák", "Johansson", "Van der Berg", "Papadopoulos", "Ibáñez", "Łukasz", "Schröder", "Ahmed", "Lee"]
CITIES = ["Springfield", "Zürich", "São Paulo", "Kraków", "Montréal", "Köln", "Málaga", "Århus"]
TITLES = ["CEO", "CTO", "Head of Sales", "Engineer", "Account Executive", "VP Marketing", "Analyst", "Founder"]
IMPORT_COLUMNS = ["Full Name", "Email", "Phone", "City", "Job Title"]


def contacts(start: int, n: int, variant: int = 0) -> pl.DataFrame:
    """Rows start..start+n as a person would export them; `variant` changes phone, city and title (the same
    people, with changed values)."""
    i = pl.int_range(start, start + n, dtype=pl.Int64, eager=True).alias("i")
    frame = i.to_frame()
    digits = ((pl.col("i") * 7919 + variant * 13) % 10_000).cast(pl.String).str.zfill(4)
    phone_kind = (pl.col("i") + variant) % 5
    bad = pl.col("i") % 100 == 37  # one in a hundred emails is broken, as in real exports
    email = pl.format("user{}@example.com", pl.col("i"))
    return frame.select(
        pl.format("{} {}", _pick(FIRST, pl.col("i")), _pick(LAST, pl.col("i") // 20)).alias("Full Name"),
        pl.when(bad).then(pl.format("user{}@@example", pl.col("i")))
        .when(pl.col("i") % 3 == 0).then(email.str.to_uppercase()).otherwise(email).alias("Email"),
        pl.when(phone_kind == 0).then(pl.format("+1 415 555 {}", digits))
        .when(phone_kind == 1).then(pl.format("(415) 555-{}", digits))
        .when(phone_kind == 2).then(pl.format("415.555.{}", digits))
        .when(phone_kind == 3).then(pl.format("+44 20 7946 {}", digits))
        .otherwise(pl.lit(None, pl.String)).alias("Phone"),
        _pick(CITIES, pl.col("i") + variant).alias("City"),
        _pick(TITLES, pl.col("i") // 3 + variant).alias("Job Title"),
    )


def _pick(values: list[str], index: pl.Expr) -> pl.Expr:
    return pl.lit(pl.Series(values)).gather(index % len(values))


def import_file(path: Path, existing: int) -> Path:
    """`existing` rows: the first half update people the store holds (changed values), the rest are new."""
    half = existing // 2
    frame = pl.concat([contacts(half, existing - half, variant=1), contacts(existing, half, variant=1)])
    frame.write_csv(path)
    return path


def store_documents(start: int, n: int) -> pl.DataFrame:
    """The same people as stored records: (record_id, module, data JSON) for the record store."""
    # A store holds valid addresses only: the broken ones of the export are stored as they should have been.
    email = pl.col("Email").str.to_lowercase().str.replace("@@example$", "@example.com")
    frame = contacts(start, n).with_columns(email)
    phone = pl.when(pl.col("Phone").is_not_null()).then(
        pl.concat_list(pl.struct(pl.col("Phone").alias("value"), pl.lit("Work").alias("type"))))
    docs = frame.select(pl.struct(
        pl.col("Full Name").alias("displayName"),
        pl.concat_list(pl.struct(pl.col("Email").alias("value"), pl.lit("Work").alias("type"))).alias("email"),
        phone.alias("phone"),
        pl.struct(pl.col("City").alias("city")).alias("address"),
        pl.col("Job Title").alias("jobTitle"),
    ).struct.json_encode().alias("data"))
    ids = pl.format("rec_bench{}", pl.int_range(start, start + n, eager=True).cast(pl.String).str.zfill(9))
    return docs.select(pl.select(ids.alias("record_id")).to_series(), pl.lit("contacts").alias("module"),
                       pl.col("data"))


def mapping_file(path: Path) -> Path:
    mapping = [{"sourceColumn": "Full Name", "targetFieldSlug": "displayName"},
               {"sourceColumn": "Email", "targetFieldSlug": "email"},
               {"sourceColumn": "Phone", "targetFieldSlug": "phone", "valueType": "Work"},
               {"sourceColumn": "City", "targetFieldSlug": "address", "addressPart": "city"},
               {"sourceColumn": "Job Title", "targetFieldSlug": "jobTitle"}]
    path.write_text(json.dumps({"columnMapping": mapping}))
    return path
