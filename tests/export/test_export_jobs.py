"""Exports above 10,000 records become export jobs: 202, progress, the document's fields, the file behind
`fileUrl` for 24 hours and only for its account, then expiry; a restarted server finishes what it left."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from coherence_pipelines.api import create_app
from coherence_pipelines.execution.jobs import utcnow
from coherence_pipelines.export import (
    build_spec,
    create_export_job,
    expire_export_files,
    new_export_job,
    run_export_job,
)
from coherence_pipelines.modules import merge_definitions
from tests.export.conftest import read_csv

DOCUMENT_FIELDS = ["exportJobId", "accountId", "sourceId", "sourceType", "format", "status", "progress", "fileName",
                   "fileUrl", "fileSizeBytes", "contentType", "requestedDateTime", "completedDateTime",
                   "expiresDateTime"]


def wait_for(api, job_id: str, seen: list[int] | None = None) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = api.data(api.get(f"/export-jobs/{job_id}"))
        if seen is not None:
            seen.append(job["progress"])
        if job["status"] in ("completed", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"export job {job_id} did not finish")


def path_of(url: str) -> str:
    return url.split("/v1", 1)[1]


@pytest.fixture
def big_job(api, seeded):
    seeded(10_001)
    r = api.post("/modules/contacts/export", {"format": "csv", "config": {"columns": ["displayName", "email"],
                                                                           "sortField": "displayName"}})
    assert r.status_code == 202, r.text
    return r.json()["data"]


def test_over_10000_records_answers_202_with_a_job(api, big_job):
    assert big_job["exportJobId"].startswith("exp_")
    assert big_job["status"] in ("pending", "processing", "completed")
    assert big_job["sourceType"] == "module" and big_job["sourceId"] == "mod_contacts"
    assert all(k in big_job for k in DOCUMENT_FIELDS)


def test_the_job_completes_with_every_field_and_a_rising_progress(api, big_job):
    seen: list[int] = []
    job = wait_for(api, big_job["exportJobId"], seen)
    assert job["status"] == "completed", job
    assert seen == sorted(seen) and seen[-1] == 100
    assert job["fileName"].startswith("contacts-export-") and job["fileName"].endswith(".csv")
    assert job["contentType"] == "text/csv; charset=utf-8" and job["rowCount"] == 10_001
    assert job["fileUrl"].endswith(f"/v1/export-jobs/{job['exportJobId']}/file")
    r = api.get(path_of(job["fileUrl"]))
    assert r.status_code == 200 and int(job["fileSizeBytes"]) == len(r.content)
    assert 'filename="contacts-export-' in r.headers["content-disposition"]
    rows = read_csv(r.content)
    assert rows[0] == ["Name", "Email"] and len(rows) == 10_002
    assert [r[0] for r in rows[1:4]] == ["Person 00000", "Person 00001", "Person 00002"]


def test_the_list_keeps_the_documents_top_level_jobs(api, other_api, big_job):
    wait_for(api, big_job["exportJobId"])
    body = api.get("/export-jobs", params={"limit": 25}).json()
    assert body["success"] is True and [j["exportJobId"] for j in body["jobs"]] == [big_job["exportJobId"]]
    assert all(k in body["jobs"][0] for k in DOCUMENT_FIELDS)
    assert other_api.get("/export-jobs").json()["jobs"] == []
    assert api.get("/export-jobs", params={"limit": 0}).status_code == 422


def test_another_account_cannot_see_or_download_the_job(api, other_api, big_job):
    job = wait_for(api, big_job["exportJobId"])
    assert other_api.get(f"/export-jobs/{job['exportJobId']}").status_code == 404
    assert other_api.get(path_of(job["fileUrl"])).status_code == 404
    assert api.get("/export-jobs/exp_doesnotexist").status_code == 404


def test_files_expire_after_24_hours(api, big_job, store):
    job = wait_for(api, big_job["exportJobId"])
    with store.session() as session:
        path = session.get_export_job(None, job["exportJobId"])["file_path"]
    assert expire_export_files(store, utcnow()) == 0  # young files stay
    assert expire_export_files(store, utcnow() + timedelta(hours=24, seconds=1)) == 1
    gone = api.data(api.get(f"/export-jobs/{job['exportJobId']}"))
    assert gone["status"] == "expired" and gone["fileUrl"] is None
    r = api.get(path_of(job["fileUrl"]))
    assert r.status_code == 410 and r.json()["error"]["code"] == "EXPORT_FILE_EXPIRED"
    assert not Path(path).exists()


def test_a_restarted_server_finishes_jobs_it_left_unfinished(settings, store, make_key, seeded):
    key = make_key("acme")
    seeded(5)
    with store.session() as session:
        account_id = session.account_id_by_name("acme")
        module = merge_definitions(session.custom_modules(account_id))["contacts"]
    job = create_export_job(store, new_export_job(account_id, build_spec(module, "csv", {"columns": ["displayName"]}),
                                                  source_type="module", source_id="mod_contacts",
                                                  source_name="contacts", trigger="api"))
    with TestClient(create_app(settings, store)) as client:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            body = client.get(f"/v1/export-jobs/{job['export_job_id']}",
                              headers={"Authorization": f"Bearer {key}"}).json()["data"]
            if body["status"] == "completed":
                break
            time.sleep(0.05)
    assert body["status"] == "completed" and body["rowCount"] == 5


def test_a_job_whose_module_is_gone_fails_with_a_reason(settings, store, make_key):
    make_key("acme")
    with store.session() as session:
        account_id = session.account_id_by_name("acme")
        module = merge_definitions(session.custom_modules(account_id))["contacts"]
    spec = build_spec(module, "csv", None)
    doc = new_export_job(account_id, spec, source_type="module", source_id="mod_x", source_name="x", trigger="cli")
    doc["request"]["spec"]["module"] = "vanished"
    job = create_export_job(store, doc)
    done = run_export_job(store, settings.exports_dir, job["export_job_id"])
    assert done["status"] == "failed" and "vanished" in done["failure"] and done["expires_at"] is not None
