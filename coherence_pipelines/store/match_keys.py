"""The duplicate-match key expressions (dbt_like_sql/records/keys/<kind>.sql), unioned over match fields.

Used for both sides of every comparison, the store's records and an import's rows, so that "the same
email" or "the same phone" means one thing everywhere.
"""

from __future__ import annotations

from coherence_pipelines.modules.fields import SLUG_PATTERN
from coherence_pipelines.store import sql_files
from coherence_pipelines.store.base import MatchField


def checked_slug(slug: str) -> str:
    """The last line of defence: only registry-shaped names are ever spliced into SQL."""
    if not SLUG_PATTERN.match(slug):
        raise ValueError(f"not a field slug: {slug!r}")
    return slug


def key_union(fields: list[MatchField], source: str, created_at: str = "NULL", dialect: str = "") -> str:
    """SELECT id, created_at, field, key FROM `source` for every match field, without empty keys.

    `dialect` is the folder of the SQL dialect's own key expressions ("postgres/"; DuckDB's by default).
    """
    parts = [sql_files.render(f"{dialect}records/keys/{f.kind}.sql", slug=checked_slug(f.slug), source=source,
                              created_at=created_at) for f in fields]
    return "SELECT * FROM (\n" + "\nUNION ALL\n".join(parts) + "\n) AS match_keys WHERE key IS NOT NULL AND key <> ''"
