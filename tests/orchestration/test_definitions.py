"""The code location loads as Dagster loads it from workspace.yaml, with the names interfaces.md fixes."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import yaml

from coherence_pipelines.definitions import defs

ROOT = Path(__file__).resolve().parents[2]


def test_code_location_loads_with_its_jobs_and_sensors():
    dg.Definitions.validate_loadable(defs)
    repo = defs.get_repository_def()
    assert repo.has_job("import_file_job")
    assert {s.name for s in repo.sensor_defs} >= {"inbox_sensor"}


def test_workspace_and_instance_files():
    workspace = yaml.safe_load((ROOT / "workspace.yaml").read_text())
    assert workspace["load_from"] == [{"python_module": "coherence_pipelines.definitions"}]
    instance = yaml.safe_load((ROOT / "dagster.yaml").read_text())
    assert instance["storage"]["sqlite"]["base_dir"] == {"env": "DAGSTER_HOME"}
