"""Background imports: the API hands an import job to a Dagster run in a process of its own, so it runs
(and shows in the Dagster UI) whether or not a Dagster daemon is up, and the request answers at once.

    python -m coherence_pipelines.orchestration.launch ACCOUNT IMPORT_JOB_ID
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from coherence_pipelines.settings import Settings

REPO_DAGSTER_YAML = Path(__file__).resolve().parents[2] / "dagster.yaml"


def ensure_dagster_home(settings: Settings) -> Path:
    """DAGSTER_HOME with the embedded default's dagster.yaml (SQLite storage), made when missing."""
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists() and REPO_DAGSTER_YAML.exists():
        shutil.copyfile(REPO_DAGSTER_YAML, home / "dagster.yaml")
    return home


def dagster_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"COHERENCE_HOME": str(settings.home.resolve()), "DAGSTER_HOME": str(ensure_dagster_home(settings))})
    if settings.database_url:
        env["COHERENCE_DATABASE_URL"] = settings.database_url
    return env


def launch_background_import(settings: Settings, account: str, import_job_id: str) -> subprocess.Popen:
    log = open(settings.logs_dir / f"{import_job_id}.log", "ab")  # noqa: SIM115 - the child owns it
    return subprocess.Popen([sys.executable, "-m", "coherence_pipelines.orchestration.launch", account, import_job_id],
                            env=dagster_env(settings), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)


def run_import_job(account: str, import_job_id: str) -> bool:
    import dagster as dg

    from coherence_pipelines.definitions import import_file_job_with_resources

    with dg.DagsterInstance.get() as instance:
        result = dg.execute_job(
            dg.reconstructable(import_file_job_with_resources), instance=instance,
            run_config={"ops": {"stage_rows": {"config": {"import_job_id": import_job_id, "account": account}}}},
            tags={"coherence/account": account, "coherence/import_job_id": import_job_id,
                  "coherence/mode": "background"})
    if not result.success:
        mark_failed(account, import_job_id, f"Dagster run {result.run_id} failed; see its logs in the Dagster UI")
    return result.success


def mark_failed(account: str, import_job_id: str, failure: str) -> None:
    """A job whose run died before the import could say so itself must not stay pending."""
    from coherence_pipelines.execution.jobs import utcnow
    from coherence_pipelines.settings import get_settings
    from coherence_pipelines.store import open_store

    with open_store(get_settings()).session() as session:
        account_id = session.account_id_by_name(account)
        job = session.get_job(account_id, import_job_id) if account_id else None
        if job is not None and job["status"] in ("pending", "processing"):
            session.update_job(import_job_id, {"status": "failed", "failure": failure, "completed_at": utcnow()})


if __name__ == "__main__":
    sys.exit(0 if run_import_job(sys.argv[1], sys.argv[2]) else 1)
