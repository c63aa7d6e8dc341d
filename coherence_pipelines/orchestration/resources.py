"""The typed resource every op and sensor uses to reach the product: settings and the record store."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import dagster as dg

from coherence_pipelines.settings import Settings
from coherence_pipelines.store import RecordStore, open_store


class CoherenceResource(dg.ConfigurableResource):
    """COHERENCE_HOME (and COHERENCE_DATABASE_URL) as the API and the CLI see them."""

    home: str = Settings().home.as_posix()
    database_url: str | None = None

    @cached_property
    def settings(self) -> Settings:
        settings = Settings(home=Path(self.home), database_url=self.database_url or Settings().database_url)
        settings.ensure_dirs()
        return settings

    @cached_property
    def store(self) -> RecordStore:
        return open_store(self.settings)
