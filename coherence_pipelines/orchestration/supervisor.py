"""`coherence up`: the API, the Dagster webserver and the Dagster daemon on the embedded default, started
together and stopped together (Ctrl-C or SIGTERM stops all three; one dying stops the others)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from coherence_pipelines.orchestration.launch import dagster_env
from coherence_pipelines.settings import Settings

WORKSPACE = Path(__file__).resolve().parents[2] / "workspace.yaml"
GRACE_SECONDS = 15


def commands(host: str, api_port: int, dagster_port: int) -> dict[str, list[str]]:
    bin_dir = Path(sys.executable).parent
    return {
        "api": [sys.executable, "-m", "coherence_pipelines.cli", "serve", "--host", host, "--port", str(api_port)],
        "dagster-webserver": [str(bin_dir / "dagster-webserver"), "-w", str(WORKSPACE), "-h", host,
                              "-p", str(dagster_port)],
        "dagster-daemon": [str(bin_dir / "dagster-daemon"), "run", "-w", str(WORKSPACE)],
    }


def run_all(settings: Settings, host: str, api_port: int, dagster_port: int) -> int:
    env = dagster_env(settings)
    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    children = {name: subprocess.Popen(cmd, env=env) for name, cmd in commands(host, api_port, dagster_port).items()}
    print(f"API http://{host}:{api_port}/docs  Dagster UI http://{host}:{dagster_port}  "
          f"(COHERENCE_HOME={settings.home})", flush=True)
    code = 0
    while not stopping:
        dead = [name for name, child in children.items() if child.poll() is not None]
        if dead:
            print(f"{', '.join(dead)} stopped; stopping the rest", file=sys.stderr, flush=True)
            code = 1
            break
        time.sleep(0.3)
    for child in children.values():
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + GRACE_SECONDS
    for child in children.values():
        try:
            child.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    return code
