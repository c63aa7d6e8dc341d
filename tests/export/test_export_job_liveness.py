"""An export job left `processing` by a process that is gone (a Dagster run killed mid-export, the API server
killed while its pool wrote the file) is shown failed, not processing for ever; one a live process writes is
left alone, and a restarted server still finishes what it left."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from coherence_pipelines.api import create_app
from coherence_pipelines.execution.jobs import utcnow
from coherence_pipelines.execution.liveness import HOST, STALLED_AFTER, runner_id
from coherence_pipelines.export import build_spec, create_export_job, new_export_job, run_export_job
from coherence_pipelines.export.jobs import expire_export_files
from coherence_pipelines.modules import merge_definitions

STOPPED = "Interrupted: the process writing this export stopped; request the export again"
STALLED = "Interrupted: no progress for 30 minutes; request the export again"


def dead_pid() -> int:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                           check=True)
    return int(child.stdout)


def left_job(store, runner: str | None, beat_ago: timedelta = timedelta(0), status: str = "processing",
             trigger: str = "dagster", fmt: str = "csv") -> str:
    """An export job of acme's contacts as a process left it: claimed by `runner`, last heard of `beat_ago`."""
    with store.session() as session:
        account_id = session.ensure_account("acme")
        module = merge_definitions(session.custom_modules(account_id))["contacts"]
    job = create_export_job(store, new_export_job(account_id, build_spec(module, fmt, {"columns": ["displayName"]}),
                                                  source_type="module", source_id="mod_contacts",
                                                  source_name="contacts", trigger=trigger))
    if status == "processing":
        now = utcnow()
        with store.session() as session:
            session.update_export_job(job["export_job_id"], {"status": "processing", "progress": 10,
                                                             "started_at": now - beat_ago - timedelta(minutes=1),
                                                             "runner": runner, "heartbeat_at": now - beat_ago})
    return job["export_job_id"]


def shown(api, job_id: str, via: str) -> dict:
    if via == "get":
        return api.data(api.get(f"/export-jobs/{job_id}"))
    r = api.get("/export-jobs")
    assert r.status_code == 200, r.text
    return next(j for j in r.json()["jobs"] if j["exportJobId"] == job_id)


def stored(store, job_id: str) -> dict:
    with store.session() as session:
        return session.get_export_job(None, job_id)


@pytest.mark.parametrize("via", ["get", "list"])
def test_a_job_whose_process_died_is_shown_failed_and_stays_failed(api, store, via):
    job_id = left_job(store, f"{HOST}:{dead_pid()}")
    job = shown(api, job_id, via)
    assert (job["status"], job["failure"], job["fileUrl"]) == ("failed", STOPPED, None)
    assert job["completedDateTime"] is not None and job["expiresDateTime"] is not None
    after = stored(store, job_id)
    assert (after["status"], after["failure"]) == ("failed", STOPPED)
    assert after["expires_at"] == after["completed_at"] + timedelta(hours=24)
    again = shown(api, job_id, "list" if via == "get" else "get")
    assert again == job


def test_an_interrupted_job_expires_as_any_failed_job(api, store):
    job_id = left_job(store, f"{HOST}:{dead_pid()}")
    assert api.data(api.get(f"/export-jobs/{job_id}"))["status"] == "failed"
    assert expire_export_files(store, utcnow() + timedelta(hours=24, seconds=1)) == 1
    assert api.data(api.get(f"/export-jobs/{job_id}"))["status"] == "expired"


@pytest.mark.parametrize("via", ["get", "list"])
def test_a_job_this_live_process_writes_stays_processing(api, store, via):
    job_id = left_job(store, runner_id(), beat_ago=timedelta(days=1))  # its pid decides, not its silence
    assert shown(api, job_id, via)["status"] == "processing"
    assert stored(store, job_id)["status"] == "processing"


@pytest.mark.parametrize("via", ["get", "list"])
def test_another_machines_job_fails_only_after_a_long_silence(api, store, via):
    quiet = left_job(store, "elsewhere:1", beat_ago=STALLED_AFTER - timedelta(minutes=1))
    silent = left_job(store, "elsewhere:1", beat_ago=STALLED_AFTER + timedelta(minutes=1))
    assert shown(api, quiet, via)["status"] == "processing"
    job = shown(api, silent, via)
    assert (job["status"], job["failure"]) == ("failed", STALLED)
    assert (stored(store, quiet)["status"], stored(store, silent)["status"]) == ("processing", "failed")


def test_a_job_not_started_yet_is_left_alone(api, store):
    job_id = left_job(store, None, status="pending")
    assert shown(api, job_id, "get")["status"] == shown(api, job_id, "list")["status"] == "pending"


def test_a_job_a_live_process_writes_is_not_run_again(store, settings):
    job_id = left_job(store, "elsewhere:1", beat_ago=timedelta(minutes=1))
    before = stored(store, job_id)
    assert run_export_job(store, settings.exports_dir, job_id) == before
    assert stored(store, job_id) == before


def test_a_job_whose_process_died_is_run_again_by_whoever_picks_it_up(store, settings):
    job_id = left_job(store, f"{HOST}:{dead_pid()}")
    done = run_export_job(store, settings.exports_dir, job_id)
    assert (done["status"], done["runner"]) == ("completed", runner_id())


def test_a_restarted_server_finishes_the_jobs_its_stopped_process_left(settings, store, make_key, seeded):
    """The stopped server's pid is dead, so a read would settle its job as failed: the server queues the job
    again before answering, and the job ends completed without ever being shown failed (here it waits its
    turn behind two jobs that occupy the pool)."""
    key = make_key("acme")
    seeded(2_000)
    earlier = [left_job(store, None, status="pending", trigger="api", fmt="pdf") for _ in range(2)]
    job_id = left_job(store, f"{HOST}:{dead_pid()}", trigger="api")
    statuses = []
    with TestClient(create_app(settings, store)) as client:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and statuses[-1:] != ["completed"]:
            body = client.get(f"/v1/export-jobs/{job_id}", headers={"Authorization": f"Bearer {key}"}).json()
            statuses.append(body["data"]["status"])
            time.sleep(0.02)
        assert all(wait_for(client, key, j) == "completed" for j in earlier)
    assert statuses[-1] == "completed" and "failed" not in statuses, statuses
    done = stored(store, job_id)
    assert (done["row_count"], done["runner"]) == (2_000, runner_id())


def wait_for(client: TestClient, key: str, job_id: str) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = client.get(f"/v1/export-jobs/{job_id}", headers={"Authorization": f"Bearer {key}"}).json()
        if status["data"]["status"] not in ("pending", "processing"):
            break
        time.sleep(0.05)
    return status["data"]["status"]
