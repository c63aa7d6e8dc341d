"""Shared fixtures: a real COHERENCE_HOME in a temporary folder, a real record store (every test that uses
one runs twice: on a DuckDB file, and on PostgreSQL in a schema of its own), the real app behind an HTTP
client, and API keys made the way `coherence keys create` makes them.

PostgreSQL is the server of COHERENCE_TEST_DATABASE_URL (default: the local one CI starts). When it cannot
be reached the PostgreSQL variants fail: they are half of what the suite proves."""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
import pytest

with warnings.catch_warnings():
    # starlette asks for httpx2 in its TestClient; httpx 0.28 is what this stack pins
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

from coherence_pipelines.api import create_app
from coherence_pipelines.settings import Settings
from coherence_pipelines.store import RecordStore, open_store
from coherence_pipelines.store.api_keys import new_key


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    s = Settings(home=tmp_path / "home")
    s.ensure_dirs()
    return s


TEST_DATABASE_URL = os.environ.get("COHERENCE_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


def with_search_path(url: str, schema: str) -> str:
    """`url` with every connection's search_path set to `schema` (libpq's `options`)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "options"] + [("options", f"-csearch_path={schema}")]
    return urlunsplit(parts._replace(query=urlencode(query)))


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A database URL whose connections see only a fresh schema of their own, dropped afterwards: tests run
    in parallel (xdist) and side by side with background processes, so every test gets a new name."""
    schema = f"test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(TEST_DATABASE_URL, autocommit=True, connect_timeout=10) as con:
        con.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield with_search_path(TEST_DATABASE_URL, schema)
    finally:
        with psycopg.connect(TEST_DATABASE_URL, autocommit=True, connect_timeout=10) as con:
            con.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["duckdb", "postgres"])
def store(request: pytest.FixtureRequest, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordStore]:
    """The record store, once per kind. On PostgreSQL the settings and the environment name it too, so the
    app, the CLI, Dagster resources and background processes the test starts all reach the same schema."""
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
        settings.database_url = url
        monkeypatch.setenv("COHERENCE_DATABASE_URL", url)
    else:
        monkeypatch.delenv("COHERENCE_DATABASE_URL", raising=False)
    opened = open_store(settings)
    yield opened
    opened.close()


@pytest.fixture
def make_key(store: RecordStore) -> Callable[..., str]:
    def make(account: str = "acme", scopes: tuple[str, ...] = ("import", "export", "admin")) -> str:
        key_id, key, key_hash = new_key()
        with store.session() as session:
            account_id = session.ensure_account(account)
            session.add_api_key(account_id, key_id, key_hash, scopes)
        return key

    return make


@pytest.fixture
def client(settings: Settings, store: RecordStore) -> Iterator[TestClient]:
    with TestClient(create_app(settings, store), raise_server_exceptions=False) as c:
        yield c


class Api:
    """A client bound to one account's key, speaking the envelope."""

    def __init__(self, client: TestClient, key: str) -> None:
        self.client, self.key = client, key
        self.headers = {"Authorization": f"Bearer {key}"}

    def get(self, path: str, **kw):
        return self.client.get(f"/v1{path}", headers=self.headers, **kw)

    def post(self, path: str, json=None, **kw):
        return self.client.post(f"/v1{path}", json=json, headers=self.headers, **kw)

    def delete(self, path: str, **kw):
        return self.client.delete(f"/v1{path}", headers=self.headers, **kw)

    def data(self, response, status: int = 200):
        assert response.status_code == status, response.text
        body = response.json()
        assert body["success"] is True
        return body["data"]

    def parse(self, content: bytes, filename: str = "contacts.csv", module: str = "contacts"):
        return self.client.post(f"/v1/modules/{module}/import/parse", headers=self.headers,
                                files={"file": (filename, content, "application/octet-stream")})

    def execute(self, rows, mapping, module: str = "contacts", **options):
        return self.data(self.post(f"/modules/{module}/import/execute",
                                   {"rows": rows, "columnMapping": mapping, **options}))

    def records(self, module: str = "contacts", **params) -> list[dict]:
        return self.data(self.get(f"/modules/{module}/records", params={"limit": 1000, **params}))["records"]


@pytest.fixture
def api(client: TestClient, make_key) -> Api:
    return Api(client, make_key("acme"))


@pytest.fixture
def other_api(client: TestClient, make_key) -> Api:
    return Api(client, make_key("globex"))
