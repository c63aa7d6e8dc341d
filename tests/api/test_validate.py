"""Step 3 over HTTP: the document's example, every field type's errors, warnings and the preview."""

from __future__ import annotations

MAPPING = [{"sourceColumn": "Name", "targetFieldSlug": "displayName"},
           {"sourceColumn": "Email", "targetFieldSlug": "email"}]


def validate(api, rows, mapping, module="contacts", **options):
    return api.data(api.post(f"/modules/{module}/import/validate", {"rows": rows, "columnMapping": mapping, **options}))


def test_the_documents_example(api):
    v = validate(api, [{"Name": "John Smith", "Email": "john@example.com"},
                       {"Name": "Jane Doe", "Email": "invalid-email"}], MAPPING)
    assert (v["isValid"], v["totalRows"], v["validRows"], v["errorRows"]) == (False, 2, 1, 1)
    assert v["errors"] == [{"row": 2, "field": "email", "value": "invalid-email", "error": "Invalid email format"}]


def test_each_type_reports_its_errors_with_row_field_and_value(api):
    rows = [
        {"Name": "Ok", "Phone": "+1 (555) 010-0199", "Site": "acme.com", "Birthday": "15 Jan 1990",
         "Opt": "yes", "Status": "qualified", "Tags": "vip; partner"},
        {"Name": "Bad", "Phone": "call me", "Site": "not a url", "Birthday": "someday", "Opt": "perhaps",
         "Status": "Enemy", "Tags": ""},
        {"Name": "", "Phone": "12", "Site": "", "Birthday": "2024-02-30", "Opt": "", "Status": "", "Tags": ""},
    ]
    mapping = [{"sourceColumn": "Name", "targetFieldSlug": "displayName"},
               {"sourceColumn": "Phone", "targetFieldSlug": "phone"},
               {"sourceColumn": "Site", "targetFieldSlug": "website"},
               {"sourceColumn": "Birthday", "targetFieldSlug": "birthday"},
               {"sourceColumn": "Opt", "targetFieldSlug": "emailOptOut"},
               {"sourceColumn": "Status", "targetFieldSlug": "leadStatus"},
               {"sourceColumn": "Tags", "targetFieldSlug": "tags"}]
    v = validate(api, rows, mapping)
    errors = {(e["row"], e["field"]): e for e in v["errors"]}
    assert (v["totalRows"], v["validRows"], v["errorRows"]) == (3, 1, 2)
    assert not any(row == 1 for row, _ in errors)
    for field, value in [("phone", "call me"), ("website", "not a url"), ("birthday", "someday"),
                         ("emailOptOut", "perhaps"), ("leadStatus", "Enemy")]:
        assert errors[(2, field)]["value"] == value, field
        assert errors[(2, field)]["error"]
    assert errors[(3, "displayName")]["error"] == 'Required field "Name" is empty'
    assert errors[(3, "phone")]["value"] == "12"
    assert errors[(3, "birthday")]["value"] == "2024-02-30"


def test_numbers_and_deals(api):
    rows = [{"Deal": "Big", "Amount": "$1,234.50", "Stage": "Proposal", "P": "45%", "Close": "01/15/2024"},
            {"Deal": "Odd", "Amount": "lots", "Stage": "Dreaming", "P": "x", "Close": "2024-01-15"}]
    mapping = [{"sourceColumn": "Deal", "targetFieldSlug": "displayName"},
               {"sourceColumn": "Amount", "targetFieldSlug": "amount"},
               {"sourceColumn": "Stage", "targetFieldSlug": "stage"},
               {"sourceColumn": "P", "targetFieldSlug": "probability"},
               {"sourceColumn": "Close", "targetFieldSlug": "closeDate"}]
    v = validate(api, rows, mapping, module="deals")
    assert {e["field"] for e in v["errors"] if e["row"] == 2} == {"amount", "stage", "probability"}
    assert v["validRows"] == 1


def test_unmapped_required_field_is_a_warning_in_the_documents_shape(api):
    v = validate(api, [{"Email": "a@example.com"}], [{"sourceColumn": "Email", "targetFieldSlug": "email"}])
    assert {"row": 1, "field": "displayName", "message": 'Required field "Name" is not mapped'} in v["warnings"]


def test_close_select_match_and_open_list_are_warnings(api):
    rows = [{"Name": "A", "Status": "Qualifed", "Tags": "brand-new-tag"}]
    v = validate(api, rows, [{"sourceColumn": "Name", "targetFieldSlug": "displayName"},
                             {"sourceColumn": "Status", "targetFieldSlug": "leadStatus"},
                             {"sourceColumn": "Tags", "targetFieldSlug": "tags"}])
    assert v["isValid"] is True
    fields = {w["field"] for w in v["warnings"]}
    assert {"leadStatus", "tags"} <= fields


def test_in_file_duplicates_are_errors(api):
    rows = [{"Name": "A", "Email": "a@example.com"}, {"Name": "B", "Email": "A@Example.com "}]
    v = validate(api, rows, MAPPING)
    assert v["errors"] == [{"row": 2, "field": "email", "value": "A@Example.com ",
                            "error": "Duplicate email found (same as row 1)"}]
    assert validate(api, rows, MAPPING, duplicateStrategy="create")["isValid"] is True


def test_preview_says_what_the_import_would_do(api):
    api.execute([{"Name": "A", "Email": "a@example.com"}], MAPPING)
    rows = [{"Name": "A2", "Email": "a@example.com", "Company": "New Co"}, {"Name": "B", "Email": "b@example.com"}]
    mapping = MAPPING + [{"sourceColumn": "Company", "targetFieldSlug": "account"}]
    v = validate(api, rows, mapping, duplicateStrategy="update", createMissingReferences=True)
    assert v["preview"] == {"toCreate": 1, "toUpdate": 1, "toSkip": 0, "referencesToCreate": {"account": 1}}
    assert api.records("accounts") == [], "validate writes nothing"
    v = validate(api, rows, mapping)
    assert v["preview"]["toSkip"] == 1
    assert any(w.get("fieldSlug") == "account" and w["unresolvedValues"] == ["New Co"] for w in v["warnings"])


def test_invalid_mappings_are_400_naming_the_item(api):
    cases = [
        ([{"sourceColumn": "X", "targetFieldSlug": "shoeSize"}], "shoeSize"),
        ([{"sourceColumn": "A", "targetFieldSlug": "jobTitle"}, {"sourceColumn": "B", "targetFieldSlug": "jobTitle"}],
         "columnMapping[1]"),
        ([{"sourceColumn": "A", "targetFieldSlug": "jobTitle", "addressPart": "city"}], "addressPart"),
        ([{"sourceColumn": "A", "targetFieldSlug": "phone", "valueType": "Pager"}], "Pager"),
    ]
    for mapping, needle in cases:
        r = api.post("/modules/contacts/import/validate", {"rows": [{"A": "1"}], "columnMapping": mapping})
        assert r.status_code == 400, mapping
        assert r.json()["error"]["code"] == "INVALID_MAPPING" and needle in r.json()["error"]["message"]
