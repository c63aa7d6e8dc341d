"""The one day/month order of a column's `12/03/2024`-style dates, as the caller forces or values show."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from coherence_pipelines.validation.result import ORDER_LABELS, NormalizeContext


@dataclass
class DateOrder:
    """order: "MDY" or "DMY", how triplets with the year last are read. year_first_short: the caller
    forced YMD, so all-two-digit triplets (`24/01/15`) are read YY/MM/DD. ambiguous: rows to warn about
    (the order was a default and the row reads differently the other way round)."""

    order: str
    year_first_short: bool = False
    ambiguous: pl.Expr = field(default_factory=lambda: pl.lit(False))
    notes: list[str] = field(default_factory=list)

    def warning(self) -> str:
        return f"Ambiguous date order; read as {ORDER_LABELS[self.order]}"

    def misfit_error(self) -> str:
        return f"Not a date in the column's {ORDER_LABELS[self.order]} order"


def year_last(year_first_short: bool) -> pl.Expr:
    """Rows that are triplets with the year last (the ones whose day/month order is in question)."""
    triplet = pl.col("p1").is_not_null()
    return triplet & ~pl.col("short_first") if year_first_short else triplet


def resolve_order(frame: pl.DataFrame, ctx: NormalizeContext) -> DateOrder:
    """A forced MDY/DMY order wins. Otherwise a first part above 12 shows DMY, a second part above 12 shows
    MDY; when both show up the majority wins (the other rows become errors, a tie reads MDY); when neither
    does, MDY is the default and the rows that would read differently the other way get a warning."""
    year_first_short = ctx.date_order == "YMD"
    if ctx.date_order in ("MDY", "DMY"):
        return DateOrder(ctx.date_order)
    candidates = year_last(year_first_short)
    p1, p2 = pl.col("p1"), pl.col("p2")
    counts = frame.select(
        dmy=(candidates & (p1 > 12) & (p2 <= 12)).sum(),
        mdy=(candidates & (p2 > 12) & (p1 <= 12)).sum(),
        ambiguous=(candidates & (p1 <= 12) & (p2 <= 12) & (p1 != p2)).sum(),
    ).row(0, named=True)
    dmy, mdy = counts["dmy"], counts["mdy"]
    if dmy and mdy:
        order = "DMY" if dmy > mdy else "MDY"
        label, misfits = ORDER_LABELS[order], min(dmy, mdy)
        return DateOrder(order, year_first_short,
                         notes=[f"Dates read as {label} (most values); {misfits} do not fit that order"])
    if dmy or mdy:
        return DateOrder("DMY" if dmy else "MDY", year_first_short)
    order = DateOrder("MDY", year_first_short)
    if counts["ambiguous"]:
        order.ambiguous = candidates & (p1 <= 12) & (p2 <= 12) & (p1 != p2)
        order.notes.append(f"Dates read as {ORDER_LABELS['MDY']} (ambiguous; default used)")
    return order
