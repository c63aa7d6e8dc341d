"""Shared fixtures: a real COHERENCE_HOME in a temporary folder, a real DuckDB store file, the real app
behind an HTTP client, and API keys made the way `coherence keys create` makes them."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

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


@pytest.fixture
def store(settings: Settings) -> RecordStore:
    return open_store(settings)


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
