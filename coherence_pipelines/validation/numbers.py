"""Number, currency and percent fields, read in either decimal convention.

Which character is the decimal separator is decided once per column (unless the caller says): a value
such as `1.234,50` or `12,5` can only be read one way, `1,234` either way. A column is read with a
decimal comma when some values can only be read that way and none only the other way.
"""

from __future__ import annotations

import polars as pl

from coherence_pipelines.modules.fields import FieldDef
from coherence_pipelines.validation.result import NormalizeContext, NormalizedColumn, messages, result

NOT_A_NUMBER = "Not a number"
NOT_WHOLE = "Not a whole number"

# Currency signs and the common ISO codes, before or after the amount; "US$" leaves "US" behind.
_CURRENCY = (r"(?i)[$€£¥₹₩₽₺₪¢]|^(?:USD|EUR|GBP|CHF|CAD|AUD|NZD|JPY|CNY|INR|SEK|NOK|DKK|PLN|CZK|BRL|MXN"
             r"|ZAR|SGD|HKD|US|AU|CA|NZ|HK|R|S|Fr\.?|kr\.?|Rs\.?)\b|\b(?:USD|EUR|GBP|CHF|CAD|AUD|NZD|JPY"
             r"|CNY|INR|SEK|NOK|DKK|PLN|CZK|BRL|MXN|ZAR|SGD|HKD|Fr\.?|kr\.?)$")
# Thousands may also be grouped with spaces (incl. no-break spaces) or apostrophes (Swiss).
_GROUPING = r"[\s\u00a0\u202f'’]"
_SCIENTIFIC = r"^\d+(\.\d+)?[eE][+-]?\d+$"
# Values that can be read only with a decimal comma / only with a decimal point.
_ONLY_COMMA = r"^\d*\.[\d.]*,\d*$|^\d*,\d*$|^\d+(\.\d+){2,}$"
_ONLY_POINT = r"^\d*,[\d,]*\.\d*$|^\d*\.\d*$|^\d+(,\d+){2,}$"
# A single separator followed by exactly three digits could be either (`1,234`, `1.234`).
_EITHER = r"^[1-9]\d{0,2}[.,]\d{3}$"
_VALID = {False: r"^(\d{1,3}(,\d{3})+|\d+)?(\.\d*)?$", True: r"^(\d{1,3}(\.\d{3})+|\d+)?(,\d*)?$"}


def _clean(raw: pl.Expr) -> pl.Expr:
    return raw.str.replace_all(_CURRENCY, "").str.replace_all("%", "").str.replace_all(_GROUPING, "")


def _unsigned(core: pl.Expr) -> pl.Expr:
    return core.str.replace(r"^\((.*)\)$", "$1").str.replace(r"^[+\-−]", "").str.replace(r"-$", "")


def _negative(core: pl.Expr) -> pl.Expr:
    in_parens = core.str.contains(r"^\(.*\)$")
    inner = core.str.replace(r"^\((.*)\)$", "$1")
    signed = inner.str.contains(r"^[\-−]") | inner.str.contains(r"\d-$")
    return in_parens ^ signed


def _parse(digits: pl.Expr, comma: pl.Expr) -> pl.Expr:
    """digits (no sign, no currency) as Float64 under the per-row decimal convention `comma`."""
    valid = (pl.when(comma).then(digits.str.contains(_VALID[True]))
             .otherwise(digits.str.contains(_VALID[False])) & digits.str.contains(r"\d"))
    text = (pl.when(digits.str.contains(_SCIENTIFIC)).then(digits)
            .when(~valid).then(None)
            .when(comma).then(digits.str.replace_all(r"\.", "").str.replace(",", "."))
            .otherwise(digits.str.replace_all(",", "")))
    number = text.cast(pl.Float64, strict=False)
    return pl.when(number.is_finite()).then(number)  # "1e999" parses, as infinity


def _decimal_comma(frame: pl.DataFrame, field: FieldDef, ctx: NormalizeContext) -> tuple[pl.Expr, list[str]]:
    """The decimal convention per row (one per column, but see integers) and a note when it was a guess."""
    if ctx.decimal_comma is not None:
        return pl.lit(ctx.decimal_comma), []
    digits = pl.col("digits")
    counts = frame.select(
        only_comma=(digits.str.contains(_ONLY_COMMA) & ~digits.str.contains(_EITHER)).sum(),
        only_point=(digits.str.contains(_ONLY_POINT) & ~digits.str.contains(_EITHER)).sum(),
        either=digits.str.contains(_EITHER).sum(),
    ).row(0, named=True)
    if counts["only_comma"] and not counts["only_point"]:
        return pl.lit(True), ["Numbers read with a decimal comma (1.234,50)"]
    if counts["only_comma"] or counts["only_point"] or not counts["either"]:
        return pl.lit(False), []
    if field.integer:
        # A head count of "1.234" means 1234 people: a whole-number column reads a lone
        # separator before three digits as thousands grouping, whichever character it is.
        return digits.str.contains(r"\."), []
    return pl.lit(False), ['Numbers such as "1,234" read with "." as the decimal separator (ambiguous)']


def normalize_number(s: pl.Series, field: FieldDef, ctx: NormalizeContext) -> NormalizedColumn:
    """Float64 from `1,234.50`, `1.234,50`, `$1,234`, `€ 1.234,50`, `1 234,50`, `(1,234)` (negative),
    `-12`, `1234-`, `45%` (45.0), `1.5E+06`. Percent fields store percentage points; a percent column whose
    plain values all lie in 0..1 (with some fraction) is read as fractions and multiplied by 100.
    Integer fields refuse fractions."""
    frame = s.to_frame("raw").with_columns(core=_clean(pl.col("raw")))
    frame = frame.with_columns(digits=_unsigned(pl.col("core")), negative=_negative(pl.col("core")),
                               percent=pl.col("raw").str.contains("%"))
    comma, notes = _decimal_comma(frame, field, ctx)
    number = _parse(pl.col("digits"), comma)
    frame = frame.with_columns(v=pl.when(pl.col("negative")).then(-number).otherwise(number))
    plain = frame.filter(~pl.col("percent") & pl.col("v").is_not_null())["v"]
    if (field.data_type == "percent" and plain.len() and plain.is_between(0, 1).all()
            and ((plain > 0) & (plain < 1)).any()):
        frame = frame.with_columns(v=pl.when(pl.col("percent")).then(pl.col("v"))
                                   .otherwise((pl.col("v") * 100).round(10)))
        notes.append("Percentages written as fractions (0.45) read as 45%")
    value = frame["v"]
    error = messages(s.is_not_null() & value.is_null(), NOT_A_NUMBER)
    if field.integer:
        error = messages(value != value.floor(), NOT_WHOLE).fill_null(error)
    return result(value, error, notes=notes)
