"""Of several processes that pick up one unfinished export job (API workers starting together), one runs it."""

from __future__ import annotations

from coherence_pipelines.execution.jobs import utcnow
from coherence_pipelines.execution.liveness import runner_id
from coherence_pipelines.export import build_spec, create_export_job, new_export_job, run_export_job
from coherence_pipelines.modules import merge_definitions


def pending_job(store) -> dict:
    with store.session() as session:
        account_id = session.ensure_account("acme")
    spec = build_spec(merge_definitions({})["contacts"], "csv", {"columns": ["displayName"]})
    return create_export_job(store, new_export_job(account_id, spec, source_type="module", source_id="mod_contacts",
                                                   source_name="contacts", trigger="api"))


def test_one_claim_wins_for_the_same_sighting(store):
    job = pending_job(store)
    with store.session() as session:
        assert session.claim_export_job(job["export_job_id"], job, utcnow(), runner_id()) is True
    with store.session() as session:
        assert session.claim_export_job(job["export_job_id"], job, utcnow(), "other:1") is False  # seen pending: gone
        now_processing = session.get_export_job(None, job["export_job_id"])
    assert now_processing["status"] == "processing"
    with store.session() as session:  # a restarted server that sees it processing takes it over once
        assert session.claim_export_job(job["export_job_id"], now_processing, utcnow(), "other:1") is True
        assert session.claim_export_job(job["export_job_id"], now_processing, utcnow(), "third:1") is False
        assert session.get_export_job(None, job["export_job_id"])["runner"] == "other:1"


def test_a_claim_stamps_its_runner_and_heartbeat(store):
    job = pending_job(store)
    assert job["runner"] is None and job["heartbeat_at"] is None
    now = utcnow()
    with store.session() as session:
        assert session.claim_export_job(job["export_job_id"], job, now, runner_id()) is True
        claimed = session.get_export_job(None, job["export_job_id"])
    assert (claimed["runner"], claimed["heartbeat_at"], claimed["started_at"]) == (runner_id(), now, now)


def test_a_job_someone_else_finished_is_not_run_again(store, settings):
    job = pending_job(store)
    first = run_export_job(store, settings.exports_dir, job["export_job_id"])
    assert first["status"] == "completed"
    again = run_export_job(store, settings.exports_dir, job["export_job_id"])
    assert again["status"] == "completed" and again["completed_at"] == first["completed_at"]


def test_the_runner_that_wrote_a_job_stays_on_it(store, settings):
    job = pending_job(store)
    done = run_export_job(store, settings.exports_dir, job["export_job_id"])
    assert done["runner"] == runner_id()
    assert done["started_at"] <= done["heartbeat_at"] <= done["completed_at"]
