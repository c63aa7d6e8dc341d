"""The SQL transforms in `dbt_like_sql/`, loaded and filled in.

Templates take `{{ name }}` placeholders for identifiers and SQL fragments that the code builds from
registry-checked names only; values always travel as query parameters (`$name`).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

SQL_ROOT = Path(__file__).resolve().parents[2] / "dbt_like_sql"
_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")


@cache
def load(name: str) -> str:
    return (SQL_ROOT / name).read_text()


def render(name: str, **fragments: object) -> str:
    """The SQL file `name` with every `{{ placeholder }}` replaced; a missing one is a bug, so it raises."""

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in fragments:
            raise KeyError(f"{name}: no value for placeholder {key!r}")
        return str(fragments[key])

    return _PLACEHOLDER.sub(fill, load(name))
