"""Step 2 over HTTP: the document's example, targetFields, aiUsed."""

from __future__ import annotations


def test_the_documents_example(api):
    data = api.data(api.post("/modules/contacts/import/suggest-mapping", {
        "sourceColumns": ["Name", "Email", "Phone", "Company"],
        "sampleData": [{"Name": "John Smith", "Email": "john@example.com", "Phone": "555-0100", "Company": "Acme Corp"}],
    }))
    got = {s["sourceColumn"]: s["targetFieldSlug"] for s in data["suggestions"]}
    assert got == {"Name": "displayName", "Email": "email", "Phone": "phone", "Company": "account"}
    assert all(0 <= s["confidence"] <= 1 for s in data["suggestions"])
    assert data["aiUsed"] is False
    fields = {f["fieldSlug"]: f for f in data["targetFields"]}
    assert fields["displayName"] == {**fields["displayName"], "label": "Name", "dataType": "text"}
    assert fields["account"]["dataType"] == "reference" and fields["email"]["dataType"] == "email"


def test_value_type_and_address_part_come_from_headers(api):
    data = api.data(api.post("/modules/contacts/import/suggest-mapping", {
        "sourceColumns": ["Mobile Phone", "Work Phone", "Billing City", "Postal Code"]}))
    by = {s["sourceColumn"]: s for s in data["suggestions"]}
    assert (by["Mobile Phone"]["targetFieldSlug"], by["Mobile Phone"].get("valueType")) == ("phone", "Mobile")
    assert by["Work Phone"].get("valueType") == "Work"
    assert (by["Billing City"]["targetFieldSlug"], by["Billing City"].get("addressPart")) == ("address", "city")
    assert by["Postal Code"].get("addressPart") == "zip"


def test_suggestions_can_be_sent_back_as_the_column_mapping(api):
    rows = [{"Name": "John Smith", "Email": "john@example.com"}]
    data = api.data(api.post("/modules/contacts/import/suggest-mapping", {"sourceColumns": ["Name", "Email"],
                                                                          "sampleData": rows}))
    result = api.execute(rows, data["suggestions"], aiMappingUsed=True)
    assert result["successRows"] == 1
