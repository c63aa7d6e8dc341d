"""The server-mode deployment files (deploy/), checked without a cluster: the dagster.yaml loaded into a real
DagsterInstance on the real PostgreSQL server (a run recorded and read back, the Docker run launcher and
the queued coordinator configured from the environment), the workspace validated against Dagster's schema,
and the compose file consistent with both."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import dagster as dg
import psycopg
import pytest
import yaml
from dagster._core.workspace.config_schema import process_workspace_config
from dagster_docker import DockerRunLauncher
from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage, PostgresScheduleStorage
from psycopg.conninfo import conninfo_to_dict

from coherence_pipelines.orchestration.import_job import import_file_job
from coherence_pipelines.orchestration.resources import CoherenceResource
from tests.conftest import TEST_DATABASE_URL

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
LAUNCHER_ENV = {"COHERENCE_IMAGE": "coherence-pipelines:latest", "COHERENCE_DOCKER_NETWORK": "coherence",
                "DAGSTER_MAX_CONCURRENT_RUNS": "8"}


def env_names(node) -> set[str]:
    """Every `env:` a Dagster config file reads."""
    if isinstance(node, dict):
        found = {node["env"]} if set(node) == {"env"} else set()
        return found.union(*(env_names(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(env_names(v) for v in node))
    return set()


DAGSTER_TEST_DATABASE = "coherence_dagster_test"


@pytest.fixture
def dagster_database() -> dict[str, str]:
    """A database of Dagster's own on the test server, as in a deployment. Kept between runs (Dagster
    migrates it; the test looks at its own run only): dropping a database forces a checkpoint, which on a
    busy machine took longer than the whole test."""
    with psycopg.connect(TEST_DATABASE_URL, autocommit=True) as con:
        if con.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DAGSTER_TEST_DATABASE]).fetchone() is None:
            con.execute(f'CREATE DATABASE "{DAGSTER_TEST_DATABASE}"')
    server = conninfo_to_dict(TEST_DATABASE_URL)
    return {"DAGSTER_PG_HOST": str(server.get("host", "127.0.0.1")), "DAGSTER_PG_PORT": str(server.get("port", 5432)),
            "DAGSTER_PG_USERNAME": str(server.get("user", "postgres")),
            "DAGSTER_PG_PASSWORD": str(server.get("password", "")), "DAGSTER_PG_DB": DAGSTER_TEST_DATABASE}


@pytest.mark.parametrize("store", ["postgres"], indirect=True)
def test_the_instance_config_runs_on_postgres_with_the_docker_launcher(store, settings, dagster_database, tmp_path,
                                                                        monkeypatch) -> None:
    for name, value in {**dagster_database, **LAUNCHER_ENV}.items():
        monkeypatch.setenv(name, value)
    home = tmp_path / "dagster-home"
    home.mkdir()
    shutil.copyfile(DEPLOY / "dagster-postgres.yaml", home / "dagster.yaml")
    path = tmp_path / "people.csv"
    path.write_text("Name,Email\nAnn Lee,ann@example.com\nBob Ray,bob@example.com\n")

    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        assert isinstance(instance.schedule_storage, PostgresScheduleStorage)
        launcher = instance.run_launcher
        assert isinstance(launcher, DockerRunLauncher)
        assert (launcher.image, launcher.networks) == ("coherence-pipelines:latest", ["coherence"])
        assert "COHERENCE_DATABASE_URL" in launcher.env_vars
        assert instance.run_coordinator.get_run_queue_config().max_concurrent_runs == 8

        result = import_file_job.execute_in_process(
            run_config={"ops": {"stage_rows": {"config": {"file_path": str(path), "account": "acme"}}}},
            resources={"coherence": CoherenceResource(home=str(settings.home))}, instance=instance)
        assert result.success
        stored = instance.get_run_by_id(result.run_id)
        assert stored.tags["coherence/account"] == "acme" and stored.is_success
        assert any(e.step_key == "execute_import" for e in instance.all_logs(result.run_id))

    # The import itself landed in the record store, on the same server.
    with store.session() as session:
        account_id = session.account_id_by_name("acme")
        assert session.count_records(account_id, "contacts") == 2


def test_the_workspace_validates_against_dagsters_schema(monkeypatch) -> None:
    monkeypatch.setenv("COHERENCE_CODE_SERVER_HOST", "dagster-code")
    text = (DEPLOY / "workspace.yaml").read_text()
    config = process_workspace_config(yaml.safe_load(text))
    server = config.value["load_from"][0]["grpc_server"]
    assert (server["port"], server["location_name"]) == (4000, "coherence_pipelines")


def test_the_compose_file_runs_one_daemon_and_gives_every_dagster_process_its_environment() -> None:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    services = compose["services"]
    daemons = [name for name, s in services.items() if "dagster-daemon" in json.dumps(s.get("command", []))]
    assert daemons == ["dagster-daemon"], "exactly one daemon: schedules and sensors must not run twice"
    needed = env_names(yaml.safe_load((DEPLOY / "dagster-postgres.yaml").read_text())) \
        | env_names(yaml.safe_load((DEPLOY / "workspace.yaml").read_text()))
    launcher = yaml.safe_load((DEPLOY / "dagster-postgres.yaml").read_text())["run_launcher"]["config"]
    for name in ("dagster-webserver", "dagster-daemon", "dagster-code"):
        env = services[name]["environment"]
        assert needed <= set(env), (name, needed - set(env))
        assert set(launcher["env_vars"]) <= set(env), name
    assert "--workers" in services["api"]["command"]
    assert services["dagster-code"]["environment"]["DAGSTER_CURRENT_IMAGE"] == \
        services["dagster-code"]["environment"]["COHERENCE_IMAGE"]
