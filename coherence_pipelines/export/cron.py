"""Cron expressions of report schedules, read the way Dagster's scheduler reads them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Dagster's own cron helpers: the schedules we check are the ones its daemon would run.
from dagster._utils.schedules import get_latest_completed_cron_tick, is_valid_cron_string


def is_valid_timezone(name: Any) -> bool:
    """An IANA time zone name this machine knows ("Europe/Berlin", "America/New_York", "UTC")."""
    if not isinstance(name, str) or not name or name != name.strip():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def is_valid_cron(cron: Any) -> bool:
    return isinstance(cron, str) and len(cron.split()) == 5 and is_valid_cron_string(cron)


def latest_tick(cron: str, now: datetime, timezone: str | None = "UTC") -> datetime:
    """The most recent time at or before `now` the schedule fired, its cron read on the wall clock of
    `timezone` (UTC when none), in UTC: ticks compare as instants, across daylight-saving changes too."""
    return get_latest_completed_cron_tick(cron, now, timezone or "UTC").astimezone(UTC)
