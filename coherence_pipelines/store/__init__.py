"""Where records live: the embedded DuckDB store, or PostgreSQL in server mode."""

from __future__ import annotations

from coherence_pipelines.settings import Settings
from coherence_pipelines.store.base import MatchField, Principal, RecordStore, RollbackResult, StoreSession


def open_store(settings: Settings) -> RecordStore:
    """The store the settings name: PostgreSQL when COHERENCE_DATABASE_URL says so, else the DuckDB file."""
    if settings.database_url:
        raise RuntimeError("COHERENCE_DATABASE_URL is set, but this build has only the embedded DuckDB store")
    from coherence_pipelines.store.duckdb import DuckDBStore

    return DuckDBStore(settings.store_path, wait_seconds=settings.store_wait_seconds)


__all__ = ["MatchField", "Principal", "RecordStore", "RollbackResult", "StoreSession", "open_store"]
