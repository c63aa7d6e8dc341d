"""Date and date-time fields: many written forms in, ISO text out, one day/month order per column."""

from __future__ import annotations

import polars as pl

from coherence_pipelines.modules.fields import FieldDef
from coherence_pipelines.validation.date_order import resolve_order, year_last
from coherence_pipelines.validation.date_parts import date_parts, full_year
from coherence_pipelines.validation.result import NormalizeContext, NormalizedColumn, messages, result

NOT_A_DATE = "Not a date"


def _pad(part: pl.Expr, width: int = 2) -> pl.Expr:
    return part.cast(pl.String).str.zfill(width)


def _calendar(frame: pl.DataFrame, ctx: NormalizeContext) -> tuple[pl.DataFrame, list[str], tuple[str, str]]:
    """frame with year/month/day, `date` (ISO or null) and `misfit` (contradicts the column's order) added;
    the notes; the ambiguity warning and misfit error texts."""
    order = resolve_order(frame, ctx)
    p1, p2, p3 = pl.col("p1"), pl.col("p2"), pl.col("p3")
    last = year_last(order.year_first_short)
    year_first = pl.col("p1").is_not_null() & ~last
    dmy = order.order == "DMY"
    frame = frame.with_columns(
        year=pl.when(last).then(full_year(p3)).when(year_first).then(full_year(p1)).otherwise(pl.col("y")),
        month=pl.when(last).then(p2 if dmy else p1).when(year_first).then(p2).otherwise(pl.col("m")),
        day=pl.when(last).then(p1 if dmy else p2).when(year_first).then(p3).otherwise(pl.col("d")),
        ambiguous=order.ambiguous,
    )
    misfit = last & (pl.col("month") > 12) & (pl.col("day") <= 12)
    frame = frame.with_columns(misfit=misfit.fill_null(False))
    iso = pl.format("{}-{}-{}", _pad(pl.col("year"), 4), _pad(pl.col("month")), _pad(pl.col("day")))
    valid = iso.str.to_date("%Y-%m-%d", strict=False).is_not_null()
    frame = frame.with_columns(date=pl.when(valid).then(iso))
    return frame, order.notes, (order.warning(), order.misfit_error())


def _clock(frame: pl.DataFrame) -> pl.DataFrame:
    """hour24/minute/second from the written time (12-hour clock with AM/PM allowed) or an Excel
    serial's fraction; time_ok is false for an impossible time such as 25:00 or 13:00 PM."""
    hh, ampm, secs = pl.col("hh"), pl.col("ampm"), pl.col("serial_seconds")
    hour = (pl.when(ampm.is_null()).then(hh).when(hh == 12).then(pl.when(ampm == "a").then(0).otherwise(12))
            .when(ampm == "p").then(hh + 12).otherwise(hh))
    ok = hh.is_null() | ((hh <= 23) & (pl.col("mi") <= 59) & (pl.col("ss") <= 59)
                         & (ampm.is_null() | hh.is_between(1, 12)))
    tz = pl.col("tz")
    tz = (pl.when(tz.is_in(["Z", "UTC", "GMT"])).then(pl.lit("Z"))
          .otherwise(tz.str.replace(r"^([+-]\d{2}):?(\d{2})?$", "$1:$2").str.replace(r":$", ":00")))
    return frame.with_columns(
        hour24=pl.coalesce(hour, secs // 3600, 0), minute=pl.coalesce(pl.col("mi"), secs % 3600 // 60, 0),
        second=pl.coalesce(pl.col("ss"), secs % 60, 0), time_ok=ok.fill_null(False),
        offset=tz.fill_null(""))


def _normalize(s: pl.Series, ctx: NormalizeContext, with_time: bool) -> NormalizedColumn:
    frame, notes, (warning, misfit_error) = _calendar(date_parts(s), ctx)
    frame = _clock(frame)
    ok = pl.col("date").is_not_null() & pl.col("time_ok")
    if with_time:
        text = pl.format("{}T{}:{}:{}{}", pl.col("date"), _pad(pl.col("hour24")), _pad(pl.col("minute")),
                         _pad(pl.col("second")), pl.col("offset"))
    else:
        text = pl.col("date")
    frame = frame.with_columns(value=pl.when(ok).then(text),
                               bad=pl.col("raw").is_not_null() & ~(ok & pl.col("matched")).fill_null(False))
    error = messages(frame["misfit"], misfit_error).fill_null(messages(frame["bad"], NOT_A_DATE))
    warn = messages(frame["ambiguous"] & error.is_null(), warning)
    return result(frame["value"], error, warn, notes)


def normalize_date(s: pl.Series, field: FieldDef, ctx: NormalizeContext) -> NormalizedColumn:
    """`YYYY-MM-DD` from ISO dates (a time part is dropped), `MM/DD/YYYY`, `DD/MM/YYYY`, `DD.MM.YYYY`,
    `MM-DD-YY`, `15 Jan 2024`, `Jan 15, 2024`, `15. Januar 2024` (English, German, French and Spanish
    month names) and Excel serials (`45306` -> 2024-01-15). Impossible dates are errors; see date_order
    for how `01/02/2024` is read."""
    return _normalize(s, ctx, with_time=False)


def normalize_datetime(s: pl.Series, field: FieldDef, ctx: NormalizeContext) -> NormalizedColumn:
    """`YYYY-MM-DDTHH:MM:SS` (plus `Z` or `+HH:MM` when an offset was written) from any date form above
    followed by an optional `HH:MM[:SS]` with optional AM/PM; midnight when no time is given."""
    return _normalize(s, ctx, with_time=True)
