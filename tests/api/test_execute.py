"""Step 4 over HTTP: strategies, merge modes, multi-value and address fields, references, static values,
skipValidation, counts and the processing mode."""

from __future__ import annotations

import pytest

BASE = [{"sourceColumn": "Name", "targetFieldSlug": "displayName"},
        {"sourceColumn": "Email", "targetFieldSlug": "email"}]


def by_name(api, module="contacts"):
    return {r["displayName"]: r for r in api.records(module)}


def test_create_answers_every_count_of_the_document(api):
    rows = [{"Name": "Ann", "Email": "ann@example.com"}, {"Name": "Bob", "Email": "bad"}]
    x = api.execute(rows, BASE)
    assert x["status"] == "completed" and x["processingMode"] == "sync"
    assert (x["successRows"], x["errorRows"], x["skippedRows"]) == (1, 1, 0)
    assert x["importJobId"].startswith("job_") and len(x["createdRecordIds"]) == 1
    assert x["errors"][0]["row"] == 2 and x["errors"][0]["error"] == "Invalid email format"
    assert x["referenceWarnings"] == []
    ann = api.data(api.get(f"/modules/contacts/records/{x['createdRecordIds'][0]}"))
    assert ann["displayName"] == "Ann" and ann["email"] == [{"value": "ann@example.com", "type": "Work"}]
    assert ann["createdByImportJobId"] == x["importJobId"]


def test_skip_update_create_strategies(api):
    api.execute([{"Name": "Ann", "Email": "ann@example.com"}], BASE)
    again = [{"Name": "Ann B", "Email": "ANN@example.com"}, {"Name": "Cid", "Email": "cid@example.com"}]
    x = api.execute(again, BASE)  # default: skip
    assert (x["successRows"], x["skippedRows"], len(x["createdRecordIds"])) == (1, 1, 1)
    x = api.execute(again, BASE, duplicateStrategy="update")
    assert (x["successRows"], x["skippedRows"], x["createdRecordIds"]) == (2, 0, [])
    assert set(by_name(api)) == {"Ann B", "Cid"}
    x = api.execute(again, BASE, duplicateStrategy="create")
    assert len(x["createdRecordIds"]) == 2
    assert len(api.records()) == 4


def test_phones_match_by_digits(api):
    mapping = [{"sourceColumn": "Name", "targetFieldSlug": "displayName"},
               {"sourceColumn": "Phone", "targetFieldSlug": "phone", "valueType": "Work"}]
    api.execute([{"Name": "Ann", "Phone": "555-010-0199"}], mapping, duplicateMatchFields=["phone"])
    x = api.execute([{"Name": "Ann P", "Phone": "(555) 010 0199"}], mapping, duplicateStrategy="update",
                    duplicateMatchFields=["phone"])
    assert x["createdRecordIds"] == [] and x["successRows"] == 1
    assert list(by_name(api)) == ["Ann P"]


@pytest.mark.parametrize(("mode", "expected"), [
    ("prefer_import", {"jobTitle": "CTO", "notes": "old notes", "website": "https://new.example"}),
    ("fill_empty", {"jobTitle": "CEO", "notes": "old notes", "website": "https://new.example"}),
    ("overwrite", {"jobTitle": "CTO", "notes": None, "website": "https://new.example"}),
])
def test_merge_modes(api, mode, expected):
    mapping = BASE + [{"sourceColumn": "Title", "targetFieldSlug": "jobTitle"},
                      {"sourceColumn": "Notes", "targetFieldSlug": "notes"},
                      {"sourceColumn": "Site", "targetFieldSlug": "website"}]
    api.execute([{"Name": "Ann", "Email": "ann@example.com", "Title": "CEO", "Notes": "old notes", "Site": ""},
                 ], mapping + [{"sourceColumn": "Status", "targetFieldSlug": "leadStatus"}])
    api.execute([{"Name": "Ann", "Email": "ann@example.com", "Title": "CTO", "Notes": "", "Site": "new.example"}],
                mapping, duplicateStrategy="update", mergeMode=mode)
    ann = by_name(api)["Ann"]
    assert {k: ann[k] for k in expected} == expected


def test_unmapped_fields_survive_an_overwrite(api):
    api.execute([{"Name": "Ann", "Email": "ann@example.com", "Title": "CEO"}],
                BASE + [{"sourceColumn": "Title", "targetFieldSlug": "jobTitle"}])
    api.execute([{"Name": "Ann 2", "Email": "ann@example.com"}], BASE, duplicateStrategy="update", mergeMode="overwrite")
    assert by_name(api)["Ann 2"]["jobTitle"] == "CEO"


def test_multi_value_and_address_fields(api):
    mapping = BASE + [
        {"sourceColumn": "Mobile Phone", "targetFieldSlug": "phone", "valueType": "Mobile"},
        {"sourceColumn": "Work Phone", "targetFieldSlug": "phone", "valueType": "work"},
        {"sourceColumn": "Personal Email", "targetFieldSlug": "email", "valueType": "Personal"},
        {"sourceColumn": "Street Address", "targetFieldSlug": "address", "addressPart": "street"},
        {"sourceColumn": "City", "targetFieldSlug": "address", "addressPart": "city"},
        {"sourceColumn": "State", "targetFieldSlug": "address", "addressPart": "state"},
        {"sourceColumn": "Postal Code", "targetFieldSlug": "address", "addressPart": "zip"},
    ]
    rows = [{"Name": "Ann", "Email": "ann@work.example", "Mobile Phone": "+1 (555) 010-0199", "Work Phone": "555-0100",
             "Personal Email": "ann@home.example", "Street Address": "1 Main St", "City": "Springfield",
             "State": "IL", "Postal Code": "02134"}]
    api.execute(rows, mapping)
    ann = by_name(api)["Ann"]
    assert [(p["type"], p["value"]) for p in ann["phone"]] == [("Mobile", "+1 (555) 010-0199"), ("Work", "555-0100")]
    assert ann["phone"][0]["e164"] == "+15550100199"
    assert [(e["type"], e["value"]) for e in ann["email"]] == [("Work", "ann@work.example"),
                                                               ("Personal", "ann@home.example")]
    assert ann["address"] == {"street": "1 Main St", "city": "Springfield", "state": "IL", "zip": "02134"}
    # prefer_import replaces the Mobile phone, keeps the Work one; a new city keeps the other parts
    api.execute([{"Name": "Ann", "Email": "ann@work.example", "Mobile Phone": "555-0111", "City": "Shelbyville"}],
                mapping, duplicateStrategy="update")
    ann = by_name(api)["Ann"]
    assert [(p["type"], p["value"]) for p in ann["phone"]] == [("Mobile", "555-0111"), ("Work", "555-0100")]
    assert ann["address"] == {"street": "1 Main St", "city": "Shelbyville", "state": "IL", "zip": "02134"}


def test_references_resolved_created_and_reported(api):
    api.execute([{"Name": "Acme Corp", "Domain": "acme.com"}],
                [{"sourceColumn": "Name", "targetFieldSlug": "displayName"},
                 {"sourceColumn": "Domain", "targetFieldSlug": "domain"}], module="accounts")
    mapping = BASE + [{"sourceColumn": "Company", "targetFieldSlug": "account"}]
    rows = [{"Name": "Ann", "Email": "ann@example.com", "Company": "ACME corp"},
            {"Name": "Bob", "Email": "bob@example.com", "Company": "acme.com"},
            {"Name": "Cy", "Email": "cy@example.com", "Company": "Unknown Company"}]
    x = api.execute(rows, mapping)
    assert x["referenceWarnings"] == [{"fieldSlug": "account", "fieldLabel": "Account",
                                       "unresolvedValues": ["Unknown Company"], "targetModuleSlug": "accounts"}]
    people = by_name(api)
    assert people["Ann"]["account"]["displayName"] == "Acme Corp"
    assert people["Bob"]["account"]["id"] == people["Ann"]["account"]["id"]
    assert people["Cy"]["account"] is None
    x = api.execute([{"Name": "Di", "Email": "di@example.com", "Company": "Globex"},
                     {"Name": "Ed", "Email": "ed@example.com", "Company": "globex "}], mapping,
                    createMissingReferences=True)
    assert x["referenceWarnings"] == []
    accounts = sorted(r["displayName"] for r in api.records("accounts"))
    assert accounts == ["Acme Corp", "Globex"]
    people = by_name(api)
    assert people["Di"]["account"]["id"] == people["Ed"]["account"]["id"]


def test_deal_contact_reference_by_email(api):
    api.execute([{"Name": "Ann", "Email": "ann@example.com"}], BASE)
    x = api.execute([{"Deal": "D1", "Stage": "Proposal", "Who": "ANN@example.com"}],
                    [{"sourceColumn": "Deal", "targetFieldSlug": "displayName"},
                     {"sourceColumn": "Stage", "targetFieldSlug": "stage"},
                     {"sourceColumn": "Who", "targetFieldSlug": "contact"}], module="deals")
    assert x["successRows"] == 1
    assert by_name(api, "deals")["D1"]["contact"]["displayName"] == "Ann"


def test_static_values_apply_to_every_record_and_bad_ones_are_400(api):
    x = api.execute([{"Name": "Ann", "Email": "ann@example.com"}, {"Name": "Bob", "Email": "bob@example.com"}],
                    BASE, staticValues={"leadSource": "Event", "tags": "expo; 2024"})
    assert x["successRows"] == 2
    assert {r["leadSource"] for r in api.records()} == {"Event"}
    assert by_name(api)["Bob"]["tags"] == ["expo", "2024"]
    r = api.post("/modules/contacts/import/execute", {"rows": [{"Name": "C"}], "columnMapping": BASE,
                                                      "staticValues": {"leadSource": "Carrier Pigeon"}})
    assert r.status_code == 400 and "staticValues.leadSource" in r.json()["error"]["message"]
    assert len(api.records()) == 2


def test_display_name_from_first_and_last(api):
    mapping = [{"sourceColumn": "First", "targetFieldSlug": "firstName"},
               {"sourceColumn": "Last", "targetFieldSlug": "lastName"},
               {"sourceColumn": "Email", "targetFieldSlug": "email"}]
    x = api.execute([{"First": "Ann", "Last": "Lee", "Email": "ann@example.com"},
                     {"First": "Bo", "Last": "", "Email": "bo@example.com"}], mapping)
    assert x["successRows"] == 2
    assert set(by_name(api)) == {"Ann Lee", "Bo"}


def test_skip_validation_imports_rows_leaving_bad_values_empty(api):
    rows = [{"Name": "Ann", "Email": "not-an-email"}]
    x = api.execute(rows, BASE)
    assert x["successRows"] == 0 and x["status"] == "failed"
    x = api.execute(rows, BASE, skipValidation=True)
    assert x["successRows"] == 1 and x["errorRows"] == 0
    assert by_name(api)["Ann"]["email"] is None


def test_ai_mapping_used_is_kept_on_the_job(api):
    x = api.execute([{"Name": "Ann", "Email": "ann@example.com"}], BASE, aiMappingUsed=True)
    job = api.data(api.get(f"/modules/contacts/import/jobs/{x['importJobId']}"))
    assert job["aiMappingUsed"] is True and job["duplicateStrategy"] == "skip"


def test_json_values_that_are_not_text(api):
    x = api.execute([{"Name": "Big", "Employees": 1200, "Revenue": 1.5e6}],
                    [{"sourceColumn": "Name", "targetFieldSlug": "displayName"},
                     {"sourceColumn": "Employees", "targetFieldSlug": "employeeCount"},
                     {"sourceColumn": "Revenue", "targetFieldSlug": "annualRevenue"}], module="accounts")
    assert x["successRows"] == 1
    big = by_name(api, "accounts")["Big"]
    assert big["employeeCount"] == 1200 and big["annualRevenue"] == 1_500_000


def test_a_stream_sized_import_runs_in_chunks(api):
    rows = [{"Name": f"P{i}", "Email": f"p{i}@example.com"} for i in range(5_001)]
    x = api.execute(rows, BASE)
    assert x["processingMode"] == "stream" and x["successRows"] == 5_001
    job = api.data(api.get(f"/modules/contacts/import/jobs/{x['importJobId']}"))
    assert job["processedRows"] == job["totalRows"] == 5_001


def test_phones_written_differently_match_by_their_e164_form(api):
    mapping = [{"sourceColumn": "Name", "targetFieldSlug": "displayName"},
               {"sourceColumn": "Phone", "targetFieldSlug": "phone", "valueType": "Work"}]
    api.execute([{"Name": "Ann", "Phone": "+1 415 555 0100"}], mapping, duplicateMatchFields=["phone"])
    x = api.execute([{"Name": "Ann P", "Phone": "(415) 555-0100"}], mapping, duplicateStrategy="update",
                    duplicateMatchFields=["phone"])
    assert x["createdRecordIds"] == [] and x["successRows"] == 1
    ann = by_name(api)["Ann P"]
    assert len(ann["phone"]) == 1, "the same number is one entry, whichever way it was written"
