"""Splitting date and date-time text into numeric parts, one regex pass per form, all vectorised.

`date_parts` returns, per row, either y/m/d (forms whose order is unambiguous: ISO, month names, Excel
serials), or p1/p2/p3 for `12/03/2024`-style triplets whose day/month order the column decides, plus
the time parts when a time follows the date.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

_MONTHS: dict[int, tuple[str, ...]] = {
    1: ("jan", "january", "januar", "jänner", "janvier", "janv", "enero", "ene"),
    2: ("feb", "february", "februar", "février", "fevrier", "févr", "fevr", "fév", "fev", "febrero"),
    3: ("mar", "march", "märz", "maerz", "mär", "mrz", "mars", "marzo"),
    4: ("apr", "april", "avril", "avr", "abril", "abr"),
    5: ("may", "mai", "mayo"),
    6: ("jun", "june", "juni", "juin", "junio"),
    7: ("jul", "july", "juli", "juillet", "juil", "julio"),
    8: ("aug", "august", "août", "aout", "agosto", "ago"),
    9: ("sep", "sept", "september", "septembre", "septiembre", "setiembre", "set"),
    10: ("oct", "october", "okt", "oktober", "octobre", "octubre"),
    11: ("nov", "november", "novembre", "noviembre"),
    12: ("dec", "december", "dez", "dezember", "décembre", "decembre", "déc", "diciembre", "dic"),
}
MONTH_NUMBERS: dict[str, int] = {name: number for number, names in _MONTHS.items() for name in names}

# The time that may follow a date: `T10:15`, ` 10:15:30.5 PM`, with `Z`, `+02:00`, `+0200` or UTC/GMT.
_SPLIT = (r"^(?P<date>.+?)(?:(?:[T\s]+|,\s*)(?P<time>\d{1,2}:\d{2}(?::\d{2})?)(?:[.,]\d+)?"
          r"\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?\s*(?P<tz>Z|[+-]\d{2}(?::?\d{2})?|UTC|GMT)?)?$")
_WEEKDAY = r"(?i)^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+"
_YMD = r"^(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})$|^(\d{4})(\d{2})(\d{2})$"
_TRIPLET = r"^(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4}|\d{2})$"
_ORD = r"(?:st|nd|rd|th)?"
_DAY_NAME = rf"^(\d{{1,2}}){_ORD}\.?[\s\-/]*(\p{{L}}+)\.?,?[\s\-/]*(\d{{4}}|\d{{2}})$"
_NAME_DAY = rf"^(\p{{L}}+)\.?[\s\-/]*(\d{{1,2}}){_ORD}(?:,\s*|[\s\-/]+)(\d{{4}}|\d{{2}})$"
_SERIAL = r"^\d{1,7}(\.\d+)?$"
MAX_SERIAL = 2958465  # 9999-12-31 in Excel's 1900 date system


def full_year(year: pl.Expr) -> pl.Expr:
    """Two-digit years as Excel reads them: 00-29 are 2000-2029, 30-99 are 1930-1999."""
    return (pl.when(year >= 100).then(year).when(year < 30).then(year + 2000)
            .otherwise(year + 1900))


def _group(date: pl.Expr, pattern: str, index: int) -> pl.Expr:
    return date.str.extract(pattern, index)


def _int(text: pl.Expr) -> pl.Expr:
    return text.cast(pl.Int32, strict=False)


def _month(name: pl.Expr) -> pl.Expr:
    return name.str.to_lowercase().replace_strict(MONTH_NUMBERS, default=None, return_dtype=pl.Int32)


def date_parts(s: pl.Series) -> pl.DataFrame:
    """Columns y, m, d, serial_seconds (unambiguous forms); p1, p2, p3, short_first (triplets);
    hh, mi, ss, ampm, tz (time, null when none); and matched (some form recognised the text)."""
    frame = (s.to_frame("raw").with_columns(pl.col("raw").str.replace(_WEEKDAY, "").alias("text"))
             .with_columns(pl.col("text").str.extract_groups(_SPLIT).alias("split")).unnest("split"))
    date = pl.col("date")
    ymd = [_int(_group(date, _YMD, i).fill_null(_group(date, _YMD, i + 3))) for i in (1, 2, 3)]
    day_name = [_group(date, _DAY_NAME, i) for i in (1, 2, 3)]
    name_day = [_group(date, _NAME_DAY, i) for i in (1, 2, 3)]
    frame = frame.with_columns(
        y=pl.coalesce(ymd[0], full_year(_int(day_name[2])), full_year(_int(name_day[2]))),
        m=pl.coalesce(ymd[1], _month(day_name[1]), _month(name_day[0])),
        d=pl.coalesce(ymd[2], _int(day_name[0]), _int(name_day[1])),
        p1=_int(_group(date, _TRIPLET, 1)), p2=_int(_group(date, _TRIPLET, 2)),
        p3=_int(_group(date, _TRIPLET, 3)),
        short_first=_group(date, _TRIPLET, 3).str.len_chars() == 2,
        serial=pl.when(pl.col("text").str.contains(_SERIAL))
        .then(pl.col("text").cast(pl.Float64, strict=False)),
        hh=_int(pl.col("time").str.extract(r"^(\d+)", 1)),
        mi=_int(pl.col("time").str.extract(r"^\d+:(\d+)", 1)),
        ss=_int(pl.col("time").str.extract(r"^\d+:\d+:(\d+)", 1)).fill_null(0),
        ampm=pl.col("ampm").str.to_lowercase().str.slice(0, 1),
    )
    return frame.with_columns(_serial_date(pl.col("serial"))).with_columns(
        matched=pl.all_horizontal(pl.col("y", "m", "d").is_not_null()) | pl.col("p1").is_not_null())


def _serial_date(serial: pl.Expr) -> list[pl.Expr]:
    """Excel's 1900 date system: day 1 is 1900-01-01 and day 60 the 1900-02-29 that never was (Excel
    copied a Lotus bug), so serials from 61 on count from 1899-12-30. The fraction is the time of day."""
    ok = serial.is_between(1, MAX_SERIAL)
    days = serial.floor().cast(pl.Int64)
    start = pl.when(days >= 61).then(pl.lit(dt.date(1899, 12, 30))).otherwise(pl.lit(dt.date(1899, 12, 31)))
    date = pl.when(ok).then(start + pl.duration(days=days))
    seconds = ((serial - serial.floor()) * 86400).round(0).cast(pl.Int64)
    return [pl.coalesce(pl.col("y"), date.dt.year().cast(pl.Int32)).alias("y"),
            pl.coalesce(pl.col("m"), date.dt.month().cast(pl.Int32)).alias("m"),
            pl.coalesce(pl.col("d"), date.dt.day().cast(pl.Int32)).alias("d"),
            pl.when(ok & pl.col("time").is_null()).then(seconds).alias("serial_seconds"),
            pl.when(ok).then(serial).alias("serial")]
