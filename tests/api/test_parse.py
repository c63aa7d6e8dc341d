"""Step 1 over HTTP: multipart upload, type from bytes, preview, totals, staging and the size limit."""

from __future__ import annotations

import io

import openpyxl
import pytest
import xlwt


def csv_bytes(n: int) -> bytes:
    lines = ["Name,Email,Phone,Zip"] + [f"Person {i},p{i}@example.com,555-01{i % 100:02d},0{i % 9}123" for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


def test_parse_answers_the_documents_fields(api):
    data = api.data(api.parse(csv_bytes(120), filename="contacts.csv"))
    assert data["sourceColumns"] == ["Name", "Email", "Phone", "Zip"]
    assert data["totalRows"] == 120
    assert len(data["sampleRows"]) == 50
    assert data["sampleRows"][0] == {"Name": "Person 0", "Email": "p0@example.com", "Phone": "555-0100", "Zip": "00123"}
    assert data["fileType"] == "csv" and data["fileName"] == "contacts.csv" and data["encoding"] == "utf-8"
    assert data["uploadId"].startswith("upl_")


def test_total_rows_counts_records_not_lines(api):
    content = b'Name,Notes\n"Ann","line one\nline two"\n"Bob","x, y"\n\n'
    data = api.data(api.parse(content))
    assert data["totalRows"] == 2
    assert data["sampleRows"][0]["Notes"] == "line one\nline two"


def test_file_name_is_a_base_name(api):
    data = api.data(api.parse(csv_bytes(1), filename="../../etc/contacts.csv"))
    assert data["fileName"] == "contacts.csv"


def test_xlsx_upload_named_csv_is_read_as_xlsx(api):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Name", "Zip", "Employees"])
    ws.append(["Ann", "02134", 120])
    buf = io.BytesIO()
    wb.save(buf)
    data = api.data(api.parse(buf.getvalue(), filename="lies.csv"))
    assert data["fileType"] == "xlsx"
    assert data["sampleRows"] == [{"Name": "Ann", "Zip": "02134", "Employees": "120"}]


def test_xls_upload(api):
    book = xlwt.Workbook()
    sheet = book.add_sheet("People")
    for c, v in enumerate(["Name", "Score"]):
        sheet.write(0, c, v)
    sheet.write(1, 0, "Ann")
    sheet.write(1, 1, 12.5)
    buf = io.BytesIO()
    book.save(buf)
    data = api.data(api.parse(buf.getvalue(), filename="people.xls"))
    assert data["fileType"] == "xls" and data["sampleRows"] == [{"Name": "Ann", "Score": "12.5"}]


def test_no_file_is_400(api):
    r = api.client.post("/v1/modules/contacts/import/parse", headers=api.headers, data={"other": "x"},
                        files={"notthefile": ("a.csv", b"a,b\n1,2\n")})
    assert r.status_code == 400 and r.json()["error"]["code"] == "NO_FILE_UPLOADED"
    r = api.client.post("/v1/modules/contacts/import/parse", headers=api.headers, json={"file": "x"})
    assert r.status_code == 400 and r.json()["error"]["message"].startswith("No file uploaded")


@pytest.mark.parametrize("content", [b"%PDF-1.7\n" + bytes(range(256)) * 8, b"<!DOCTYPE html><html><table></table></html>"])
def test_unsupported_types_are_400(api, content):
    r = api.parse(content, filename="x.xls")
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "UNSUPPORTED_FILE_TYPE"
    assert r.json()["error"]["message"].startswith("Unsupported file type")


def test_file_too_large_is_refused_while_streaming(api, settings):
    settings.max_upload_bytes = 10_000
    r = api.parse(b"Name\n" + b"x\n" * 6_000)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "FILE_TOO_LARGE" and r.json()["error"]["message"].startswith("File too large")
    assert not list(settings.staging_dir.glob("*.upload")), "the partial upload is removed"
    assert api.data(api.parse(b"Name\nAnn\n"))["totalRows"] == 1


def test_upload_is_staged_and_usable_by_its_account_only(api, other_api):
    data = api.data(api.parse(csv_bytes(3)))
    mapping = [{"sourceColumn": "Name", "targetFieldSlug": "displayName"}]
    v = api.data(api.post("/modules/contacts/import/validate", {"uploadId": data["uploadId"], "columnMapping": mapping}))
    assert v["totalRows"] == 3 and v["isValid"] is True
    r = other_api.post("/modules/contacts/import/validate", {"uploadId": data["uploadId"], "columnMapping": mapping})
    assert r.status_code == 404 and r.json()["error"]["code"] == "UPLOAD_NOT_FOUND"
    r = api.post("/modules/contacts/import/validate", {"uploadId": "upl_../../x", "columnMapping": mapping})
    assert r.status_code == 404
