"""Cron expressions of report schedules, read the way Dagster's scheduler reads them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

# Dagster's own cron helpers: the schedules we check are the ones its daemon would run.
from dagster._utils.schedules import get_latest_completed_cron_tick, is_valid_cron_string


def is_valid_cron(cron: Any) -> bool:
    return isinstance(cron, str) and len(cron.split()) == 5 and is_valid_cron_string(cron)


def latest_tick(cron: str, now: datetime, timezone: str | None = "UTC") -> datetime:
    """The most recent time at or before `now` the schedule fired."""
    return get_latest_completed_cron_tick(cron, now, timezone or "UTC")
