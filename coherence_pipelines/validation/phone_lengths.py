"""Which international numbers phonenumbers would call possible, decided as a polars join.

phonenumbers decides "possible" for a number written with its country code by the length of the
national part, from its metadata. The same table, joined on (country code, length), decides the bulk of
a column without a call per value. Numbers it cannot vouch for (national part starting with the
country's trunk prefix, countries whose prefix rules are patterns) go to phonenumbers itself.
"""

from __future__ import annotations

import re
from functools import cache

import phonenumbers
import polars as pl
from phonenumbers import PhoneMetadata


@cache
def possible_lengths() -> pl.DataFrame:
    """cc (calling code text), length (of the national part) and trunk (the digit a national part must
    not start with, "" if none) for the codes whose prefix rules are plain digits."""
    rows: list[tuple[str, int, str]] = []
    for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
        region = phonenumbers.region_code_for_country_code(code)
        meta = PhoneMetadata.metadata_for_region_or_calling_code(code, region)
        if meta is None or meta.general_desc is None:
            continue
        prefixes = [p for p in (meta.national_prefix_for_parsing, meta.national_prefix) if p]
        lengths = meta.general_desc.possible_length or ()
        if any(not re.fullmatch(r"\d+", p) for p in prefixes) or -1 in lengths:
            continue
        trunk = prefixes[0][0] if prefixes else ""
        rows.extend((str(code), length, trunk) for length in lengths)
    return pl.DataFrame(rows, schema={"cc": pl.String, "length": pl.Int64, "trunk": pl.String}, orient="row")


def fast_international(key: pl.Series) -> pl.Series:
    """For keys "+digits": the E.164 text when the number is surely possible, else null. Calling codes
    are prefix-free, so of the 1-, 2- and 3-digit prefixes at most one is a code."""
    table = possible_lengths()
    digits = key.str.strip_prefix("+")
    frame = pl.DataFrame({"key": key, "digits": digits}).with_row_index("row")
    found = []
    for width in (1, 2, 3):
        candidates = frame.filter(key.str.starts_with("+")).with_columns(
            cc=pl.col("digits").str.slice(0, width),
            national=pl.col("digits").str.slice(width),
        ).with_columns(length=pl.col("national").str.len_chars().cast(pl.Int64))
        hits = candidates.join(table, on=["cc", "length"], how="inner").filter(
            (pl.col("trunk") == "") | ~pl.col("national").str.starts_with(pl.col("trunk")))
        found.append(hits.select("row", "key"))
    hits = pl.concat(found).rename({"key": "e164"})
    return frame.join(hits, on="row", how="left", maintain_order="left")["e164"]
