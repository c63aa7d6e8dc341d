"""Stream and background processing modes over HTTP: progress events, and a Dagster run polled to the end."""

from __future__ import annotations

import json
import time

MAPPING = [{"sourceColumn": "Name", "targetFieldSlug": "displayName"},
           {"sourceColumn": "Email", "targetFieldSlug": "email"}]


def people_csv(n: int) -> bytes:
    return ("Name,Email\n" + "".join(f"Person {i},p{i}@example.com\n" for i in range(n))).encode()


def test_stream_mode_sends_progress_events_then_the_result(api):
    rows = [{"Name": f"P{i}", "Email": f"p{i}@example.com"} for i in range(12_000)]
    with api.client.stream("POST", "/v1/modules/contacts/import/execute",
                           headers={**api.headers, "Accept": "application/x-ndjson"},
                           json={"rows": rows, "columnMapping": MAPPING}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
        events = [json.loads(line) for line in r.iter_lines() if line]
    progress = [e for e in events if e["event"] == "progress"]
    assert [p["processedRows"] for p in progress] == [5_000, 10_000, 12_000]
    assert events[-1]["event"] == "result" and events[-1]["data"]["successRows"] == 12_000
    assert events[-1]["data"]["processingMode"] == "stream"


def test_background_mode_runs_as_a_dagster_run_and_is_polled_to_completion(api, settings, monkeypatch):
    # Chunks of 5,000 rows (the run inherits the environment): eleven commits, so polls see the progress
    # between them; four quarters of 50,001 rows can all commit between two polls.
    monkeypatch.setenv("COHERENCE_MAX_CHUNK_ROWS", "5000")
    upload = api.data(api.parse(people_csv(50_001)))
    r = api.post("/modules/contacts/import/execute", {"uploadId": upload["uploadId"], "columnMapping": MAPPING})
    assert r.status_code == 202, r.text
    started = r.json()["data"]
    assert (started["status"], started["processingMode"]) == ("pending", "background")
    seen, job = [], {}
    deadline = time.time() + 240
    while time.time() < deadline:
        job = api.data(api.get(f"/modules/contacts/import/jobs/{started['importJobId']}"))
        seen.append(job["processedRows"])
        if job["status"] not in ("pending", "processing"):
            break
        time.sleep(0.2)
    log = (settings.logs_dir / f"{started['importJobId']}.log")
    assert job["status"] == "completed", (job, log.read_text()[-2000:] if log.exists() else "")
    assert (job["successRows"], job["processedRows"], job["totalRows"]) == (50_001, 50_001, 50_001)
    assert seen == sorted(seen), "progress never goes back"
    assert any(0 < s < 50_001 for s in seen), f"progress was seen rising: {seen[:5]}...{seen[-5:]}"
    assert api.data(api.get("/modules/contacts/records", params={"limit": 1}))["total"] == 50_001
    runs = list((settings.dagster_home / "history").glob("**/*")) or list(settings.dagster_home.glob("**/*.db"))
    assert runs, "the run is recorded in the Dagster instance under DAGSTER_HOME"
