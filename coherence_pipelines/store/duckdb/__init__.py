"""The embedded record store: one DuckDB file under COHERENCE_HOME."""

from coherence_pipelines.store.duckdb.store import DuckDBStore

__all__ = ["DuckDBStore"]
