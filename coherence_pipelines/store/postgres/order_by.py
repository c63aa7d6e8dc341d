"""The sort of a records page, from the DuckDB-dialect ORDER BY the records router builds to PostgreSQL's.

The router (api/routers/modules.py) hands the store an ORDER BY built from registry-checked names only:
system columns, `lower(json_extract_string(data, '$.<slug>'))` and `TRY_CAST(json_extract_string(data,
'$.<slug>') AS DOUBLE)`, each with a direction and maybe NULLS LAST. Exactly those shapes are accepted;
anything else is refused rather than passed on. Text sorts in byte order and nulls last unless told
otherwise, as DuckDB sorts, so both stores page alike.
"""

from __future__ import annotations

import re

from coherence_pipelines.store.match_keys import checked_slug

_COLUMNS = {"record_id": True, "display_name": True, "module": True, "created_by_import_job_id": True,
            "created_at": False, "updated_at": False, "version": False}  # name -> is text
_TERM = re.compile(r"^(?P<expr>.+?)(?:\s+(?P<direction>ASC|DESC))?(?:\s+NULLS\s+(?P<nulls>FIRST|LAST))?$",
                   re.IGNORECASE)
_FIELD = r"json_extract_string\(data,\s*'\$\.(?P<slug>\w+)'\)"
_LOWER = re.compile(rf"^lower\({_FIELD}\)$", re.IGNORECASE)
_NUMBER = re.compile(rf"^TRY_CAST\({_FIELD}\s+AS\s+DOUBLE\)$", re.IGNORECASE)
_TEXT = re.compile(rf"^{_FIELD}$", re.IGNORECASE)


def postgres_order_by(order_by: str) -> str:
    return ", ".join(_term(t.strip()) for t in _split(order_by))


def _term(term: str) -> str:
    m = _TERM.match(term)
    if m is None:
        raise ValueError(f"not a sort term: {term!r}")
    direction = (m.group("direction") or "ASC").upper()
    nulls = (m.group("nulls") or "LAST").upper()
    return f"{_expression(m.group('expr').strip())} {direction} NULLS {nulls}"


def _expression(expr: str) -> str:
    if expr.lower() in _COLUMNS:
        column = expr.lower()
        return f'{column} COLLATE "C"' if _COLUMNS[column] else column
    if m := _LOWER.match(expr):
        return f"lower(data ->> '{checked_slug(m.group('slug'))}') COLLATE \"C\""
    if m := _NUMBER.match(expr):
        return f"coherence_try_double(data ->> '{checked_slug(m.group('slug'))}')"
    if m := _TEXT.match(expr):
        return f"(data ->> '{checked_slug(m.group('slug'))}') COLLATE \"C\""
    raise ValueError(f"not a sortable expression: {expr!r}")


def _split(order_by: str) -> list[str]:
    """The comma-separated terms, commas inside parentheses aside."""
    terms, depth, start = [], 0, 0
    for i, ch in enumerate(order_by):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            terms.append(order_by[start:i])
            start = i + 1
    terms.append(order_by[start:])
    return terms
