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

_DIGIT_ALTERNATIVES = re.compile(r"\d+(\|\d+)*")


@cache
def possible_lengths() -> tuple[pl.DataFrame, pl.DataFrame]:
    """(cc, length): the possible lengths of the national part per calling code; (cc, trunk): the digit
    strings a national part must not start with (trunk prefixes, which phonenumbers would strip). Codes
    whose prefix rules are patterns beyond plain alternatives ("0|180020" is fine) are left out."""
    lengths_rows: list[tuple[str, int]] = []
    trunk_rows: list[tuple[str, str]] = []
    for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
        region = phonenumbers.region_code_for_country_code(code)
        meta = PhoneMetadata.metadata_for_region_or_calling_code(code, region)
        if meta is None or meta.general_desc is None:
            continue
        prefixes = [p for p in (meta.national_prefix_for_parsing, meta.national_prefix) if p]
        lengths = meta.general_desc.possible_length or ()
        if any(not _DIGIT_ALTERNATIVES.fullmatch(p) for p in prefixes) or -1 in lengths:
            continue
        trunks = {alt for p in prefixes for alt in p.split("|")}
        lengths_rows.extend((str(code), length) for length in lengths)
        trunk_rows.extend((str(code), t) for t in sorted(trunks))
    return (pl.DataFrame(lengths_rows, schema={"cc": pl.String, "length": pl.Int64}, orient="row"),
            pl.DataFrame(trunk_rows, schema={"cc": pl.String, "trunk": pl.String}, orient="row"))


def fast_international(key: pl.Series) -> pl.Series:
    """For keys "+digits": the E.164 text when the number is surely possible, else null. Calling codes
    are prefix-free, so of the 1-, 2- and 3-digit prefixes at most one is a code."""
    lengths, trunks = possible_lengths()
    digits = key.str.strip_prefix("+")
    frame = pl.DataFrame({"key": key, "digits": digits}).with_row_index("row")
    found = []
    for width in (1, 2, 3):
        candidates = frame.filter(key.str.starts_with("+")).with_columns(
            cc=pl.col("digits").str.slice(0, width),
            national=pl.col("digits").str.slice(width),
        ).with_columns(length=pl.col("national").str.len_chars().cast(pl.Int64))
        hits = candidates.join(lengths, on=["cc", "length"], how="inner")
        trunked = hits.join(trunks, on="cc", how="inner").filter(pl.col("national").str.starts_with(pl.col("trunk")))
        found.append(hits.join(trunked.select("row").unique(), on="row", how="anti").select("row", "key"))
    hits = pl.concat(found).rename({"key": "e164"})
    return frame.join(hits, on="row", how="left", maintain_order="left")["e164"]
