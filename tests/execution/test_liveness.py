"""A `processing` job's runner: alive (this process), dead (a finished child process), or on another machine
and silent too long."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

from coherence_pipelines.execution.jobs import utcnow
from coherence_pipelines.execution.liveness import HOST, STALLED_AFTER, interruption, runner_id


def job(runner: str | None, beat_ago: timedelta = timedelta(0), status: str = "processing") -> dict:
    return {"status": status, "runner": runner, "heartbeat_at": utcnow() - beat_ago, "processed_rows": 5000,
            "total_rows": 12000}


def test_a_running_job_of_a_live_process_is_not_interrupted():
    assert runner_id() == f"{HOST}:{os.getpid()}"
    assert interruption(job(runner_id(), beat_ago=timedelta(days=1)), utcnow()) is None


def test_a_job_whose_process_is_gone_is_interrupted_with_what_it_committed():
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    reason = interruption(job(f"{HOST}:{child.stdout.strip()}"), utcnow())
    assert reason is not None and reason.startswith("Interrupted") and "5,000 of 12,000 rows" in reason


def test_another_machines_runner_counts_as_stopped_only_after_a_long_silence():
    assert interruption(job("elsewhere:1", beat_ago=STALLED_AFTER - timedelta(minutes=1)), utcnow()) is None
    assert interruption(job("elsewhere:1", beat_ago=STALLED_AFTER + timedelta(minutes=1)), utcnow()) is not None


def test_jobs_not_processing_or_without_a_runner_are_left_alone():
    assert interruption(job(None), utcnow()) is None
    assert interruption(job("elsewhere:1", beat_ago=timedelta(days=1), status="completed"), utcnow()) is None
