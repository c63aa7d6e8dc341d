"""The HTTP API."""

from coherence_pipelines.api.app import create_app

__all__ = ["create_app"]
