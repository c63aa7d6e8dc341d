"""The upload path: a 100 MB + 1 byte file refused while it streams in, never held or read whole; a body
declared too large refused before a byte of it is read; the limit exact; path parts in names dropped."""

from __future__ import annotations

from pathlib import Path

import pytest

from coherence_pipelines.api import create_app
from coherence_pipelines.api.upload_stream import ENVELOPE_BYTES
from coherence_pipelines.settings import MAX_UPLOAD_BYTES

from .conftest import RssPeak, asgi_post, assert_clean_error

BOUNDARY = "coherence-test-boundary"
CHUNK = b"Name,Email\n" * (1024 * 1024 // 11)  # one megabyte of CSV, sent again and again


def asgi_upload(app, key: str, file_bytes: int, content_length: int | None = None) -> tuple[int, bytes, int]:
    """POST a multipart upload of `file_bytes` bytes straight through the ASGI interface, chunk by chunk;
    (status, body, bytes of the request body the app pulled in)."""
    head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n"
            "Content-Type: text/csv\r\n\r\n").encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()

    def body_messages():
        yield head
        left = file_bytes
        while left > 0:
            piece = CHUNK if left >= len(CHUNK) else CHUNK[:left]
            left -= len(piece)
            yield piece
        yield tail

    return asgi_post(app, key, "/modules/contacts/import/parse", f"multipart/form-data; boundary={BOUNDARY}",
                     body_messages(), content_length, {"type": "http.disconnect"})


@pytest.fixture
def app(settings, store):
    return create_app(settings, store)


def test_a_100_mb_plus_one_byte_upload_is_refused_while_streaming(app, make_key, settings):
    assert settings.max_upload_bytes == MAX_UPLOAD_BYTES == 100 * 1024 * 1024
    key = make_key()

    with RssPeak() as memory:
        status, body, pulled = asgi_upload(app, key, MAX_UPLOAD_BYTES + 1)

    assert status == 400 and b'"code":"FILE_TOO_LARGE"' in body and b"File too large" in body
    # It stopped at the limit: what was pulled is the file up to its last byte plus the part headers,
    # not the closing boundary; and it was written to disk, never held.
    assert MAX_UPLOAD_BYTES < pulled <= MAX_UPLOAD_BYTES + len(CHUNK) + 1024
    assert memory.growth_mb < 40, f"memory rose {memory.growth_mb:.0f} MB for a 100 MB upload"
    assert not list(settings.staging_dir.glob("*.upload")), "the partial file is removed"


def test_a_body_declared_too_large_is_refused_before_any_of_it_is_read(app, make_key):
    status, body, pulled = asgi_upload(app, make_key(), 10, content_length=5 * 1024**3)

    assert status == 400 and b'"code":"FILE_TOO_LARGE"' in body
    assert pulled == 0


def test_an_upload_at_the_limit_passes_and_one_byte_more_does_not(api, settings):
    settings.max_upload_bytes = 10_000  # this test's own app
    at_limit = b"Name\n" + b"Ann\n" * 2_498 + b"Zo\n"  # 10,000 bytes exactly
    assert len(at_limit) == 10_000

    assert api.data(api.parse(at_limit))["totalRows"] == 2_499
    assert_clean_error(api.parse(at_limit + b"y"), 400, "FILE_TOO_LARGE")


def test_a_multipart_body_is_bounded_on_every_endpoint(api, settings):
    # FastAPI reads any body whole; a multipart one sent to a JSON endpoint is cut off at the upload limit.
    settings.max_upload_bytes = 10_000
    r = api.client.post("/v1/modules/contacts/import/validate", headers=api.headers,
                        files={"file": ("a.csv", b"x" * (10_000 + ENVELOPE_BYTES + 1))})
    assert_clean_error(r, 400)


@pytest.mark.parametrize(("sent", "kept"), [
    ("../../etc/passwd.csv", "passwd.csv"),
    ("..\\..\\Windows\\win.ini.csv", "win.ini.csv"),
    ("C:\\Users\\ann\\Desktop\\contacts.csv", "contacts.csv"),
    ("/var/tmp/contacts.csv", "contacts.csv"),
    ("reports/2024/../../contacts.csv", "contacts.csv"),
    ("con\x07tacts\x1b.csv", "contacts.csv"),
    ("  spaced.csv  ", "spaced.csv"),
    ("..", "upload"),
    ("../", "upload"),
    ("", "upload"),
    ("Контакты 2024.csv", "Контакты 2024.csv"),
])
def test_path_parts_in_file_names_are_dropped(shared_api, sent, kept):
    api = shared_api
    settings = api.client.app.state.settings
    before = {p for p in settings.home.parent.rglob("*")}
    # Built by hand: an HTTP client would escape the control characters an attacker sends as they are.
    body = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{sent}"\r\n\r\n'.encode()
            + b"Name\nAnn\n" + f"\r\n--{BOUNDARY}--\r\n".encode())
    headers = {**api.headers, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}

    data = api.data(api.client.post("/v1/modules/contacts/import/parse", headers=headers, content=body))

    assert data["fileName"] == kept
    created = {p for p in settings.home.parent.rglob("*")} - before
    assert all(settings.staging_dir in p.parents or p == settings.staging_dir or _is_store_file(p, settings)
               for p in created), created
    job = api.data(api.post("/modules/contacts/import/execute", {
        "uploadId": data["uploadId"], "columnMapping": [{"sourceColumn": "Name", "targetFieldSlug": "displayName"}]}))
    assert api.data(api.get(f"/modules/contacts/import/jobs/{job['importJobId']}"))["fileName"] == kept


def _is_store_file(path: Path, settings) -> bool:
    return path.parent == settings.home and path.name.startswith("store.duckdb")
