"""One settings object, filled from the environment (interfaces.md, "Environment")."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

MAX_UPLOAD_BYTES = 100 * 1024 * 1024
# A 5,000-row sync import of 250 columns of 40-byte cells fits; larger imports go through parse and uploadId.
MAX_JSON_BODY_BYTES = 50 * 1024 * 1024
PREVIEW_ROWS = 50
SYNC_MAX_ROWS = 5_000
STREAM_MAX_ROWS = 50_000
CHUNK_ROWS = 5_000


def _rows_from_env(name: str, default: int, least: int) -> int:
    raw = os.environ.get(name, "").replace("_", "").replace(",", "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < least:
        raise ValueError(f"{name} must be a whole number of rows, at least {least:,} (got {os.environ[name]!r})")
    return int(raw)


# A chunk commits whole: this bounds what one commit holds in memory (1M-row update import: peak 1.33 GB at
# 250,000 rows, 1.13 GB at 100,000). COHERENCE_MAX_CHUNK_ROWS lowers it on a machine with less memory to spare.
MAX_CHUNK_ROWS = _rows_from_env("COHERENCE_MAX_CHUNK_ROWS", 250_000, CHUNK_ROWS)
JOB_RETENTION_DAYS = 7


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COHERENCE_", extra="ignore")

    home: Path = Field(default=Path("./.coherence"))
    database_url: str | None = None
    # Server mode: connections each process keeps to PostgreSQL (an API worker, a Dagster run, the CLI).
    database_pool_size: int = 10
    # Phones that carry no country code are read as numbers of this region (E.164 normalisation).
    default_region: str = "US"
    # How long a process waits for another one holding the embedded store before answering 503.
    store_wait_seconds: float = 30.0
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    # Any request body but a multipart upload (whose file has max_upload_bytes): refused with 413 beyond it.
    max_json_body_bytes: int = MAX_JSON_BODY_BYTES

    @property
    def store_path(self) -> Path:
        return self.home / "store.duckdb"

    @property
    def staging_dir(self) -> Path:
        return self.home / "staging"

    @property
    def inbox_dir(self) -> Path:
        return self.home / "inbox"

    @property
    def dagster_home(self) -> Path:
        """DAGSTER_HOME when set, else `$COHERENCE_HOME/dagster` (interfaces.md)."""
        return Path(os.environ.get("DAGSTER_HOME") or self.home / "dagster").resolve()

    @property
    def logs_dir(self) -> Path:
        return self.home / "logs"

    @property
    def exports_dir(self) -> Path:
        return self.home / "exports"

    def ensure_dirs(self) -> None:
        for d in (self.home, self.staging_dir, self.inbox_dir, self.exports_dir, self.logs_dir):
            d.mkdir(parents=True, exist_ok=True)


@cache
def get_settings() -> Settings:
    settings = Settings()
    settings.ensure_dirs()
    return settings
