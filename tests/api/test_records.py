"""The records endpoints: pages, sorting, one record, isolation between accounts."""

from __future__ import annotations

MAPPING = [{"sourceColumn": "Name", "targetFieldSlug": "displayName"},
           {"sourceColumn": "Employees", "targetFieldSlug": "employeeCount"}]


def seed(api):
    rows = [{"Name": n, "Employees": e} for n, e in [("beta", "20"), ("Alpha", "3"), ("gamma", "100"), ("Delta", "")]]
    return api.execute(rows, MAPPING, module="accounts")


def test_pages_and_sorting(api):
    seed(api)
    page = api.data(api.get("/modules/accounts/records", params={"limit": 2}))
    assert page["total"] == 4 and len(page["records"]) == 2
    by_name = api.records("accounts", sortField="displayName", sortDirection="asc")
    assert [r["displayName"] for r in by_name] == ["Alpha", "beta", "Delta", "gamma"]
    by_size = api.records("accounts", sortField="employeeCount", sortDirection="desc")
    assert [r["displayName"] for r in by_size] == ["gamma", "beta", "Alpha", "Delta"]
    second = api.data(api.get("/modules/accounts/records", params={"limit": 2, "offset": 2, "sortField": "displayName",
                                                                    "sortDirection": "asc"}))
    assert [r["displayName"] for r in second["records"]] == ["Delta", "gamma"]
    r = api.get("/modules/accounts/records", params={"sortField": "nope"})
    assert r.status_code == 400 and "nope" in r.json()["error"]["message"]


def test_one_record_and_system_fields(api):
    x = seed(api)
    rec = api.data(api.get(f"/modules/accounts/records/{x['createdRecordIds'][0]}"))
    assert rec["id"] == x["createdRecordIds"][0] and rec["displayName"] == "beta" and rec["employeeCount"] == 20
    assert rec["createdDateTime"].endswith("Z") and rec["createdByImportJobId"] == x["importJobId"]
    assert api.get("/modules/accounts/records/rec_nope").status_code == 404
    assert api.get(f"/modules/contacts/records/{x['createdRecordIds'][0]}").status_code == 404


def test_accounts_never_see_each_other(api, other_api):
    x = seed(api)
    assert other_api.records("accounts") == []
    assert other_api.get(f"/modules/accounts/records/{x['createdRecordIds'][0]}").status_code == 404
    other = other_api.execute([{"Name": "Alpha", "Employees": "1"}], MAPPING, module="accounts",
                              duplicateStrategy="update")
    assert other["createdRecordIds"] and not other["updatedRecordIds"], "matching never crosses accounts"
    assert len(api.records("accounts")) == 4
