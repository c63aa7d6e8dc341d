"""Select and multi-select fields: values matched to the field's options, exactly or closely.

Matching runs once per distinct value (rapidfuzz for the close matches) and is joined back to the rows.
"""

from __future__ import annotations

import polars as pl
from rapidfuzz import fuzz, process

from coherence_pipelines.modules.fields import FieldDef
from coherence_pipelines.validation.emails import split_list
from coherence_pipelines.validation.result import (
    NormalizeContext,
    NormalizedColumn,
    map_unique,
    per_distinct,
    result,
)

MIN_SCORE = 85
_MATCH = pl.Struct({"value": pl.String, "error": pl.String, "warning": pl.String})
_SHOWN_OPTIONS = 10


def option_key(text: str) -> str:
    """What two spellings of one option share: lower case, letters and digits only."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


class OptionMatcher:
    """Decides what one written value means for a field's options; called once per distinct value, in
    the order the values first appear."""

    def __init__(self, field: FieldDef) -> None:
        self.field = field
        self.by_key = {option_key(option): option for option in field.options}
        shown = ", ".join(field.options[:_SHOWN_OPTIONS])
        self.listing = shown + (", ..." if len(field.options) > _SHOWN_OPTIONS else "")
        # New values of an open list, so that "saas" after "SaaS" adds one option, not two.
        self.added: dict[str, str] = {}

    def __call__(self, written: str) -> dict:
        exact = self.by_key.get(option_key(written))
        if exact is not None:
            return {"value": exact, "error": None, "warning": None}
        close = process.extractOne(written, self.field.options, scorer=fuzz.ratio,
                                   processor=option_key, score_cutoff=MIN_SCORE)
        if close is not None:
            return {"value": close[0], "error": None, "warning": f'Read "{written}" as "{close[0]}"'}
        if self.field.open_options:
            new = self.added.setdefault(option_key(written) or written, written)
            return {"value": new, "error": None, "warning": f'New option "{new}" will be added'}
        return {"value": None, "error": f'"{written}" is not one of: {self.listing}', "warning": None}


def _match(s: pl.Series, field: FieldDef) -> pl.DataFrame:
    return map_unique(s, OptionMatcher(field), _MATCH).struct.unnest()


def normalize_select(s: pl.Series, field: FieldDef, ctx: NormalizeContext) -> NormalizedColumn:
    """The canonical option label: an option matched ignoring case, spaces and punctuation; else the
    closest option scoring at least 85 (with a warning); else, for an open list, the value as written
    (with a warning that it will be added), or, for a closed list, an error naming the options."""
    matched = _match(s, field)
    return result(matched["value"], matched["error"], matched["warning"])


def _split_cells(cells: pl.Series, field: FieldDef) -> pl.DataFrame:
    """value (list), error and warning for each distinct cell of a multi-select column."""
    parts = (cells.to_frame("cell").with_row_index("row")
             .with_columns(split_list(pl.col("cell"), ";,")).explode("cell"))
    parts = pl.concat([parts, _match(parts["cell"], field)], how="horizontal")
    # Lists first and joined afterwards: str.join inside a group_by is many times slower.
    grouped = parts.group_by("row", maintain_order=True).agg(
        pl.col("value").drop_nulls(), pl.col("error").drop_nulls(), pl.col("warning").drop_nulls())
    rows = cells.to_frame().with_row_index("row").select("row")
    grouped = rows.join(grouped, on="row", how="left", maintain_order="left")
    return grouped.select(
        pl.when(pl.col("value").list.len() > 0).then(pl.col("value").list.unique(maintain_order=True))
        .alias("value"),
        *(pl.col(name).list.unique(maintain_order=True).list.join("; ").replace("", None).alias(name)
          for name in ("error", "warning")))


def normalize_multi_select(s: pl.Series, field: FieldDef, ctx: NormalizeContext) -> NormalizedColumn:
    """A list of option labels, split on `;` or `,`, each matched as in a select field, duplicates
    dropped; the messages of a row's values are joined with "; "."""
    out = per_distinct(s, lambda cells: _split_cells(cells, field))
    return result(out["value"], out["error"], out["warning"])
