"""Phone fields: numbers kept as written, plus E.164 when they read as a number of the account's region.

The common shapes (numbers with a country code of a possible length, North American ten digits) are
decided with polars expressions; phonenumbers sees only the distinct values left over, never one call per
row.
"""

from __future__ import annotations

import phonenumbers
import polars as pl
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

from coherence_pipelines.modules.fields import FieldDef
from coherence_pipelines.validation.phone_lengths import fast_international
from coherence_pipelines.validation.result import (
    NormalizeContext,
    NormalizedColumn,
    map_unique,
    messages,
    per_distinct,
    result,
)

PHONE_DTYPE = pl.List(pl.Struct({"value": pl.String, "e164": pl.String}))
INVALID_PHONE = "Invalid phone number"
UNRECOGNISED = "Not a recognised phone number for any region"
# An extension at the end: `ext. 12`, `x12`, `#12`, `extension 12`, German `Durchwahl`/`DW`, French `poste`.
_EXTENSION = r"(?i)[\s,]*(?:extension|ext\.?|x\.?|#|durchwahl|dw\.?|poste)\s*\d{1,7}$"
_PUNCTUATION = r"^[+\d()\-./\s]*$"
_LOOKUP = pl.Struct({"e164": pl.String, "recognised": pl.Boolean})
_POSSIBLE = (ValidationResult.IS_POSSIBLE, ValidationResult.IS_POSSIBLE_LOCAL_ONLY)


def _parse(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(text, region)
    except NumberParseException:
        return None


def _lookup(key: str, region: str) -> dict:
    """E.164 when key (digits, or + and digits) is a valid or possible full number read in region;
    recognised when it is at least a local number there, or a real number once a `+` is put in front
    (a country code written without it). Checking every region instead would cost ~250 parses a value."""
    number = _parse(key, region)
    reason = phonenumbers.is_possible_number_with_reason(number) if number is not None else None
    if number is not None and (reason == ValidationResult.IS_POSSIBLE or phonenumbers.is_valid_number(number)):
        return {"e164": phonenumbers.format_number(number, PhoneNumberFormat.E164), "recognised": True}
    if reason in _POSSIBLE:
        return {"e164": None, "recognised": True}
    international = None if key.startswith("+") else _parse("+" + key, region)
    if international is None:
        return {"e164": None, "recognised": False}
    reason = phonenumbers.is_possible_number_with_reason(international)
    return {"e164": None, "recognised": reason in _POSSIBLE}


def _fast_e164(key: pl.Series, region: str) -> pl.Series:
    """The E.164 text of the numbers phonenumbers would surely call possible, else null: those written
    with a country code (see phone_lengths) and, in North America, ten digits with an area code (2-9
    first: a leading 0 or 1 can be a dialling prefix such as 011), optionally after a 1."""
    fast = fast_international(key)
    if phonenumbers.country_code_for_region(region) != 1:
        return fast
    k = pl.col("key")
    national = (pl.when(k.str.contains(r"^[2-9]\d{9}$")).then(pl.lit("+1") + k)
                .when(k.str.contains(r"^1[2-9]\d{9}$")).then(pl.lit("+") + k))
    frame = pl.DataFrame({"fast": fast, "key": key})
    return frame.select(pl.coalesce("fast", national).alias("e164"))["e164"]


def _parts(s: pl.Series, region: str) -> pl.DataFrame:
    """One row per number (cells split on `;`), with row, cell, ok, e164 and recognised."""
    parts = (s.to_frame("cell").with_row_index("row").with_columns(pl.col("cell").str.split(";"))
             .explode("cell").with_columns(pl.col("cell").str.strip_chars()).filter(pl.col("cell") != ""))
    main = pl.col("cell").str.replace(_EXTENSION, "").str.strip_chars()
    # `+49 (0)30 ...`: the (0) is the national trunk prefix, dropped when dialling from abroad.
    main = main.str.replace(r"^(\+\d{1,3})\s*\(0\)", "$1")
    digits = main.str.replace_all(r"\D", "")
    key = (pl.when(main.str.starts_with("+")).then(pl.lit("+") + digits)
           .when(main.str.starts_with("00")).then(pl.lit("+") + digits.str.slice(2)).otherwise(digits))
    parts = parts.with_columns(key=key, ok=main.str.contains(_PUNCTUATION)
                               & digits.str.len_chars().is_between(5, 20))
    candidates = parts.select(pl.when(pl.col("ok")).then(pl.col("key")))["key"]
    parts = parts.with_columns(fast=_fast_e164(candidates, region))
    rest = parts.select(pl.when(pl.col("ok") & pl.col("fast").is_null()).then(pl.col("key")))["key"]
    looked_up = map_unique(rest, lambda key: _lookup(key, region), _LOOKUP).struct.unnest()
    return parts.with_columns(
        e164=pl.coalesce(pl.col("fast"), looked_up["e164"]),
        recognised=pl.col("fast").is_not_null() | looked_up["recognised"].fill_null(False))


def _cells(cells: pl.Series, region: str) -> pl.DataFrame:
    """value (list of {value, e164}), bad and unrecognised for each distinct cell."""
    grouped = _parts(cells, region).group_by("row", maintain_order=True).agg(
        value=pl.struct(pl.col("cell").alias("value"), pl.col("e164")),
        bad=(~pl.col("ok")).any(),
        unrecognised=(pl.col("ok") & ~pl.col("recognised")).any(),
    )
    rows = cells.to_frame().with_row_index("row").select("row")
    return rows.join(grouped, on="row", how="left", maintain_order="left").drop("row")


def normalize_phone(s: pl.Series, field: FieldDef, ctx: NormalizeContext) -> NormalizedColumn:
    """A list of {value, e164} per cell, split on `;`. A number is 5 to 20 digits with phone punctuation
    (`+ ( ) - . /` and spaces) and an optional extension (`ext. 12`); letters or too few/many digits make
    the cell an error. A number not possible in any region we can tell gets a warning and no E.164."""
    out = per_distinct(s, lambda cells: _cells(cells, ctx.region.upper()))
    bad = out["bad"].fill_null(False)
    error = messages(bad, INVALID_PHONE)
    warning = messages(out["unrecognised"] & ~bad, UNRECOGNISED)
    return result(out["value"].cast(PHONE_DTYPE), error, warning)
