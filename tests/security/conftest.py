"""The hostile-input suite's fixtures: every answer of the app checked for a clean error body, memory
sampled from /proc, and a real uvicorn server for the tests that need real HTTP."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from coherence_pipelines.api import create_app
from coherence_pipelines.settings import Settings
from coherence_pipelines.store import open_store
from coherence_pipelines.store.api_keys import new_key
from tests.conftest import Api


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Files and requests are refused before any store is reached, so most of this suite runs on the embedded
    store only; modules about what the stores do (SQL, tenancy) set `BOTH_STORES = True` to run on both.
    A parametrize mark, added before the fixture's own parameters are applied, takes precedence over them."""
    if "store" in metafunc.fixturenames and not getattr(metafunc.module, "BOTH_STORES", False):
        metafunc.definition.add_marker(pytest.mark.parametrize("store", ["duckdb"], indirect=True))


# What a leaked stack trace or library error looks like in a body.
_LEAK_MARKERS = ("Traceback", 'File "/', ".py\", line", "site-packages", "duckdb.", "polars.exceptions",
                 "pydantic_core", "Exception:", "Error:")


def assert_clean_error(response: httpx.Response, status: int | None = None, code: str | None = None) -> dict:
    """The error envelope and nothing else: a code, a message, no stack trace; returns the error."""
    assert response.status_code >= 400, response.text[:500]
    if status is not None:
        assert response.status_code == status, response.text[:500]
    body = response.json()
    assert body["success"] is False and set(body) == {"success", "error"}, response.text[:500]
    error = body["error"]
    assert isinstance(error["code"], str) and isinstance(error["message"], str) and error["message"]
    text = response.text
    for marker in _LEAK_MARKERS:
        assert marker not in text, (marker, text[:500])
    if code is not None:
        assert error["code"] == code, text[:500]
    return error


def check_answer(response: httpx.Response) -> None:
    """No answer is a 5xx, and every JSON error body is the bare envelope."""
    response.read()
    assert response.status_code < 500, f"{response.request.method} {response.request.url}: {response.text[:500]}"
    if response.status_code >= 400 and response.headers.get("content-type", "").startswith("application/json"):
        assert_clean_error(response)


@pytest.fixture(autouse=True)
def every_answer_is_clean(request: pytest.FixtureRequest) -> Iterator[None]:
    """Wherever a test of this suite uses the app's `client`, every answer is checked (check_answer): the
    other tests' error bodies are checked without each of them asking."""
    if "client" not in request.fixturenames:
        yield
        return
    client = request.getfixturevalue("client")
    client.event_hooks["response"].append(check_answer)
    yield
    client.event_hooks["response"].remove(check_answer)


@pytest.fixture(scope="module")
def shared_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One app on one embedded store with one key, for a module's tests that only read what they wrote
    themselves (refusals, parses): starting an app per test would cost most of this suite's time."""
    settings = Settings(home=tmp_path_factory.mktemp("shared") / "home", database_url=None)
    settings.ensure_dirs()
    store = open_store(settings)
    key_id, key, key_hash = new_key()
    with store.session() as session:
        session.add_api_key(session.ensure_account("acme"), key_id, key_hash, ("import", "export", "admin"))
    with TestClient(create_app(settings, store), raise_server_exceptions=False) as client:
        client.event_hooks["response"].append(check_answer)
        yield Api(client, key)
    store.close()


def rss_bytes(pid: int | str = "self") -> int:
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss_bytes(pid: int) -> int:
    """VmHWM: the most memory the process has held at once, since it started."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


class RssPeak:
    """How far this process's resident memory rose above where it stood, while the block ran
    (sampled every 2 ms: a blow-up takes far longer than that)."""

    def __enter__(self) -> RssPeak:
        self.base = self.peak = rss_bytes()
        self._running = True
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while self._running:
            self.peak = max(self.peak, rss_bytes())
            time.sleep(0.002)

    def __exit__(self, *exc: object) -> None:
        self._running = False
        self._thread.join()
        self.peak = max(self.peak, rss_bytes())

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.base) / 2**20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`coherence serve` in a subprocess on the embedded store of `home`, with one API key."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "COHERENCE_HOME": str(home)}
        self.key = self._make_key(env)
        self.headers = {"Authorization": f"Bearer {self.key}"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "coherence_pipelines.cli", "serve", "--port", str(self.port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        self._wait_ready()

    @staticmethod
    def _make_key(env: dict[str, str]) -> str:
        store = open_store(Settings(home=Path(env["COHERENCE_HOME"])))
        key_id, key, key_hash = new_key()
        with store.session() as session:
            session.add_api_key(session.ensure_account("acme"), key_id, key_hash, ("import", "export"))
        return key

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited: {self.process.stderr.read().decode()[-2000:]}")
            try:
                if httpx.get(f"{self.base_url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        raise AssertionError("server did not start within 60 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    s = Server(tmp_path / "server-home")
    try:
        yield s
    finally:
        s.stop()


def asgi_post(app, key: str, path: str, content_type: str, chunks, content_length: int | None,
              end: dict) -> tuple[int, bytes, int]:
    """POST a body straight through the ASGI interface, `chunks` pulled one by one as the app asks, then
    `end` (the last body message, or a disconnect); (status, response body, bytes of the body pulled)."""
    headers = [(b"authorization", f"Bearer {key}".encode()), (b"content-type", content_type.encode())]
    if content_length is not None:
        headers.append((b"content-length", str(content_length).encode()))
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": f"/v1{path}", "raw_path": f"/v1{path}".encode(), "query_string": b"", "root_path": "",
             "headers": headers, "client": ("127.0.0.1", 1), "server": ("testserver", 80)}
    chunks = iter(chunks)
    pulled, status, body = 0, 0, bytearray()

    async def receive():
        nonlocal pulled
        piece = next(chunks, None)
        if piece is None:
            return end
        pulled += len(piece)
        return {"type": "http.request", "body": piece, "more_body": True}

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))

    asyncio.run(app(scope, receive, send))
    return status, bytes(body), pulled
