"""Import jobs (list, status) and rollback of creates and updates, over HTTP."""

from __future__ import annotations

from datetime import datetime, timedelta

BASE = [{"sourceColumn": "Name", "targetFieldSlug": "displayName"},
        {"sourceColumn": "Email", "targetFieldSlug": "email"},
        {"sourceColumn": "Company", "targetFieldSlug": "account"}]
JOB_FIELDS = ["importJobId", "accountId", "moduleId", "status", "processingMode", "fileName", "fileType", "totalRows",
              "processedRows", "successRows", "errorRows", "skippedRows", "aiMappingUsed", "duplicateStrategy",
              "createdDateTime", "startedDateTime", "completedDateTime", "expiresDateTime"]


def names(api, module="contacts"):
    return sorted(r["displayName"] for r in api.records(module))


def test_job_status_has_every_field_of_the_document(api):
    upload = api.data(api.parse(b"Name,Email\nAnn,ann@example.com\nBob,bad\n", filename="people.csv"))
    x = api.data(api.post("/modules/contacts/import/execute", {"uploadId": upload["uploadId"], "columnMapping": BASE}))
    job = api.data(api.get(f"/modules/contacts/import/jobs/{x['importJobId']}"))
    assert all(k in job for k in JOB_FIELDS)
    assert job["moduleId"] == "mod_contacts" and job["accountId"].startswith("acc_")
    assert (job["status"], job["fileName"], job["fileType"]) == ("completed", "people.csv", "csv")
    assert (job["totalRows"], job["processedRows"], job["successRows"], job["errorRows"]) == (2, 2, 1, 1)
    created = datetime.strptime(job["createdDateTime"], "%Y-%m-%dT%H:%M:%SZ")
    expires = datetime.strptime(job["expiresDateTime"], "%Y-%m-%dT%H:%M:%SZ")
    assert expires - created == timedelta(days=7)
    assert job["completedDateTime"] >= job["startedDateTime"] >= job["createdDateTime"]
    assert job["errors"][0]["row"] == 2


def test_list_is_newest_first_with_limits(api):
    ids = [api.execute([{"Name": f"P{i}", "Email": f"p{i}@example.com"}], BASE)["importJobId"] for i in range(3)]
    jobs = api.data(api.get("/modules/contacts/import/jobs"))
    assert [j["importJobId"] for j in jobs] == ids[::-1]
    assert len(api.data(api.get("/modules/contacts/import/jobs", params={"limit": 2}))) == 2
    for bad in (0, 101, "x"):
        assert api.get("/modules/contacts/import/jobs", params={"limit": bad}).status_code == 422
    assert api.data(api.get("/modules/accounts/import/jobs")) == []


def test_jobs_of_other_accounts_and_unknown_jobs_are_404(api, other_api):
    job_id = api.execute([{"Name": "Ann", "Email": "ann@example.com"}], BASE)["importJobId"]
    for who, path in [(other_api, f"/modules/contacts/import/jobs/{job_id}"),
                      (api, "/modules/contacts/import/jobs/job_doesnotexist"),
                      (api, f"/modules/deals/import/jobs/{job_id}")]:
        r = who.get(path)
        assert r.status_code == 404 and r.json()["error"]["code"] == "IMPORT_JOB_NOT_FOUND"
    r = other_api.delete(f"/modules/contacts/import/jobs/{job_id}")
    assert r.status_code == 404
    assert names(api) == ["Ann"]
    assert other_api.records() == []


def test_rollback_deletes_created_records_and_references(api):
    x = api.execute([{"Name": "Ann", "Email": "ann@example.com", "Company": "Acme"}], BASE, createMissingReferences=True)
    keep = api.execute([{"Name": "Bob", "Email": "bob@example.com"}], BASE)
    r = api.data(api.delete(f"/modules/contacts/import/jobs/{x['importJobId']}"))
    assert r == {"deletedCount": 2, "restoredCount": 0}
    assert names(api) == ["Bob"] and names(api, "accounts") == []
    job = api.data(api.get(f"/modules/contacts/import/jobs/{x['importJobId']}"))
    assert job["status"] == "cancelled"
    r = api.delete(f"/modules/contacts/import/jobs/{x['importJobId']}")
    assert r.status_code == 409 and r.json()["error"]["code"] == "JOB_NOT_ROLLBACKABLE"
    assert api.data(api.get(f"/modules/contacts/import/jobs/{keep['importJobId']}"))["status"] == "completed"


def test_rollback_restores_updated_records_unless_changed_since(api):
    api.execute([{"Name": "Ann", "Email": "ann@example.com"}, {"Name": "Bob", "Email": "bob@example.com"}], BASE)
    update = api.execute([{"Name": "Ann 2", "Email": "ann@example.com"}, {"Name": "Bob 2", "Email": "bob@example.com"},
                          {"Name": "Cy", "Email": "cy@example.com"}], BASE, duplicateStrategy="update")
    assert (len(update["updatedRecordIds"]), len(update["createdRecordIds"])) == (2, 1)
    later = api.execute([{"Name": "Bob 3", "Email": "bob@example.com"}], BASE, duplicateStrategy="update")
    r = api.data(api.delete(f"/modules/contacts/import/jobs/{update['importJobId']}"))
    assert (r["deletedCount"], r["restoredCount"]) == (1, 1)
    assert r["changedSinceRecordIds"] == later["updatedRecordIds"]
    assert names(api) == ["Ann", "Bob 3"]
    ann = next(x for x in api.records() if x["displayName"] == "Ann")
    assert ann["email"] == [{"value": "ann@example.com", "type": "Work"}]


def test_rollback_of_a_job_whose_rows_all_failed_deletes_nothing(api):
    x = api.execute([{"Name": "Ann", "Email": "bad"}], BASE)
    assert x["status"] == "failed"
    assert api.data(api.delete(f"/modules/contacts/import/jobs/{x['importJobId']}")) == {"deletedCount": 0,
                                                                                         "restoredCount": 0}
