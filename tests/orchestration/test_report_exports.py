"""`report_export` materialised by real runs of `export_report_job`, and the report sensors evaluated with
build_sensor_context against a real store and a real Dagster instance."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta

import dagster as dg
import pytest

from coherence_pipelines.orchestration.report_exports import export_report_job, report_export
from coherence_pipelines.orchestration.report_sensors import report_refresh_sensor, report_schedule_sensor
from coherence_pipelines.orchestration.resources import CoherenceResource

MAPPING = [{"sourceColumn": "Name", "targetFieldSlug": "displayName"},
           {"sourceColumn": "Email", "targetFieldSlug": "email"},
           {"sourceColumn": "Title", "targetFieldSlug": "jobTitle"}]
PEOPLE = [{"Name": "Ann", "Email": "ann@example.com", "Title": "CEO"},
          {"Name": "Bob", "Email": "bob@example.com", "Title": "CTO"},
          {"Name": "Cid", "Email": "cid@example.com", "Title": "CEO"}]
CEOS = {"name": "CEOs", "module": "contacts", "columns": ["displayName", "email"],
        "filters": [{"field": "jobTitle", "op": "eq", "value": "CEO"}], "sortField": "displayName"}


@pytest.fixture
def instance():
    with dg.DagsterInstance.ephemeral() as instance:
        yield instance


@pytest.fixture
def defs(settings):
    return dg.Definitions(assets=[report_export], jobs=[export_report_job],
                          sensors=[report_schedule_sensor, report_refresh_sensor],
                          resources={"coherence": CoherenceResource(home=str(settings.home))})


def create_report(api, **changes):
    return api.data(api.post("/reports", {**CEOS, **changes}), 201)


def export(defs, instance, report_id, tags=None, run_config=None):
    instance.add_dynamic_partitions("reports", [report_id])
    return defs.resolve_job_def("export_report_job").execute_in_process(
        partition_key=report_id, instance=instance, tags=tags, run_config=run_config, raise_on_error=False)


def export_jobs(api):
    response = api.client.get("/v1/export-jobs", headers=api.headers)
    assert response.status_code == 200, response.text
    return response.json()["jobs"]


def materialization(result):
    [event] = result.asset_materializations_for_node("report_export")
    return event.metadata


def failure_message(result):
    [event] = [e for e in result.all_events if e.is_step_failure]
    return event.step_failure_data.error.message


def evaluate(sensor, defs, instance, cursor=None):
    with dg.build_sensor_context(instance=instance, cursor=cursor, definitions=defs,
                                 resources=defs.resources) as context:
        result = sensor(context)
    # What the daemon does with the partition requests before it launches the runs.
    for request in result.dynamic_partitions_requests:
        if isinstance(request, dg.AddDynamicPartitionsRequest):
            instance.add_dynamic_partitions(request.partitions_def_name, request.partition_keys)
        else:
            for key in request.partition_keys:
                instance.delete_dynamic_partition(request.partitions_def_name, key)
    return result


def run_request(defs, instance, request):
    return defs.resolve_job_def("export_report_job").execute_in_process(
        partition_key=request.partition_key, instance=instance, tags=request.tags, raise_on_error=False)


# ---------------------------------------------------------------------------------------------- the asset


def test_materialising_a_report_writes_its_csv_and_an_export_job_the_api_lists(api, defs, instance):
    api.execute(PEOPLE, MAPPING)
    report = create_report(api)
    result = export(defs, instance, report["reportId"], tags={"coherence/trigger": "schedule"})
    assert result.success
    meta = materialization(result)
    path = meta["path"].value
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    assert rows[1:] == [["Ann", "ann@example.com"], ["Cid", "cid@example.com"]]
    assert meta["dagster/row_count"].value == 2 and meta["format"].value == "csv"
    assert meta["size_bytes"].value == len(open(path, "rb").read())
    [job] = export_jobs(api)
    assert job["exportJobId"] == meta["export_job_id"].value
    assert (job["status"], job["trigger"], job["sourceType"], job["sourceId"], job["sourceName"]) == (
        "completed", "schedule", "report", report["reportId"], "CEOs")
    assert job["rowCount"] == 2 and job["fileSizeBytes"] == meta["size_bytes"].value
    download = api.client.get(job["fileUrl"], headers=api.headers)
    assert download.status_code == 200 and list(csv.reader(io.StringIO(download.text)))[1:] == rows[1:]
    tags = instance.get_run_by_id(result.run_id).tags
    assert tags["coherence/report_id"] == report["reportId"] and tags["coherence/account_id"] == job["accountId"]
    assert tags["coherence/export_job_id"] == job["exportJobId"]


def test_a_launch_by_hand_uses_the_run_config_and_is_a_dagster_export_job(api, defs, instance):
    api.execute(PEOPLE, MAPPING)
    report = create_report(api, schedule={"cron": "0 7 * * *", "format": "csv",
                                          "config": {"columnLabels": {"email": "E-mail"}}})
    result = export(defs, instance, report["reportId"])
    assert result.success
    with open(materialization(result)["path"].value, newline="", encoding="utf-8-sig") as f:
        assert next(csv.reader(f))[1] == "E-mail"  # no run config: the schedule's export
    config = {"columns": ["email"], "includeHeaders": False, "filters": [{"field": "displayName", "op": "eq",
                                                                           "value": "Cid"}]}
    result = export(defs, instance, report["reportId"],
                    run_config={"ops": {"report_export": {"config": {"config": json.dumps(config)}}}})
    assert result.success
    with open(materialization(result)["path"].value, newline="", encoding="utf-8-sig") as f:
        assert list(csv.reader(f)) == [["cid@example.com"]]  # the report's filter and the config's, both
    assert [j["trigger"] for j in export_jobs(api)] == ["dagster", "dagster"]


def test_a_pdf_export_is_materialised_as_a_pdf(api, defs, instance):
    try:
        from coherence_pipelines.export.pdf import write_pdf  # noqa: F401
    except ImportError:
        pytest.skip("the PDF writer (coherence_pipelines.export.pdf) is not there yet")
    from pypdf import PdfReader

    api.execute(PEOPLE, MAPPING)
    report = create_report(api, refreshAfterImport={"format": "pdf", "config": {"description": "Every CEO"}})
    result = export(defs, instance, report["reportId"], tags={"coherence/trigger": "sensor"})
    assert result.success
    meta = materialization(result)
    assert meta["format"].value == "pdf" and meta["path"].value.endswith(".pdf")
    text = "".join(page.extract_text() for page in PdfReader(meta["path"].value).pages)
    assert "CEOs" in text and "Every CEO" in text and "cid@example.com" in text
    assert export_jobs(api)[0]["trigger"] == "sensor"


def test_a_report_deleted_since_its_partition_was_added_fails_the_run(api, defs, instance):
    report = create_report(api)
    instance.add_dynamic_partitions("reports", [report["reportId"]])
    api.data(api.delete(f"/reports/{report['reportId']}"))
    result = export(defs, instance, report["reportId"])
    assert not result.success
    assert f"Report {report['reportId']} no longer exists" in failure_message(result)
    assert export_jobs(api) == []


def test_a_bad_run_config_fails_before_any_export_job(api, defs, instance):
    report = create_report(api)
    for config, message in ((json.dumps({"columns": ["noSuchField"]}), "'noSuchField' is not a field"),
                            ("{columns: email}", "config is not valid JSON")):
        result = export(defs, instance, report["reportId"],
                        run_config={"ops": {"report_export": {"config": {"config": config}}}})
        assert not result.success and message in failure_message(result)
    assert export_jobs(api) == []


def test_a_failed_export_job_fails_the_materialisation(api, defs, instance, settings, store):
    report = create_report(api)
    with store.session() as session:
        account_id = session.account_id_by_name("acme")
    (settings.exports_dir / account_id).write_text("a file where the account's export folder should be")
    result = export(defs, instance, report["reportId"])
    assert not result.success
    [job] = export_jobs(api)
    assert job["status"] == "failed"
    assert f"Export job {job['exportJobId']} of report {report['reportId']} failed" in failure_message(result)
    assert result.asset_materializations_for_node("report_export") == []


# ------------------------------------------------------------------------------------ the schedule sensor


def earlier(cursor, report_id, by=timedelta(days=1)):
    """The cursor as if the last tick the sensor handled for the report came a day earlier."""
    state = json.loads(cursor)
    state[report_id]["tick"] = (datetime.fromisoformat(state[report_id]["tick"]) - by).isoformat()
    return json.dumps(state)


def test_a_scheduled_report_runs_once_its_cron_ticks_and_the_run_is_an_export_job(api, defs, instance):
    api.execute(PEOPLE, MAPPING)
    report = create_report(api, schedule={"cron": "0 7 * * *", "format": "csv"})
    plain = create_report(api, name="No schedule")
    first = evaluate(report_schedule_sensor, defs, instance)
    assert first.run_requests == []  # saving a schedule does not export at once
    assert set(instance.get_dynamic_partitions("reports")) == {report["reportId"], plain["reportId"]}
    assert set(json.loads(first.cursor)) == {report["reportId"]}
    assert evaluate(report_schedule_sensor, defs, instance, first.cursor).run_requests == []

    ticked = evaluate(report_schedule_sensor, defs, instance, earlier(first.cursor, report["reportId"]))
    [request] = ticked.run_requests
    assert request.partition_key == report["reportId"]
    assert request.run_key == f"{report['reportId']}:{json.loads(first.cursor)[report['reportId']]['tick']}"
    assert request.tags["coherence/trigger"] == "schedule" and request.tags["coherence/report_id"] == report["reportId"]
    assert ticked.cursor == first.cursor
    assert evaluate(report_schedule_sensor, defs, instance, ticked.cursor).run_requests == []

    assert run_request(defs, instance, request).success
    [job] = export_jobs(api)
    assert (job["trigger"], job["sourceId"], job["status"], job["rowCount"]) == (
        "schedule", report["reportId"], "completed", 2)


def test_reports_created_changed_or_deleted_later_are_picked_up_on_the_next_tick(api, defs, instance):
    first = evaluate(report_schedule_sensor, defs, instance)
    assert (first.run_requests, json.loads(first.cursor), instance.get_dynamic_partitions("reports")) == ([], {}, [])
    later = create_report(api, schedule={"cron": "*/5 * * * *"})
    second = evaluate(report_schedule_sensor, defs, instance, first.cursor)
    assert second.run_requests == [] and set(json.loads(second.cursor)) == {later["reportId"]}
    assert instance.get_dynamic_partitions("reports") == [later["reportId"]]
    assert len(evaluate(report_schedule_sensor, defs, instance,
                        earlier(second.cursor, later["reportId"])).run_requests) == 1

    # A changed cron starts afresh, as a new schedule would: no run until it ticks.
    api.data(api.client.put(f"/v1/reports/{later['reportId']}", headers=api.headers,
                            json={"schedule": {"cron": "0 * * * *"}}))
    changed = evaluate(report_schedule_sensor, defs, instance, earlier(second.cursor, later["reportId"]))
    assert changed.run_requests == [] and json.loads(changed.cursor)[later["reportId"]]["cron"] == "0 * * * *"

    api.data(api.delete(f"/reports/{later['reportId']}"))
    gone = evaluate(report_schedule_sensor, defs, instance, earlier(changed.cursor, later["reportId"]))
    assert gone.run_requests == [] and json.loads(gone.cursor) == {}
    assert instance.get_dynamic_partitions("reports") == []


# ------------------------------------------------------------------------------------- the refresh sensor


def test_an_import_refreshes_the_reports_of_its_account_and_module_only(api, other_api, defs, instance):
    refresh = {"refreshAfterImport": True}
    acme_contacts = create_report(api, **refresh)
    create_report(api, name="Not refreshed")
    create_report(api, name="Deals", module="deals", columns=["displayName"], filters=[], **refresh)
    globex_contacts = create_report(other_api, **refresh)
    first = evaluate(report_refresh_sensor, defs, instance)
    assert first.run_requests == []

    acme_import = api.execute(PEOPLE, MAPPING)["importJobId"]
    after = evaluate(report_refresh_sensor, defs, instance, first.cursor)
    [request] = after.run_requests
    assert request.partition_key == acme_contacts["reportId"]
    assert request.run_key == f"{acme_contacts['reportId']}:{acme_import}"
    assert request.tags["coherence/trigger"] == "sensor" and request.tags["coherence/import_job_id"] == acme_import
    assert acme_contacts["reportId"] in instance.get_dynamic_partitions("reports")
    assert evaluate(report_refresh_sensor, defs, instance, after.cursor).run_requests == []

    other_api.execute(PEOPLE[:1], MAPPING)
    [request] = evaluate(report_refresh_sensor, defs, instance, after.cursor).run_requests
    assert request.partition_key == globex_contacts["reportId"]
    assert run_request(defs, instance, request).success
    [job] = export_jobs(other_api)
    assert (job["trigger"], job["sourceId"], job["rowCount"]) == ("sensor", globex_contacts["reportId"], 1)
    assert export_jobs(api) == []


def test_several_imports_between_ticks_make_one_refresh(api, defs, instance):
    report = create_report(api, refreshAfterImport=True)
    first = evaluate(report_refresh_sensor, defs, instance)
    api.execute(PEOPLE[:1], MAPPING)
    last = api.execute(PEOPLE[1:], MAPPING)["importJobId"]
    [request] = evaluate(report_refresh_sensor, defs, instance, first.cursor).run_requests
    assert request.run_key == f"{report['reportId']}:{last}"


def test_imports_before_the_first_tick_do_not_refresh(api, defs, instance):
    create_report(api, refreshAfterImport=True)
    api.execute(PEOPLE, MAPPING)
    first = evaluate(report_refresh_sensor, defs, instance)
    assert first.run_requests == []
    assert evaluate(report_refresh_sensor, defs, instance, first.cursor).run_requests == []


def test_the_code_location_holds_the_report_exports_and_the_cleanup():
    from coherence_pipelines.definitions import defs, import_file_job_with_resources

    dg.Definitions.validate_loadable(defs)
    repo = defs.get_repository_def()
    assert repo.has_job("export_report_job") and repo.has_job("cleanup_job")
    assert {s.name for s in repo.sensor_defs} >= {"inbox_sensor", "report_schedule_sensor", "report_refresh_sensor"}
    assert {s.name for s in repo.schedule_defs} >= {"cleanup_schedule"}
    assert defs.resolve_job_def("export_report_job").partitions_def.name == "reports"
    assert import_file_job_with_resources().name == "import_file_job"
