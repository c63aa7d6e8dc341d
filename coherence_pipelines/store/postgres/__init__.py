"""The record store on PostgreSQL (server mode): `COHERENCE_DATABASE_URL=postgresql://...`."""

from coherence_pipelines.store.postgres.store import PostgresStore, shared_store

__all__ = ["PostgresStore", "shared_store"]
