"""Mapping memory: an executed import's mapping comes back first for the same or similar headers, with the
file's encoding, delimiter and date order and the drift; named templates by API, inbox and CLI."""

from __future__ import annotations

import json

import pytest

from coherence_pipelines.execution import ColumnMapping, ImportOptions, ImportRunner
from coherence_pipelines.modules import merge_definitions
from coherence_pipelines.orchestration.import_request import options_from_config
from coherence_pipelines.orchestration.inbox_sensor import run_config_for

HEADERS = ["Full Name", "Mail", "Col X", "Notes To Self"]
ROWS = [{"Full Name": "Ana Souza", "Mail": "ana@example.com", "Col X": "CTO", "Notes To Self": "ignore me"}]
# "Col X" -> jobTitle is what only a person knows; "Notes To Self" is left unmapped on purpose.
MAPPING = [{"sourceColumn": "Full Name", "targetFieldSlug": "displayName"},
           {"sourceColumn": "Mail", "targetFieldSlug": "email", "valueType": "Personal"},
           {"sourceColumn": "Col X", "targetFieldSlug": "jobTitle"}]


def suggest(api, headers, samples=None, **extra):
    return api.data(api.post("/modules/contacts/import/suggest-mapping",
                             {"sourceColumns": headers, "sampleData": samples, **extra}))


def by_column(answer):
    return {s["sourceColumn"]: s for s in answer["suggestions"]}


@pytest.fixture
def remembered(api):
    assert api.execute(ROWS, MAPPING)["status"] == "completed"


def test_without_memory_col_x_is_not_guessed(api):
    answer = suggest(api, HEADERS)
    assert by_column(answer)["Col X"]["targetFieldSlug"] is None and answer["savedMapping"] is None


def test_the_same_headers_get_the_executed_mapping_back(api, remembered):
    answer = suggest(api, [h.upper() + " " for h in HEADERS])
    got = by_column(answer)
    assert got["COL X "]["targetFieldSlug"] == "jobTitle" and got["COL X "]["confidence"] == 0.99
    assert got["MAIL "]["valueType"] == "Personal"
    assert got["NOTES TO SELF "]["targetFieldSlug"] is None  # left unmapped then, left unmapped now
    assert answer["savedMapping"]["kind"] == "exact" and answer["warnings"] == []
    assert answer["aiUsed"] is False


def test_similar_headers_get_it_for_shared_columns_and_report_the_drift(api, remembered):
    headers = ["Full Name", "Mail", "Col X", "Notes To Self", "Phone"]  # one new column
    answer = suggest(api, headers)
    got = by_column(answer)
    assert answer["savedMapping"]["kind"] == "similar"
    assert answer["savedMapping"]["newColumns"] == ["Phone"] and answer["savedMapping"]["missingColumns"] == []
    assert got["Col X"]["targetFieldSlug"] == "jobTitle" and got["Col X"]["confidence"] == 0.95
    assert got["Phone"]["targetFieldSlug"] == "phone"  # the new column is suggested afresh
    assert any("Phone" in w and "new" in w for w in answer["warnings"])

    answer = suggest(api, ["Full Name", "Mail", "Col X"])  # a column gone
    assert answer["savedMapping"]["missingColumns"] == ["Notes To Self"]
    assert any("Notes To Self" in w and "not in this file" in w for w in answer["warnings"])


def test_a_fresh_suggestion_never_takes_a_field_the_memory_gave(api, remembered):
    answer = suggest(api, ["Full Name", "Mail", "Col X", "Notes To Self", "Job Title"])
    assert by_column(answer)["Job Title"]["targetFieldSlug"] is None


def test_different_headers_and_other_accounts_get_no_memory(api, other_api, remembered):
    assert suggest(api, ["Company", "Revenue", "Founded"])["savedMapping"] is None
    assert suggest(other_api, HEADERS)["savedMapping"] is None


def test_the_files_encoding_delimiter_and_date_order_are_remembered(api):
    content = "Name;Mail;Born\nJosé Núñez;jose@example.com;03/04/1990\n".encode("cp1252")
    parsed = api.data(api.parse(content, "people.csv"))
    assert parsed["delimiter"] == ";"
    mapping = [{"sourceColumn": "Name", "targetFieldSlug": "displayName"},
               {"sourceColumn": "Mail", "targetFieldSlug": "email"},
               {"sourceColumn": "Born", "targetFieldSlug": "birthday"}]
    result = api.data(api.post("/modules/contacts/import/execute", {"uploadId": parsed["uploadId"],
                                                                     "columnMapping": mapping, "dateOrder": "DMY"}))
    assert result["status"] == "completed"
    assert api.records()[0]["birthday"] == "1990-04-03"
    saved = suggest(api, ["Name", "Mail", "Born"])["savedMapping"]
    assert (saved["encoding"], saved["delimiter"], saved["dateOrder"]) == (parsed["encoding"], ";", "DMY")
    assert saved["importJobId"] == result["importJobId"]


def test_templates_over_http(api, other_api):
    r = api.client.put("/v1/modules/contacts/import/mappings/legacy-crm", headers=api.headers,
                       json={"columnMapping": MAPPING, "headers": HEADERS, "dateOrder": "DMY"})
    assert r.status_code == 200, r.text
    listed = api.data(api.get("/modules/contacts/import/mappings"))
    assert [t["name"] for t in listed["templates"]] == ["legacy-crm"]
    answer = suggest(api, ["Full Name", "Mail", "Col X"], mappingTemplate="legacy-crm")
    assert answer["savedMapping"]["kind"] == "template" and answer["savedMapping"]["templateName"] == "legacy-crm"
    assert by_column(answer)["Col X"]["targetFieldSlug"] == "jobTitle"
    r = api.post("/modules/contacts/import/suggest-mapping", {"sourceColumns": HEADERS, "mappingTemplate": "nope"})
    assert r.status_code == 400 and "nope" in r.json()["error"]["message"]
    assert other_api.data(other_api.get("/modules/contacts/import/mappings"))["templates"] == []
    bad = api.client.put("/v1/modules/contacts/import/mappings/bad", headers=api.headers,
                         json={"columnMapping": [{"sourceColumn": "A", "targetFieldSlug": "nope"}]})
    assert bad.status_code == 400 and "nope" in bad.json()["error"]["message"]
    assert api.delete("/modules/contacts/import/mappings/legacy-crm").status_code == 200
    assert api.delete("/modules/contacts/import/mappings/legacy-crm").status_code == 404


def test_execute_can_save_its_mapping_as_a_template(api):
    r = api.post("/modules/contacts/import/execute", {"rows": ROWS, "columnMapping": MAPPING,
                                                      "saveMappingAs": "from-execute"})
    assert r.status_code == 200, r.text
    templates = api.data(api.get("/modules/contacts/import/mappings"))["templates"]
    assert templates[0]["name"] == "from-execute" and templates[0]["headers"] == HEADERS
    assert templates[0]["columnMapping"] == MAPPING


def test_a_job_keeps_its_date_order_and_template_name(store):
    """A background run rebuilds its options from the job: the date order must survive that trip."""
    options = ImportOptions(column_mapping=[ColumnMapping("Born", "birthday")], date_order="DMY", save_mapping_as="t")
    runner = ImportRunner(store, "acc_x", merge_definitions({})["contacts"], options)
    restored = ImportRunner(store, "acc_x", merge_definitions({})["contacts"],
                            ImportOptions.from_doc(runner.options_doc()))
    assert restored.ctx.date_order == "DMY" and restored.options.save_mapping_as == "t"


def test_the_inbox_and_launchpad_name_templates(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("Full Name\nAna\n")
    path.with_name("people.csv.json").write_text(json.dumps({"mappingTemplate": "legacy-crm", "dateOrder": "DMY"}))
    config = run_config_for("acme", "contacts", path)["ops"]["stage_rows"]["config"]
    assert config["mapping"] == "template:legacy-crm" and config["date_order"] == "DMY"
    options = options_from_config("template:legacy-crm", "skip", [], "prefer_import", False, {}, "DMY")
    assert options["mappingTemplate"] == "legacy-crm" and options["columnMapping"] == []
    assert options["dateOrder"] == "DMY"
