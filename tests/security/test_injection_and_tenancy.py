"""Security on both record stores: module and field names reach SQL only after the registry accepts them;
every query is scoped to the key's account; keys are stored hashed and compared in constant time; an
internal failure answers the bare envelope, no stack trace."""

from __future__ import annotations

import hashlib

import pytest
from fastapi.testclient import TestClient

from coherence_pipelines.api import create_app
from coherence_pipelines.errors import InvalidModuleDefinition
from coherence_pipelines.modules import parse_custom_definition
from coherence_pipelines.settings import Settings
from coherence_pipelines.store import MatchField
from coherence_pipelines.store import api_keys as api_keys_module
from coherence_pipelines.store.api_keys import key_id_of
from coherence_pipelines.store.match_keys import key_union

from .conftest import assert_clean_error

BOTH_STORES = True

HOSTILE = "x'); DROP TABLE records; --"
HOSTILE_NAMES = [HOSTILE, "email' OR '1'='1", "$.email[*]"]
VALIDATE = "/modules/contacts/import/validate"
EXECUTE = "/modules/contacts/import/execute"
MAPPING = [{"sourceColumn": "Name", "targetFieldSlug": "displayName"}, {"sourceColumn": "Email", "targetFieldSlug": "email"}]
ROWS = [{"Name": "Ann", "Email": "ann@example.com"}, {"Name": "Bob", "Email": "bob@example.com"}]


def seeded(api) -> dict:
    return api.execute(ROWS, MAPPING)


# hostile names never reach SQL ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_are_refused_wherever_a_name_is_taken(api, name):
    seeded(api)
    rows = [{"Name": "Cy", "Email": "cy@example.com"}]

    for endpoint in (VALIDATE, EXECUTE):
        assert_clean_error(api.post(endpoint, {"rows": rows, "columnMapping": [
            *MAPPING, {"sourceColumn": "Name", "targetFieldSlug": name}]}), 400, "INVALID_MAPPING")
        assert_clean_error(api.post(endpoint, {"rows": rows, "columnMapping": MAPPING,
                                               "duplicateMatchFields": [name]}), 400, "INVALID_OPTION")
        assert_clean_error(api.post(endpoint, {"rows": rows, "columnMapping": MAPPING,
                                               "staticValues": {name: "1"}}), 400, "INVALID_MAPPING")
    assert_clean_error(api.get("/modules/contacts/records", params={"sortField": name}), 400, "INVALID_OPTION")
    assert api.get(f"/modules/{name}/records").status_code in (404, 405)

    # The table is there, whole.
    assert sorted(r["displayName"] for r in api.records()) == ["Ann", "Bob"]


@pytest.mark.parametrize("definition", [
    f"modules:\n  '{HOSTILE}':\n    fields: [{{slug: displayName, type: text}}]\n",
    f"modules:\n  projects:\n    fields: [{{slug: displayName, type: text}}, {{slug: \"{HOSTILE}\", type: text}}]\n",
    f"modules:\n  contacts:\n    fields: [{{slug: \"{HOSTILE}\", type: number}}]\n",
    f"modules:\n  projects:\n    fields: [{{slug: displayName, type: text}}, {{slug: owner, type: reference, "
    f"target: \"{HOSTILE}\"}}]\n",
    f"modules:\n  projects:\n    default_match_fields: [\"{HOSTILE}\"]\n    fields: [{{slug: displayName, type: text}}]\n",
], ids=["module-slug", "field-slug", "custom-field-on-builtin", "reference-target", "default-match-field"])
def test_custom_module_definitions_with_hostile_names_are_refused(definition):
    with pytest.raises(InvalidModuleDefinition) as info:
        parse_custom_definition(definition)
    assert info.value.status == 400


def test_a_tampered_definition_in_the_store_is_refused_before_any_query(api, store):
    seeded(api)
    with store.session() as session:
        account_id = session.account_id_by_name("acme")
        session.save_custom_modules(account_id, {"contacts": {"fields": [{"slug": HOSTILE, "type": "number"}]}})

    assert_clean_error(api.get("/modules/contacts/records", params={"sortField": HOSTILE}), 400,
                       "INVALID_MODULE_DEFINITION")
    assert_clean_error(api.post(VALIDATE, {"rows": ROWS, "columnMapping": MAPPING}), 400, "INVALID_MODULE_DEFINITION")
    with store.session() as session:
        session.save_custom_modules(account_id, {})
        assert session.count_records(account_id, "contacts") == 2


def test_the_sql_layer_refuses_unchecked_names_as_a_last_line():
    with pytest.raises(ValueError, match="not a field slug"):
        key_union([MatchField(slug=HOSTILE, kind="email")], "incoming_rows")


def test_hostile_headers_and_values_are_data(api):
    content = f'Name,{HOSTILE}\n"Robert\'); DROP TABLE records;--",{HOSTILE}\nPlain,plain\n'.encode()
    upload = api.data(api.parse(content))
    assert upload["sourceColumns"] == ["Name", HOSTILE]

    result = api.data(api.post(EXECUTE, {"uploadId": upload["uploadId"], "columnMapping": [
        {"sourceColumn": HOSTILE, "targetFieldSlug": "displayName"},
        {"sourceColumn": "Name", "targetFieldSlug": "jobTitle"}]}))

    assert result["successRows"] == 2
    record = next(r for r in api.records() if r["displayName"] != "plain")
    assert (record["displayName"], record["jobTitle"]) == (HOSTILE, "Robert'); DROP TABLE records;--")


# every query scoped to the key's account ----------------------------------------------------------------------


def test_another_accounts_jobs_uploads_and_records_are_not_found(api, other_api):
    job = seeded(api)
    job_id, record_id = job["importJobId"], job["createdRecordIds"][0]
    upload_id = api.data(api.parse(b"Name\nZed\n"))["uploadId"]

    assert_clean_error(other_api.get(f"/modules/contacts/import/jobs/{job_id}"), 404, "IMPORT_JOB_NOT_FOUND")
    assert_clean_error(other_api.delete(f"/modules/contacts/import/jobs/{job_id}"), 404, "IMPORT_JOB_NOT_FOUND")
    assert other_api.data(other_api.get("/modules/contacts/import/jobs")) == []
    assert_clean_error(other_api.get(f"/modules/contacts/records/{record_id}"), 404, "RECORD_NOT_FOUND")
    assert other_api.data(other_api.get("/modules/contacts/records"))["total"] == 0
    for endpoint in (VALIDATE, EXECUTE):
        assert_clean_error(other_api.post(endpoint, {"uploadId": upload_id, "columnMapping": MAPPING[:1]}), 404,
                           "UPLOAD_NOT_FOUND")
    # Still all there for their owner.
    assert api.data(api.get(f"/modules/contacts/import/jobs/{job_id}"))["status"] == "completed"
    assert api.data(api.post(VALIDATE, {"uploadId": upload_id, "columnMapping": MAPPING[:1]}))["totalRows"] == 1


def test_duplicate_matching_references_and_rollback_never_cross_accounts(api, other_api):
    mine = seeded(api)
    api.execute([{"Name": "Acme Corp"}], MAPPING[:1], module="accounts")

    theirs = other_api.execute([{"Name": "Ann Other", "Email": "ANN@example.com", "Company": "Acme Corp"}],
                               [*MAPPING, {"sourceColumn": "Company", "targetFieldSlug": "account"}],
                               duplicateStrategy="update")

    assert theirs["createdRecordIds"] and not theirs["updatedRecordIds"], "matching stays in the account"
    assert theirs["referenceWarnings"][0]["unresolvedValues"] == ["Acme Corp"], "so do references"
    (their_record,) = other_api.records()
    assert their_record["account"] is None
    assert other_api.data(other_api.delete(f"/modules/contacts/import/jobs/{theirs['importJobId']}"))["deletedCount"] == 1
    assert sorted(r["id"] for r in api.records()) == sorted(mine["createdRecordIds"])
    assert api.records()[0]["displayName"] in ("Ann", "Bob")


# API keys --------------------------------------------------------------------------------------------------------


def test_keys_are_stored_hashed_and_compared_in_constant_time(api, store, settings, monkeypatch):
    key = api.key
    with store.session() as session:
        _, _, stored, _ = session.api_key(key_id_of(key))
    assert stored != key and key not in stored
    assert stored == hashlib.sha256(key.encode()).hexdigest()
    secret = key.rsplit("_", 1)[1]
    for path in settings.home.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), f"the key's secret is in {path}"

    compared = []
    real = api_keys_module.hmac.compare_digest
    monkeypatch.setattr(api_keys_module.hmac, "compare_digest", lambda a, b: compared.append((a, b)) or real(a, b))
    forged = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    r = api.client.get("/v1/modules", headers={"Authorization": f"Bearer {forged}"})
    assert_clean_error(r, 401, "UNAUTHORIZED")
    assert compared == [(hashlib.sha256(forged.encode()).hexdigest(), stored)], "compared as hashes, by compare_digest"


def test_a_key_id_with_another_keys_secret_is_refused(api, other_api):
    mine, theirs = api.key, other_api.key
    swapped = mine.rsplit("_", 1)[0] + "_" + theirs.rsplit("_", 1)[1]
    for header in (f"Bearer {swapped}", f"Bearer {mine}x", f"Basic {mine}", mine, "Bearer coh__", "Bearer " + "A" * 10_000):
        assert_clean_error(api.client.get("/v1/modules", headers={"Authorization": header}), 401, "UNAUTHORIZED")


# no stack trace, even when the store itself fails ----------------------------------------------------------------


def test_an_internal_failure_answers_the_bare_envelope(tmp_path):
    settings = Settings(home=tmp_path / "home")
    settings.ensure_dirs()
    settings.store_path.write_bytes(b"this is not a DuckDB database file, it is garbage" * 100)
    client = TestClient(create_app(settings), raise_server_exceptions=False)  # no lifespan: the store is broken

    r = client.get("/v1/modules", headers={"Authorization": "Bearer coh_0123456789ab_secret"})

    error = assert_clean_error(r, 500, "INTERNAL_ERROR")
    assert error["message"] == "Internal error: the failure was logged"
    assert str(tmp_path) not in r.text and "store.duckdb" not in r.text
    assert client.get("/health").status_code == 200
