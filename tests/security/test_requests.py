"""Requests: bodies beyond the limit refused early with 413; malformed mappings answered 400 naming the
offending item; unknown options rejected, not ignored; odd JSON answered 4xx, never 500."""

from __future__ import annotations

import json

import pytest

from coherence_pipelines.api import create_app
from coherence_pipelines.settings import MAX_JSON_BODY_BYTES, SYNC_MAX_ROWS

from .conftest import RssPeak, asgi_post, assert_clean_error

VALIDATE = "/modules/contacts/import/validate"
EXECUTE = "/modules/contacts/import/execute"
NAME = {"sourceColumn": "Name", "targetFieldSlug": "displayName"}


def asgi_json_post(app, key: str, path: str, chunks, content_length: int | None) -> tuple[int, dict, int]:
    """POST a JSON body straight through ASGI, `chunks` pulled one by one; (status, body, bytes pulled)."""
    status, body, pulled = asgi_post(app, key, path, "application/json", chunks, content_length,
                                     {"type": "http.request", "body": b"", "more_body": False})
    return status, json.loads(body), pulled


def huge_rows_body(megabytes: int):
    """A `rows` array of about `megabytes` MB, streamed in 256 KB pieces (never built whole)."""
    row = json.dumps({"Name": "A" * 200, "Email": "a@example.com"}).encode() + b","
    piece = row * (256 * 1024 // len(row))
    yield b'{"columnMapping": [{"sourceColumn": "Name", "targetFieldSlug": "displayName"}], "rows": ['
    for _ in range(megabytes * 4):
        yield piece
    yield b'{"Name": "end"}]}'


@pytest.fixture
def app(settings, store):
    return create_app(settings, store)


@pytest.fixture
def api(shared_api):
    """These tests are refused, or only validate: one app for the module."""
    return shared_api


# body limits -----------------------------------------------------------------------------------------------


def test_a_declared_oversized_body_is_refused_before_it_is_read(app, make_key):
    status, body, pulled = asgi_json_post(app, make_key(), VALIDATE, huge_rows_body(1), MAX_JSON_BODY_BYTES + 1)

    assert status == 413 and body["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert body["error"]["message"].startswith("Request body too large") and "uploadId" in body["error"]["message"]
    assert pulled == 0


def test_a_streamed_oversized_body_is_cut_off_at_the_limit(app, make_key, settings):
    settings.max_json_body_bytes = 4 * 1024 * 1024

    with RssPeak() as memory:
        status, body, pulled = asgi_json_post(app, make_key(), EXECUTE, huge_rows_body(200), None)

    assert status == 413 and body["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert pulled <= settings.max_json_body_bytes + 256 * 1024, "the rest of the 200 MB is never read"
    assert memory.growth_mb < 60


def test_a_huge_rows_array_over_http_is_413_and_nothing_is_imported(api, monkeypatch):
    monkeypatch.setattr(api.client.app.state.settings, "max_json_body_bytes", 1024 * 1024)
    rows = [{"Name": f"Person {i}", "Email": f"p{i}@example.com"} for i in range(40_000)]

    assert_clean_error(api.post(EXECUTE, {"rows": rows, "columnMapping": [NAME]}), 413, "PAYLOAD_TOO_LARGE")
    # Whatever the Content-Type says: FastAPI would read any body whole.
    r = api.client.post(f"/v1{EXECUTE}", headers={**api.headers, "Content-Type": "text/plain"},
                        content=b"x" * (1024 * 1024 + 1))
    assert_clean_error(r, 413, "PAYLOAD_TOO_LARGE")
    assert api.records() == []
    assert api.data(api.post(VALIDATE, {"rows": rows[:10], "columnMapping": [NAME]}))["totalRows"] == 10


def test_the_default_limit_takes_a_5000_row_sync_import_of_wide_rows(api):
    assert api.client.app.state.settings.max_json_body_bytes == MAX_JSON_BODY_BYTES
    wide = {f"Custom field number {c}": f"value {c} of a wide export row" for c in range(120)}
    rows = [{"Name": f"Person {i}", **wide} for i in range(SYNC_MAX_ROWS)]
    size = len(json.dumps({"rows": rows, "columnMapping": [NAME]}))
    assert 30 * 1024 * 1024 < size < MAX_JSON_BODY_BYTES, size

    data = api.data(api.post(VALIDATE, {"rows": rows, "columnMapping": [NAME]}))

    assert data["totalRows"] == SYNC_MAX_ROWS and data["isValid"] is True


# malformed mappings: 400 naming the item ---------------------------------------------------------------------

EMAIL = {"sourceColumn": "Email", "targetFieldSlug": "email"}


@pytest.mark.parametrize(("mapping", "static", "named"), [
    ([NAME, {"sourceColumn": "Shoe", "targetFieldSlug": "shoeSize"}], None, ["columnMapping[1]", "'Shoe'", "'shoeSize'"]),
    ([NAME, {"sourceColumn": "Full", "targetFieldSlug": "displayName"}], None,
     ["columnMapping[1]", "'Full'", "'displayName' holds one value", "'Name'"]),
    ([NAME, {"sourceColumn": "Title", "targetFieldSlug": "jobTitle", "addressPart": "city"}], None,
     ["columnMapping[1]", "'Title'", "addressPart is only for address fields"]),
    ([NAME, {**EMAIL, "valueType": "Fax"}], None, ["columnMapping[1]", "'Email'", "valueType 'Fax'", "Work, Personal"]),
    ([NAME, {"sourceColumn": "Title", "targetFieldSlug": "jobTitle", "valueType": "Work"}], None,
     ["columnMapping[1]", "'Title'", "valueType is only for multi-value fields"]),
    ([NAME, {"sourceColumn": "A", "targetFieldSlug": "address", "addressPart": "city"},
      {"sourceColumn": "B", "targetFieldSlug": "address", "addressPart": "city"}], None,
     ["columnMapping[2]", "'B'", "address part 'city' is already mapped from 'A'"]),
    ([NAME], {"shoeSize": "42"}, ["staticValues.shoeSize", "not a field"]),
    ([{"sourceColumn": "Name", "targetFieldSlug": None}, {**EMAIL, "ignored": True}], None,
     ["columnMapping maps no column"]),
], ids=["unknown-slug", "single-value-twice", "address-part-on-text", "value-type-not-of-field",
        "value-type-on-single-value", "address-part-twice", "static-unknown", "nothing-mapped"])
@pytest.mark.parametrize("endpoint", [VALIDATE, EXECUTE], ids=["validate", "execute"])
def test_malformed_mappings_are_400_naming_the_item(api, endpoint, mapping, static, named):
    body = {"rows": [{"Name": "Ann", "Email": "ann@example.com", "Title": "CEO"}], "columnMapping": mapping}
    if static:
        body["staticValues"] = static

    error = assert_clean_error(api.post(endpoint, body), 400, "INVALID_MAPPING")

    for text in named:
        assert text in error["message"], (text, error["message"])
    assert api.records() == [] and api.data(api.get("/modules/contacts/import/jobs")) == []


# unknown and invalid options ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "status", "named"), [
    ({"dryRun": True}, 422, "dryRun"),
    ({"duplicateStratgy": "update"}, 422, "duplicateStratgy"),
    ({"columnMapping": [{**NAME, "transform": "upper"}]}, 422, "transform"),
    ({"columnMapping": [{**NAME, "addressPart": "planet"}]}, 422, "addressPart"),
    ({"duplicateStrategy": "merge"}, 422, "duplicateStrategy"),
    ({"mergeMode": "newest"}, 422, "mergeMode"),
    ({"duplicateMatchFields": ["shoeSize"]}, 400, "duplicateMatchFields: 'shoeSize'"),
    ({"duplicateMatchFields": ["address"]}, 400, "cannot identify a record"),
    ({"skipValidation": "yes please"}, 422, "skipValidation"),
    ({"rows": [{"Name": "Ann", "_row": "7"}]}, 400, "rows[0]: the column name '_row' is reserved"),
    ({"rows": [{"Name": "Ann"}], "uploadId": "upl_00000000000000000000"}, 400, "either `rows` or `uploadId`"),
], ids=["unknown-top-level", "misspelt-option", "unknown-in-mapping-item", "bad-address-part", "bad-strategy",
        "bad-merge-mode", "unknown-match-field", "unmatchable-match-field", "wrong-type", "reserved-column",
        "rows-and-upload"])
def test_unknown_and_invalid_options_are_rejected_naming_them(api, body, status, named):
    full = {"rows": [{"Name": "Ann"}], "columnMapping": [NAME], **body}

    error = assert_clean_error(api.post(EXECUTE, full), status)

    assert named in error["message"] or named in json.dumps(error.get("details")), error
    assert api.records() == []


def test_unknown_fields_of_suggest_mapping_are_rejected(api):
    r = api.post("/modules/contacts/import/suggest-mapping", {"sourceColumns": ["Name"], "useAI": True})
    assert "useAI" in assert_clean_error(r, 422, "MALFORMED_REQUEST")["message"]


@pytest.mark.parametrize("raw", [
    b"{not json",
    b'{"rows": ' + b"[" * 100_000 + b"]" * 100_000 + b', "columnMapping": []}',
    b'{"rows": [{"Name": "\xff\xfe"}], "columnMapping": []}',
    b"[]",
    b"null",
    b'{"rows": [1, 2, 3], "columnMapping": []}',
    b'{"rows": [{"Name": "Ann"}], "columnMapping": [{"sourceColumn": "Name", "targetFieldSlug": "displayName"}],'
    b' "rows": "again"}',
], ids=["not-json", "deeply-nested", "invalid-utf8", "array", "null", "rows-not-objects", "duplicate-key"])
def test_odd_json_is_4xx(api, raw):
    r = api.client.post(f"/v1{VALIDATE}", headers={**api.headers, "Content-Type": "application/json"}, content=raw)
    assert_clean_error(r)
    assert 400 <= r.status_code < 500
