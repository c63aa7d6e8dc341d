"""Report schedules read their cron on the wall clock of their time zone: 08:00 in Berlin is 07:00 UTC in
winter and 06:00 UTC in summer. scheduled_runs is the schedule sensor's decision, run here on its own."""

from __future__ import annotations

from datetime import UTC, datetime

from coherence_pipelines.orchestration.report_sensors import scheduled_runs


def report(timezone: str | None, cron: str = "0 8 * * *") -> dict:
    schedule = {"cron": cron, "format": "csv"} | ({"timezone": timezone} if timezone else {})
    return {"report_id": "rpt_1", "account_id": "acc_1", "name": "Daily", "module": "contacts",
            "definition": {"schedule": schedule}}


def ticks(reports: list[dict], handled: dict, now: datetime) -> tuple[list[str], dict]:
    requests, state = scheduled_runs(reports, handled, now)
    return [r.tags["coherence/tick"] for r in requests], state


def test_a_berlin_schedule_fires_at_eight_berlin_time_in_winter_and_in_summer():
    for day_before, now, expected in [
        ("2026-11-29T07:00:00+00:00", datetime(2026, 11, 30, 7, 30, tzinfo=UTC), "2026-11-30T07:00:00+00:00"),
        ("2026-06-30T06:00:00+00:00", datetime(2026, 7, 1, 6, 30, tzinfo=UTC), "2026-07-01T06:00:00+00:00"),
    ]:
        handled = {"rpt_1": {"cron": "0 8 * * *", "timezone": "Europe/Berlin", "tick": day_before}}
        fired, state = ticks([report("Europe/Berlin")], handled, now)
        assert fired == [expected]
        assert state["rpt_1"] == {"cron": "0 8 * * *", "timezone": "Europe/Berlin", "tick": expected}


def test_the_same_cron_without_a_time_zone_is_utc():
    handled = {"rpt_1": {"cron": "0 8 * * *", "tick": "2026-11-29T08:00:00+00:00"}}  # a cursor from before zones
    assert ticks([report(None)], handled, datetime(2026, 11, 30, 7, 30, tzinfo=UTC))[0] == []
    fired, state = ticks([report(None)], handled, datetime(2026, 11, 30, 8, 1, tzinfo=UTC))
    assert fired == ["2026-11-30T08:00:00+00:00"] and state["rpt_1"]["timezone"] == "UTC"


def test_the_autumn_clock_change_runs_the_schedule_once():
    # 02:30 happens twice in Berlin on 2026-10-25; an hourly-at-half-past cron must not run the second one
    # as an earlier tick, nor skip a tick: ticks compare as UTC instants.
    handled = {"rpt_1": {"cron": "30 * * * *", "timezone": "Europe/Berlin", "tick": "2026-10-25T00:30:00+00:00"}}
    fired, state = ticks([report("Europe/Berlin", "30 * * * *")], handled, datetime(2026, 10, 25, 1, 31, tzinfo=UTC))
    assert fired == ["2026-10-25T01:30:00+00:00"]
    assert ticks([report("Europe/Berlin", "30 * * * *")], state, datetime(2026, 10, 25, 1, 45, tzinfo=UTC))[0] == []


def test_moving_a_schedule_to_another_time_zone_records_its_tick_without_running():
    handled = {"rpt_1": {"cron": "0 8 * * *", "timezone": "UTC", "tick": "2026-11-29T08:00:00+00:00"}}
    fired, state = ticks([report("America/New_York")], handled, datetime(2026, 11, 30, 14, 0, tzinfo=UTC))
    assert fired == [] and state["rpt_1"]["timezone"] == "America/New_York"
    assert state["rpt_1"]["tick"] == "2026-11-30T13:00:00+00:00"  # 08:00 in New York, winter (UTC-5)
