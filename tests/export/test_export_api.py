"""POST /v1/modules/{module}/export answered directly (up to 10,000 records): every config option of the
document, filters, the file headers, formula neutralisation, and the import-export round trip."""

from __future__ import annotations

import pytest

from tests.export.conftest import read_csv

PEOPLE = [
    {"Name": "Ana Souza", "Email": "ana@example.com; ana.souza@home.example", "Phone": "+1 415 555 0100",
     "Street": "1 Main St", "City": "Springfield", "Zip": "62701", "Tags": "vip; beta", "OptOut": "no",
     "Birthday": "1990-04-05", "Company": "Acme", "Status": "Qualified"},
    {"Name": "=HYPERLINK(\"http://evil.example\",\"x\")", "Email": "evil@example.com", "Phone": "",
     "Street": "", "City": "@SUM(1+1)", "Zip": "", "Tags": "", "OptOut": "yes", "Birthday": "",
     "Company": "", "Status": "New"},
    {"Name": "Bruno Émile", "Email": "bruno@example.com", "Phone": "+44 20 7946 0958", "Street": "",
     "City": "Lyon", "Zip": "", "Tags": "beta", "OptOut": "", "Birthday": "1985-12-31", "Company": "Globex",
     "Status": "Customer"},
]
MAPPING = [
    {"sourceColumn": "Name", "targetFieldSlug": "displayName"},
    {"sourceColumn": "Email", "targetFieldSlug": "email", "valueType": "Work"},
    {"sourceColumn": "Phone", "targetFieldSlug": "phone", "valueType": "Mobile"},
    {"sourceColumn": "Street", "targetFieldSlug": "address", "addressPart": "street"},
    {"sourceColumn": "City", "targetFieldSlug": "address", "addressPart": "city"},
    {"sourceColumn": "Zip", "targetFieldSlug": "address", "addressPart": "zip"},
    {"sourceColumn": "Tags", "targetFieldSlug": "tags"},
    {"sourceColumn": "OptOut", "targetFieldSlug": "emailOptOut"},
    {"sourceColumn": "Birthday", "targetFieldSlug": "birthday"},
    {"sourceColumn": "Company", "targetFieldSlug": "account"},
    {"sourceColumn": "Status", "targetFieldSlug": "leadStatus"},
]
ALL_COLUMNS = ["displayName", "email", "phone", "address", "tags", "emailOptOut", "birthday", "account", "leadStatus"]


@pytest.fixture
def people(api):
    result = api.execute(PEOPLE, MAPPING, createMissingReferences=True)
    assert result["successRows"] == 3, result
    return result


def export(api, config=None, fmt="csv", module="contacts"):
    body = {"format": fmt} if config is None else {"format": fmt, "config": config}
    return api.post(f"/modules/{module}/export", body)


def by_name(rows: list[list[str]]) -> dict[str, list[str]]:
    return {r[0]: r for r in rows[1:]}


def test_the_answer_is_the_file_with_the_documents_headers(api, people):
    r = export(api, {"columns": ["displayName", "email"]})
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"].startswith('attachment; filename="contacts-export-')
    assert r.headers["content-disposition"].endswith('.csv"')
    assert r.content.count(b"\r\n") == 4  # RFC 4180 line ends: a header and three records


def test_default_columns_are_name_owner_and_dates(api, people):
    rows = read_csv(export(api).content)
    assert rows[0] == ["Name", "Owner", "Created", "Updated"]
    assert all(len(r) == 4 and r[2].endswith("Z") for r in rows[1:])


def test_columns_labels_and_headers(api, people):
    rows = read_csv(export(api, {"columns": ["email", "displayName"],
                                 "columnLabels": {"displayName": "Full name"}}).content)
    assert rows[0] == ["Email", "Full name"]
    assert {r[1] for r in rows[1:]} >= {"Ana Souza", "Bruno Émile"}
    rows = read_csv(export(api, {"columns": ["displayName"], "includeHeaders": False}).content)
    assert len(rows) == 3 and "Name" not in {r[0] for r in rows}


def test_cells_a_person_can_read(api, people):
    rows = by_name(read_csv(export(api, {"columns": ALL_COLUMNS, "sortField": "displayName"}).content))
    header = read_csv(export(api, {"columns": ALL_COLUMNS}).content)[0]
    assert header == ["Name", "Email", "Phone", "Address Street", "Address Street 2", "Address City",
                      "Address State", "Address Zip", "Address Country", "Tags", "Email Opt Out", "Birthday",
                      "Account", "Lead Status"]
    ana = rows["Ana Souza"]
    assert ana[1] == "ana@example.com; ana.souza@home.example"
    assert ana[2] == "'+1 415 555 0100"  # a leading + is a formula to a spreadsheet
    assert ana[3:9] == ["1 Main St", "", "Springfield", "", "62701", ""]
    assert ana[9:] == ["vip; beta", "No", "1990-04-05", "Acme", "Qualified"]
    assert rows["Bruno Émile"][10] == ""  # no value is not "No"


def test_formulas_are_neutralised_everywhere(api, people):
    rows = read_csv(export(api, {"columns": ALL_COLUMNS, "columnLabels": {"tags": "=Tags"}}).content)
    cells = [c for r in rows for c in r]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in cells
    assert "'@SUM(1+1)" in cells and "'=Tags" in rows[0]


def test_date_format_in_tokens_or_strftime(api, people):
    for fmt in ("DD/MM/YYYY", "%d/%m/%Y"):
        rows = by_name(read_csv(export(api, {"columns": ["displayName", "birthday", "createdDateTime"],
                                             "dateFormat": fmt}).content))
        assert rows["Ana Souza"][1] == "05/04/1990"
        day, month, year = rows["Ana Souza"][2].split("/")
        assert len(year) == 4 and len(day) == 2 and len(month) == 2


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_sort_and_limit(api, people, direction):
    rows = read_csv(export(api, {"columns": ["displayName"], "sortField": "displayName",
                                 "sortDirection": direction, "limit": 2}).content)
    everyone = sorted([p["Name"] for p in PEOPLE], key=str.lower, reverse=direction == "desc")
    assert [r[0].lstrip("'") for r in rows[1:]] == everyone[:2]


def test_sort_by_creation_newest_first_by_default(api, seeded):
    seeded(12)
    rows = read_csv(export(api, {"columns": ["displayName"], "limit": 3}).content)
    assert [r[0] for r in rows[1:]] == ["Person 00011", "Person 00010", "Person 00009"]


@pytest.mark.parametrize(("flt", "expected"), [
    ({"field": "leadStatus", "op": "eq", "value": "qualified"}, {"Ana Souza"}),
    ({"field": "leadStatus", "op": "neq", "value": "Qualified"}, {"evil", "Bruno Émile"}),
    ({"field": "email", "op": "contains", "value": "HOME.example"}, {"Ana Souza"}),
    ({"field": "leadStatus", "op": "in", "value": ["New", "Customer"]}, {"evil", "Bruno Émile"}),
    ({"field": "birthday", "op": "gt", "value": "1986-01-01"}, {"Ana Souza"}),
    ({"field": "birthday", "op": "lte", "value": "1985-12-31"}, {"Bruno Émile"}),
    ({"field": "phone", "op": "is_empty"}, {"evil"}),
    ({"field": "tags", "op": "not_empty"}, {"Ana Souza", "Bruno Émile"}),
    ({"field": "tags", "op": "eq", "value": "vip"}, {"Ana Souza"}),
    ({"field": "emailOptOut", "op": "eq", "value": True}, {"evil"}),
    ({"field": "account", "op": "eq", "value": "globex"}, {"Bruno Émile"}),
    ({"field": "address", "op": "contains", "value": "springfield"}, {"Ana Souza"}),
    ({"field": "createdDateTime", "op": "gte", "value": "2000-01-01"}, {"Ana Souza", "evil", "Bruno Émile"}),
])
def test_filters(api, people, flt, expected):
    r = export(api, {"columns": ["displayName"], "filters": [flt]})
    assert r.status_code == 200, r.text
    names = {"evil" if "HYPERLINK" in row[0] else row[0] for row in read_csv(r.content)[1:]}
    assert names == expected


def test_number_filters_compare_numbers(api):
    deals = [{"Deal": f"D{i}", "Amount": str(amount), "Stage": "Proposal"} for i, amount in enumerate([9, 10, 100])]
    api.execute(deals, [{"sourceColumn": "Deal", "targetFieldSlug": "displayName"},
                        {"sourceColumn": "Amount", "targetFieldSlug": "amount"},
                        {"sourceColumn": "Stage", "targetFieldSlug": "stage"}], module="deals")
    r = export(api, {"columns": ["displayName", "amount"], "sortField": "amount", "sortDirection": "asc",
                     "filters": [{"field": "amount", "op": "gte", "value": 10}]}, module="deals")
    assert read_csv(r.content)[1:] == [["D1", "10"], ["D2", "100"]]


@pytest.mark.parametrize(("body", "fragment"), [
    ({"format": "csv", "config": {"limit": 100_001}}, "limit"),
    ({"format": "csv", "config": {"limit": 0}}, "limit"),
    ({"format": "xml"}, "format"),
    ({"format": "csv", "config": {"columns": ["nope"]}}, "nope"),
    ({"format": "csv", "config": {"columns": ["email", "email"]}}, "twice"),
    ({"format": "csv", "config": {"columns": ["email"], "columnLabels": {"phone": "P"}}}, "phone"),
    ({"format": "csv", "config": {"sortField": "x'; DROP TABLE records; --"}}, "sortField"),
    ({"format": "csv", "config": {"sortDirection": "up"}}, "sortDirection"),
    ({"format": "csv", "config": {"dateFormat": "banana"}}, "dateFormat"),
    ({"format": "csv", "config": {"dateFormat": "%Q"}}, "dateFormat"),
    ({"format": "csv", "config": {"filters": [{"field": "email", "op": "like", "value": "a"}]}}, "op"),
    ({"format": "csv", "config": {"filters": [{"field": "amount", "op": "in", "value": "a"}]}}, "amount"),
    ({"format": "csv", "config": {"filters": [{"field": "email", "op": "in", "value": "a"}]}}, "list"),
])
def test_bad_config_is_a_400_naming_the_option(api, people, body, fragment):
    r = api.post("/modules/contacts/export", body)
    assert r.status_code == 400, r.text
    assert fragment in r.json()["error"]["message"]


def test_unknown_config_keys_and_malformed_bodies_are_refused(api):
    assert api.post("/modules/contacts/export", {"format": "csv", "config": {"colums": ["x"]}}).status_code == 422
    assert api.post("/modules/contacts/export", {"config": {}}).status_code == 422


def test_a_number_filter_needs_a_number(api):
    r = export(api, {"filters": [{"field": "amount", "op": "gt", "value": "lots"}]}, module="deals")
    assert r.status_code == 400 and "not a number" in r.json()["error"]["message"]


def test_unknown_module_scope_and_isolation(api, other_api, people, client, make_key):
    assert export(api, module="nope").status_code == 404
    importer = make_key("acme", scopes=("import",))
    r = client.post("/v1/modules/contacts/export", json={"format": "csv"},
                    headers={"Authorization": f"Bearer {importer}"})
    assert r.status_code == 403
    assert client.post("/v1/modules/contacts/export", json={"format": "csv"}).status_code == 401
    rows = read_csv(export(other_api).content)
    assert rows == [["Name", "Owner", "Created", "Updated"]]  # the other account sees none of acme's records


def test_an_empty_module_exports_just_the_header(api):
    assert read_csv(export(api, module="deals").content) == [["Deal Name", "Owner", "Created", "Updated"]]


def test_round_trip_reproduces_the_records(api, other_api, people):
    """An export of every field, parsed and imported by another account, gives the same records."""
    api.execute([{"Name": "Acme"}, {"Name": "Globex"}], [{"sourceColumn": "Name", "targetFieldSlug": "displayName"}],
                module="accounts")
    other_api.execute([{"Name": "Acme"}, {"Name": "Globex"}],
                      [{"sourceColumn": "Name", "targetFieldSlug": "displayName"}], module="accounts")
    exported = export(api, {"columns": ALL_COLUMNS}).content
    parsed = other_api.data(other_api.parse(exported, "contacts-export.csv"))
    suggestions = other_api.data(other_api.post("/modules/contacts/import/suggest-mapping", {
        "sourceColumns": parsed["sourceColumns"], "sampleData": parsed["sampleRows"][:5]}))["suggestions"]
    mapping = [dict(s, **({"valueType": "Work"} if s["targetFieldSlug"] == "email" else {}),
                    **({"valueType": "Mobile"} if s["targetFieldSlug"] == "phone" else {}))
               for s in suggestions if s.get("targetFieldSlug")]
    assert {m["sourceColumn"] for m in mapping} >= {"Name", "Email", "Phone", "Address Street", "Address City",
                                                     "Address Zip", "Tags", "Birthday", "Lead Status"}
    result = other_api.data(other_api.post("/modules/contacts/import/execute",
                                           {"uploadId": parsed["uploadId"], "columnMapping": mapping}))
    assert result["successRows"] == 3, result

    def comparable(records):
        keep = [*ALL_COLUMNS]
        out = {}
        for r in records:
            view = {k: r.get(k) for k in keep}
            view["account"] = (r.get("account") or {}).get("displayName")
            view["phone"] = [(p["value"], p["type"]) for p in r.get("phone") or []]
            out[r["displayName"]] = view
        return out

    mine, theirs = comparable(api.records()), comparable(other_api.records())
    assert theirs == mine


def test_pdf_over_http_has_title_description_header_on_every_page_and_every_row(api, seeded):
    import io

    from pypdf import PdfReader

    seeded(150)
    r = export(api, {"columns": ["displayName", "email", "leadStatus"], "title": "Q4 Contacts",
                     "description": "For review", "sortField": "displayName", "sortDirection": "asc"}, fmt="pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"].endswith('.pdf"') and r.content[:5] == b"%PDF-"
    pages = [p.extract_text() or "" for p in PdfReader(io.BytesIO(r.content)).pages]
    assert len(pages) >= 3
    assert all("Q4 Contacts" in p and "Name" in p and "Lead Status" in p for p in pages)
    assert "For review" in pages[0] and f"Page {len(pages)} of {len(pages)}" in pages[-1]
    text = "".join(pages)
    assert all(f"Person {i:05d}" in text for i in range(150))
