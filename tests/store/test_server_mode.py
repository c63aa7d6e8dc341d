"""`coherence serve --workers N`: several API processes over one PostgreSQL store, taking overlapping
imports at the same time over real HTTP, and what the option does on the embedded store."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from coherence_pipelines import cli
from coherence_pipelines.settings import get_settings

COHERENCE = Path(sys.executable).with_name("coherence")
MAPPING = [{"sourceColumn": "Name", "targetFieldSlug": "displayName"},
           {"sourceColumn": "Email", "targetFieldSlug": "email"}]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def worker_pids(parent: int) -> set[int]:
    """The processes uvicorn spawned for its workers (children of the server running spawn_main)."""
    pids = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == parent and b"spawn_main" in cmdline:
            pids.add(int(stat.parent.name))
    return pids


@pytest.mark.parametrize("store", ["postgres"], indirect=True)
def test_several_workers_serve_overlapping_imports_over_one_store(store, settings, make_key) -> None:
    key = make_key("acme")
    port = free_port()
    env = {**os.environ, "COHERENCE_HOME": str(settings.home)}
    server = subprocess.Popen([str(COHERENCE), "serve", "--workers", "2", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200 and len(worker_pids(server.pid)) == 2:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None, server.stderr.read().decode()[-2000:]
            time.sleep(0.2)
        assert len(worker_pids(server.pid)) == 2

        answers: list[httpx.Response] = []

        def execute(lo: int, hi: int, strategy: str) -> None:
            rows = [{"Name": f"Person {i}", "Email": f"P{i}@example.com"} for i in range(lo, hi)]
            answers.append(httpx.post(f"{base}/v1/modules/contacts/import/execute", timeout=120,
                                      headers={"Authorization": f"Bearer {key}"},
                                      json={"rows": rows, "columnMapping": MAPPING, "duplicateStrategy": strategy,
                                            "duplicateMatchFields": ["email"]}))

        threads = [threading.Thread(target=execute, args=spec)
                   for spec in [(0, 600, "skip"), (300, 900, "update"), (0, 900, "update"), (600, 900, "skip")]]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=180)
        assert [a.status_code for a in answers] == [200] * 4, [a.text[:300] for a in answers]
        assert sum(a.json()["data"]["createdRows"] for a in answers) == 900
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    with store.session() as session:
        account_id = session.account_id_by_name("acme")
        data = session.module_records(account_id, "contacts").get_column("data")
    emails = data.str.json_path_match("$.email[0].value").str.to_lowercase()
    assert emails.len() == emails.n_unique() == 900
    assert set(emails) == {f"p{i}@example.com" for i in range(900)}


def test_workers_start_uvicorn_with_the_app_factory(settings, monkeypatch) -> None:
    """Each worker builds its own app from the environment; one worker keeps the single-process default."""
    import uvicorn

    calls: list[tuple[tuple, dict]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: calls.append((a, kw)))
    monkeypatch.delenv("COHERENCE_DATABASE_URL", raising=False)
    monkeypatch.setenv("COHERENCE_HOME", str(settings.home))
    get_settings.cache_clear()
    try:
        many = CliRunner().invoke(cli.main, ["serve", "--workers", "3", "--port", "8123"])
        one = CliRunner().invoke(cli.main, ["serve"])
        none = CliRunner().invoke(cli.main, ["serve", "--workers", "0"])
    finally:
        get_settings.cache_clear()
    assert many.exit_code == 0 and one.exit_code == 0, (many.output, one.output)
    (args, kw), (one_args, one_kw) = calls
    assert args == ("coherence_pipelines.api:create_app",)
    assert (kw["factory"], kw["workers"], kw["port"]) == (True, 3, 8123)
    assert "take turns" in many.stderr, "on the embedded store it says what several workers mean there"
    assert not isinstance(one_args[0], str) and "workers" not in one_kw
    assert none.exit_code != 0
