"""Whether a job marked `processing` is still being run: each runner stamps the job with its host:pid and
the time of its last committed chunk. A job whose process is gone (killed, crashed, the machine restarted)
is reported as interrupted (`failed`, with what it committed), so it can be resumed or rolled back."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta
from typing import Any, Literal

from coherence_pipelines.store.base import StoreSession

HOST = socket.gethostname()
# A runner on another machine cannot be asked; one silent for this long has stopped (a chunk of the largest
# size commits within a few minutes).
STALLED_AFTER = timedelta(minutes=30)


def runner_id() -> str:
    return f"{HOST}:{os.getpid()}"


def runner_gone(job: dict[str, Any], now: datetime) -> Literal["stopped", "stalled"] | None:
    """Whether a `processing` job (an import's or an export's) has nobody running it: `stopped` when its runner
    was a process of this machine that no longer exists, `stalled` when it ran elsewhere and has been silent
    for STALLED_AFTER; None while it may be running."""
    if job.get("status") != "processing" or not job.get("runner"):
        return None
    host, _, pid = str(job["runner"]).rpartition(":")
    if host == HOST and pid.isdigit() and not _alive(int(pid)):
        return "stopped"
    beat = job.get("heartbeat_at")
    if host != HOST and beat is not None and now - beat > STALLED_AFTER:
        return "stalled"
    return None


def interruption(job: dict[str, Any], now: datetime) -> str | None:
    """Why a `processing` import job is in fact not running (None while it may be)."""
    gone = runner_gone(job, now)
    if gone is None:
        return None
    done = f"after {job.get('processed_rows') or 0:,} of {job.get('total_rows') or 0:,} rows"
    if gone == "stopped":
        return (f"Interrupted: the process running this import stopped {done}; what it committed is kept. "
                "Run the import again with this job id to resume it, or roll it back")
    return (f"Interrupted: no progress for {int(STALLED_AFTER.total_seconds() // 60)} minutes {done}; "
            "what it committed is kept. Run it again with this job id to resume it, or roll it back")


def settled(session: StoreSession, job: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The job, marked `failed` in the store first when its runner is gone."""
    reason = interruption(job, now)
    if reason is None:
        return job
    changes = {"status": "failed", "failure": reason, "completed_at": now}
    session.update_job(job["job_id"], changes)
    return {**job, **changes}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    return True
