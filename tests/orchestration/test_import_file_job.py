"""`import_file_job` as real Dagster runs (execute_in_process) over real files and a real store."""

from __future__ import annotations

import json

import dagster as dg
import openpyxl

from coherence_pipelines.orchestration.import_job import import_file_job
from coherence_pipelines.orchestration.resources import CoherenceResource


def run(settings, **config):
    return import_file_job.execute_in_process(
        run_config={"ops": {"stage_rows": {"config": config}}},
        resources={"coherence": CoherenceResource(home=str(settings.home))},
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)


def records(store, account="acme", module="contacts"):
    with store.session() as session:
        account_id = session.account_id_by_name(account)
        rows, _ = session.list_records(account_id, module, 100, 0, "created_at DESC, record_id DESC")
    return {json.loads(r["data"])["displayName"]: json.loads(r["data"]) for r in rows}


def test_a_csv_file_with_suggested_mapping(settings, store, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("Full Name,E-mail,Mobile Phone,City\nAnn Lee,ann@example.com,555-0100,Springfield\n"
                    "Bob Ray,bob@example.com,555-0101,Shelbyville\nBad Row,not-an-email,,\n")
    result = run(settings, file_path=str(path), account="acme", module="contacts")
    assert result.success
    out = result.output_for_node("execute_import")
    assert (out["status"], out["successRows"], out["errorRows"]) == ("completed", 2, 1)
    people = records(store)
    assert people["Ann Lee"]["phone"][0]["type"] == "Mobile" and people["Ann Lee"]["address"]["city"] == "Springfield"
    assert out["importJobId"].startswith("job_")
    steps = {e.step_key for e in result.get_step_success_events()}
    assert steps == {"stage_rows", "map_columns", "validate_rows", "execute_import"}


def test_an_xlsx_file_with_an_explicit_mapping_and_update(settings, store, tmp_path):
    path = tmp_path / "people.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["Who", "Mail", "Title"])
    wb.active.append(["Ann Lee", "ann@example.com", "CEO"])
    wb.save(path)
    mapping = json.dumps([{"sourceColumn": "Who", "targetFieldSlug": "displayName"},
                          {"sourceColumn": "Mail", "targetFieldSlug": "email"},
                          {"sourceColumn": "Title", "targetFieldSlug": "jobTitle"}])
    assert run(settings, file_path=str(path), account="acme", mapping=mapping).success
    wb.active["C2"] = "CTO"
    wb.save(path)
    result = run(settings, file_path=str(path), account="acme", mapping=mapping, duplicate_strategy="update",
                 match_fields=["email"])
    assert result.output_for_node("execute_import")["updatedRows"] == 1
    assert records(store)["Ann Lee"]["jobTitle"] == "CTO"


def test_run_metadata_shows_counts_and_tags(settings, store, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("Name,Email\nAnn,ann@example.com\n")
    instance = dg.DagsterInstance.ephemeral()
    result = import_file_job.execute_in_process(
        run_config={"ops": {"stage_rows": {"config": {"file_path": str(path), "account": "acme"}}}},
        resources={"coherence": CoherenceResource(home=str(settings.home))}, instance=instance)
    tags = instance.get_run_by_id(result.run_id).tags
    job_id = result.output_for_node("execute_import")["importJobId"]
    assert (tags["coherence/account"], tags["coherence/module"], tags["coherence/import_job_id"]) == (
        "acme", "contacts", job_id)
    materialized = [e for e in result.all_events if e.event_type_value == "STEP_OUTPUT"
                    and e.step_key == "execute_import"]
    metadata = materialized[0].event_specific_data.metadata
    assert metadata["successRows"].value == 1 and metadata["status"].value == "completed"


def test_a_missing_file_fails_the_run_clearly(settings, tmp_path):
    result = run(settings, file_path=str(tmp_path / "nope.csv"), account="acme")
    assert not result.success


def test_a_named_template_with_its_date_order(settings, store, tmp_path):
    """`mapping: template:NAME` (the launchpad, an inbox sidecar's `mappingTemplate`) maps by the template, and
    the template's date order reads the dates."""
    with store.session() as session:
        account_id = session.ensure_account("acme")
        session.save_template(account_id, "contacts", "legacy", {
            "headers": ["Who", "Col X", "Born"], "date_order": "DMY",
            "column_mapping": [{"sourceColumn": "Who", "targetFieldSlug": "displayName"},
                               {"sourceColumn": "Col X", "targetFieldSlug": "jobTitle"},
                               {"sourceColumn": "Born", "targetFieldSlug": "birthday"}]})
    path = tmp_path / "legacy.csv"
    path.write_text("Who,Col X,Born\nAnn Lee,CTO,03/04/1990\n")
    result = run(settings, file_path=str(path), account="acme", mapping="template:legacy")
    assert result.success
    ann = records(store)["Ann Lee"]
    assert ann["jobTitle"] == "CTO" and ann["birthday"] == "1990-04-03"
    assert not run(settings, file_path=str(path), account="acme", mapping="template:nope").success
