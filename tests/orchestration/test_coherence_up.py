"""`coherence up` starts the API, the Dagster webserver and the daemon, and SIGTERM stops all of them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def test_up_serves_api_and_dagster_then_stops_cleanly(tmp_path):
    api_port, dagster_port = free_port(), free_port()
    env = {**os.environ, "COHERENCE_HOME": str(tmp_path / "home")}
    env.pop("DAGSTER_HOME", None)
    coherence = Path(sys.executable).parent / "coherence"
    proc = subprocess.Popen([str(coherence), "up", "--api-port", str(api_port), "--dagster-port", str(dagster_port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.time() + 120
        api_ok = dagster_ok = False
        while time.time() < deadline and not (api_ok and dagster_ok):
            api_ok = api_ok or answers(f"http://127.0.0.1:{api_port}/health")
            dagster_ok = dagster_ok or answers(f"http://127.0.0.1:{dagster_port}/server_info")
            assert proc.poll() is None, proc.stdout.read().decode()[-2000:]
            time.sleep(0.5)
        assert api_ok and dagster_ok
        assert (tmp_path / "home" / "dagster" / "dagster.yaml").exists()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        time.sleep(0.5)
        assert not answers(f"http://127.0.0.1:{api_port}/health")
        assert not answers(f"http://127.0.0.1:{dagster_port}/server_info")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
