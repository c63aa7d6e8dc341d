"""`inbox_sensor` evaluated with build_sensor_context, and inbox files moved aside by their runs."""

from __future__ import annotations

import json

import dagster as dg

from coherence_pipelines.orchestration.import_job import import_file_job
from coherence_pipelines.orchestration.inbox_sensor import inbox_sensor
from coherence_pipelines.orchestration.resources import CoherenceResource


def evaluate(settings, cursor=None):
    with dg.build_sensor_context(cursor=cursor, resources={"coherence": CoherenceResource(home=str(settings.home))},
                                 instance=dg.DagsterInstance.ephemeral()) as context:
        return inbox_sensor(context)


def drop(settings, name, text, account="acme", module="contacts"):
    folder = settings.inbox_dir / account / module
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_a_new_file_gives_one_run_request_and_the_same_file_none(settings):
    path = drop(settings, "people.csv", "Name,Email\nAnn,ann@example.com\n")
    first = evaluate(settings)
    assert len(first.run_requests) == 1
    request = first.run_requests[0]
    config = request.run_config["ops"]["stage_rows"]["config"]
    assert (config["file_path"], config["account"], config["module"]) == (str(path), "acme", "contacts")
    assert request.tags["coherence/account"] == "acme"
    again = evaluate(settings, cursor=first.cursor)
    assert again.run_requests == []
    # a restarted sensor resumes from its stored cursor: still nothing new
    assert evaluate(settings, cursor=again.cursor).run_requests == []


def test_a_changed_file_is_requested_again_and_gone_files_leave_the_cursor(settings):
    path = drop(settings, "people.csv", "Name\nAnn\n")
    first = evaluate(settings)
    path.write_text("Name\nAnn\nBob\n")
    second = evaluate(settings, cursor=first.cursor)
    assert len(second.run_requests) == 1 and second.run_requests[0].run_key != first.run_requests[0].run_key
    path.unlink()
    assert json.loads(evaluate(settings, cursor=second.cursor).cursor) == []


def test_sidecar_options_and_ignored_files(settings):
    path = drop(settings, "deals.csv", "Deal,Stage\nBig,Proposal\n", module="deals")
    path.with_name("deals.csv.json").write_text(json.dumps({
        "columnMapping": [{"sourceColumn": "Deal", "targetFieldSlug": "displayName"},
                          {"sourceColumn": "Stage", "targetFieldSlug": "stage"}],
        "duplicateStrategy": "update", "duplicateMatchFields": ["displayName"]}))
    drop(settings, "notes.pdf", "%PDF", module="deals")
    result = evaluate(settings)
    assert len(result.run_requests) == 1
    config = result.run_requests[0].run_config["ops"]["stage_rows"]["config"]
    assert config["duplicate_strategy"] == "update" and config["match_fields"] == ["displayName"]
    assert json.loads(config["mapping"])[1]["targetFieldSlug"] == "stage"


def run_request(settings, request):
    return import_file_job.execute_in_process(
        run_config=request.run_config, resources={"coherence": CoherenceResource(home=str(settings.home))},
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)


def test_imported_files_move_to_done_with_an_error_report_for_bad_rows(settings):
    path = drop(settings, "people.csv", "Name,Email\nAnn,ann@example.com\nBob,not-an-email\n")
    result = run_request(settings, evaluate(settings).run_requests[0])
    assert result.success
    done = path.parent / "done" / "people.csv"
    assert done.exists() and not path.exists()
    report = (path.parent / "done" / "people.csv.errors.csv").read_text().splitlines()
    assert report[0].startswith("Row,Errors") and "Name" in report[0]
    assert report[1].startswith("2,email: Invalid email format,Bob,not-an-email")
    assert evaluate(settings).run_requests == []


def test_a_file_that_cannot_be_imported_moves_to_failed_with_a_report(settings):
    path = drop(settings, "broken.csv", "Name,Email\nAnn,ann@example.com\n")
    path.with_name("broken.csv.json").write_text(json.dumps({"columnMapping": [
        {"sourceColumn": "Name", "targetFieldSlug": "noSuchField"}]}))
    result = run_request(settings, evaluate(settings).run_requests[0])
    assert not result.success
    failed = path.parent / "failed" / "broken.csv"
    assert failed.exists()
    assert "noSuchField" in (path.parent / "failed" / "broken.csv.errors.csv").read_text()


def test_a_file_without_sidecar_reuses_the_mapping_saved_for_its_headers(settings, store):
    from coherence_pipelines.execution import ColumnMapping, ImportOptions, ImportRunner, ImportSource, rows_frame
    from coherence_pipelines.modules import builtin_modules

    with store.session() as session:
        account_id = session.ensure_account("acme")
    mapping = [ColumnMapping("Col A", "displayName"), ColumnMapping("Col B", "jobTitle")]
    ImportRunner(store, account_id, builtin_modules()["contacts"], ImportOptions(column_mapping=mapping)).execute(
        ImportSource(rows=rows_frame([{"Col A": "Ann", "Col B": "CEO"}])))
    path = drop(settings, "again.csv", "col b,COL A\nCTO,Bob\n")
    result = run_request(settings, evaluate(settings).run_requests[0])
    assert result.success and not path.exists()
    with store.session() as session:
        rows, _ = session.list_records(account_id, "contacts", 10, 0, "created_at DESC, record_id DESC")
    people = {json.loads(r["data"])["displayName"]: json.loads(r["data"]) for r in rows}
    assert people["Bob"]["jobTitle"] == "CTO"
