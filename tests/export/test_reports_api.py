"""Saved reports over /v1/reports (create, list, get, update, delete) and their exports."""

from __future__ import annotations

import pytest

from tests.export.conftest import read_csv

REPORT = {"name": "Qualified people", "module": "contacts", "columns": ["displayName", "email"],
          "filters": [{"field": "leadStatus", "op": "eq", "value": "Qualified"}],
          "sortField": "displayName", "sortDirection": "asc"}


@pytest.fixture
def report(api, seeded):
    seeded(40)
    return api.data(api.post("/reports", REPORT), 201)


def test_create_answers_the_report_with_its_id(report):
    assert report["reportId"].startswith("rpt_")
    assert {k: report[k] for k in REPORT} == REPORT
    assert report["schedule"] is None and report["refreshAfterImport"] is False


def test_list_get_update_delete(api, report):
    rid = report["reportId"]
    assert [r["reportId"] for r in api.data(api.get("/reports"))] == [rid]
    assert api.data(api.get(f"/reports/{rid}"))["name"] == "Qualified people"
    changed = api.data(api.client.put(f"/v1/reports/{rid}", headers=api.headers, json={
        "name": "Renamed", "schedule": {"cron": "0 7 * * 1-5", "format": "pdf", "config": {"title": "Daily"}},
        "refreshAfterImport": True}))
    assert changed["name"] == "Renamed" and changed["schedule"]["cron"] == "0 7 * * 1-5"
    assert changed["refreshAfterImport"] is True and changed["columns"] == REPORT["columns"]
    cleared = api.data(api.client.put(f"/v1/reports/{rid}", headers=api.headers, json={"schedule": None}))
    assert cleared["schedule"] is None and cleared["name"] == "Renamed"
    assert api.data(api.delete(f"/reports/{rid}"))["deleted"] is True
    assert api.get(f"/reports/{rid}").status_code == 404
    assert api.delete(f"/reports/{rid}").status_code == 404


@pytest.mark.parametrize(("change", "fragment"), [
    ({"module": "nope"}, "Module not found"),
    ({"columns": ["nope"]}, "nope"),
    ({"filters": [{"field": "leadStatus", "op": "matches", "value": "x"}]}, "op"),
    ({"sortField": "nope"}, "sortField"),
    ({"schedule": {"cron": "every day", "format": "csv"}}, "cron"),
    ({"schedule": {"cron": "0 7 * * *", "format": "docx"}}, "format"),
    ({"schedule": {"cron": "0 7 * * *", "format": "csv", "config": {"limit": 200_000}}}, "limit"),
    ({"schedule": {"cron": "0 7 * * *", "timezone": "Mars/Olympus_Mons"}}, "timezone"),
    ({"schedule": {"cron": "0 7 * * *", "timezone": "CET; DROP"}}, "timezone"),
])
def test_bad_definitions_are_refused_when_saved(api, change, fragment):
    r = api.post("/reports", {**REPORT, **change})
    assert r.status_code in (400, 404), r.text
    assert fragment in r.json()["error"]["message"]


def test_a_schedule_keeps_its_time_zone(api, report):
    rid = report["reportId"]
    changed = api.data(api.client.put(f"/v1/reports/{rid}", headers=api.headers, json={
        "schedule": {"cron": "0 8 * * 1-5", "timezone": "Europe/Berlin", "format": "csv"}}))
    assert changed["schedule"]["timezone"] == "Europe/Berlin"
    assert api.data(api.get(f"/reports/{rid}"))["schedule"]["timezone"] == "Europe/Berlin"


def test_unknown_keys_are_refused(api):
    assert api.post("/reports", {**REPORT, "colour": "red"}).status_code == 422
    assert api.post("/reports", {**REPORT, "name": ""}).status_code == 422


def test_report_export_applies_the_reports_filters_and_sort(api, report):
    r = api.post(f"/reports/{report['reportId']}/export", {"format": "csv", "config": {"limit": 5}})
    assert r.status_code == 200
    assert 'filename="qualified-people-export-' in r.headers["content-disposition"]
    rows = read_csv(r.content)
    assert rows[0] == ["Name", "Email"]
    assert [row[0] for row in rows[1:]] == [f"Person {i:05d}" for i in (1, 3, 5, 7, 9)]  # odd = Qualified


def test_report_export_config_narrows_and_relabels(api, report):
    r = api.post(f"/reports/{report['reportId']}/export", {"format": "csv", "config": {
        "columns": ["email"], "columnLabels": {"email": "E-mail"}, "sortDirection": "desc",
        "filters": [{"field": "displayName", "op": "lt", "value": "Person 00010"}]}})
    rows = read_csv(r.content)
    assert rows == [["E-mail"], *[[f"p{i}@example.com"] for i in (9, 7, 5, 3, 1)]]


def test_reports_belong_to_their_account(api, other_api, report):
    rid = report["reportId"]
    assert other_api.get(f"/reports/{rid}").status_code == 404
    assert other_api.post(f"/reports/{rid}/export", {"format": "csv"}).status_code == 404
    assert other_api.client.put(f"/v1/reports/{rid}", headers=other_api.headers, json={"name": "x"}).status_code == 404
    assert other_api.delete(f"/reports/{rid}").status_code == 404
    assert other_api.data(other_api.get("/reports")) == []
    assert api.data(api.get(f"/reports/{rid}"))["name"] == "Qualified people"
