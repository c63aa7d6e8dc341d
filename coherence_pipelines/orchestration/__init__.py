"""Dagster: the import job, the inbox sensor, background launches, and the resources they share."""
