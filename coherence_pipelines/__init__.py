"""Coherence Pipelines: bulk import and export for the Coherence CRM."""
