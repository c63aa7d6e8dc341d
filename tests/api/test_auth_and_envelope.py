"""Auth, scopes, the envelope and the conventions of interfaces.md, over the real app."""

from __future__ import annotations

from tests.conftest import Api


def test_health_needs_no_key(client):
    r = client.get("/health")
    assert r.status_code == 200 and r.json()["success"] is True


def test_openapi_schema_lists_the_import_endpoints(client):
    r = client.get("/v1/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for path in ("/v1/modules/{module}/import/parse", "/v1/modules/{module}/import/suggest-mapping",
                 "/v1/modules/{module}/import/validate", "/v1/modules/{module}/import/execute",
                 "/v1/modules/{module}/import/jobs", "/v1/modules/{module}/import/jobs/{job_id}"):
        assert path in paths
    assert client.get("/docs").status_code == 200


def test_missing_and_unknown_keys_are_401(client, make_key):
    make_key("acme")
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Bearer coh_abc_def"},
                    {"Authorization": "Basic Zm9vOmJhcg=="}):
        r = client.get("/v1/modules/contacts/import/jobs", headers=headers)
        assert r.status_code == 401
        assert r.json() == {"success": False, "error": {"code": "UNAUTHORIZED", "message": r.json()["error"]["message"]}}


def test_a_key_with_a_forged_secret_is_401(client, make_key):
    key = make_key("acme")
    forged = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    r = client.get("/v1/modules", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401


def test_key_without_import_scope_is_403(client, make_key):
    api = Api(client, make_key("acme", ("export",)))
    r = api.post("/modules/contacts/import/suggest-mapping", {"sourceColumns": ["Email"]})
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "ACCESS_DENIED"
    assert r.json()["error"]["message"].startswith("Access denied")


def test_unknown_module_is_404_module_not_found(api):
    r = api.post("/modules/nosuchmodule/import/suggest-mapping", {"sourceColumns": ["Email"]})
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "MODULE_NOT_FOUND"
    assert r.json()["error"]["message"].startswith("Module not found")


def test_malformed_bodies_are_422_in_the_envelope(api):
    r = api.post("/modules/contacts/import/validate", {"rows": "not a list", "columnMapping": []})
    assert r.status_code == 422
    body = r.json()
    assert body["success"] is False and body["error"]["code"] == "MALFORMED_REQUEST"
    r = api.client.post("/v1/modules/contacts/import/validate", headers={**api.headers, "Content-Type": "application/json"},
                        content=b"{not json")
    assert r.status_code == 422


def test_unknown_options_are_rejected_not_ignored(api):
    r = api.post("/modules/contacts/import/execute",
                 {"rows": [{"Name": "A"}], "columnMapping": [], "duplicateStrategy": "skip", "dryRun": True})
    assert r.status_code == 422
    assert "dryRun" in r.text


def test_rows_and_upload_id_are_exclusive(api):
    r = api.post("/modules/contacts/import/validate", {"columnMapping": []})
    assert r.status_code == 400 and r.json()["error"]["code"] == "INVALID_OPTION"
    r = api.post("/modules/contacts/import/validate", {"rows": [], "uploadId": "upl_x", "columnMapping": []})
    assert r.status_code == 400


def test_unknown_path_is_404_in_the_envelope(api):
    r = api.get("/nothing/here")
    assert r.status_code == 404 and r.json()["success"] is False


def test_modules_lists_builtins_with_fields(api):
    modules = {m["slug"]: m for m in api.data(api.get("/modules"))}
    assert set(modules) >= {"contacts", "accounts", "deals"}
    fields = {f["fieldSlug"]: f for f in modules["contacts"]["fields"]}
    assert fields["displayName"]["required"] is True
    assert fields["leadStatus"]["options"][:2] == ["New", "Contacted"]
    assert fields["account"]["dataType"] == "reference"
