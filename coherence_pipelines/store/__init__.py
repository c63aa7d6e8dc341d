"""Where records live: the embedded DuckDB store, or PostgreSQL in server mode."""

from __future__ import annotations

from coherence_pipelines.settings import Settings
from coherence_pipelines.store.base import MatchField, Principal, RecordStore, RollbackResult, StoreSession


def open_store(settings: Settings) -> RecordStore:
    """The store the settings name: PostgreSQL when COHERENCE_DATABASE_URL says so, else the DuckDB file."""
    if settings.database_url:
        from coherence_pipelines import staging
        from coherence_pipelines.store.postgres import shared_store

        store = shared_store(settings.database_url, pool_size=settings.database_pool_size,
                             wait_seconds=settings.store_wait_seconds)
        # Server mode: uploads are staged in the store too, so a run on another machine finds them.
        staging.keep_uploads_in(settings.staging_dir, store)
        return store
    from coherence_pipelines.store.duckdb import DuckDBStore

    return DuckDBStore(settings.store_path, wait_seconds=settings.store_wait_seconds)


__all__ = ["MatchField", "Principal", "RecordStore", "RollbackResult", "StoreSession", "open_store"]
