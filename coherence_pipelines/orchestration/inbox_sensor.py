"""`inbox_sensor`: each CSV, XLSX or XLS file dropped into `$COHERENCE_HOME/inbox/<account>/<module>/`
starts one run of `import_file_job`.

Options come from a sidecar `<file>.json` (`columnMapping` or `mappingTemplate`, `duplicateStrategy`,
`duplicateMatchFields`, `mergeMode`, `createMissingReferences`, `staticValues`, `dateOrder`); without a
mapping the run uses the mapping the account executed for the same or similar headers, else suggestions. The run key is
the file's path, size and modification time, and the cursor remembers the keys already requested while
their files are still in the inbox, so each file is requested once, across restarts too.
"""


import json
from pathlib import Path

import dagster as dg

from coherence_pipelines.modules.fields import SLUG_PATTERN
from coherence_pipelines.orchestration.import_job import import_file_job
from coherence_pipelines.orchestration.resources import CoherenceResource

IMPORTABLE = {".csv", ".tsv", ".txt", ".xlsx", ".xls"}
SIDECAR_KEYS = {"columnMapping": "mapping", "duplicateStrategy": "duplicate_strategy",
                "duplicateMatchFields": "match_fields", "mergeMode": "merge_mode",
                "createMissingReferences": "create_missing_references", "staticValues": "static_values",
                "dateOrder": "date_order"}


def inbox_files(inbox: Path) -> list[tuple[str, str, Path]]:
    """(account, module, file) for every importable file waiting in the inbox, oldest first."""
    found = []
    for path in inbox.glob("*/*/*"):
        account, module = path.parent.parent.name, path.parent.name
        if path.is_file() and path.suffix.lower() in IMPORTABLE and SLUG_PATTERN.match(module):
            found.append((path.stat().st_mtime_ns, account, module, path))
    return [(a, m, p) for _, a, m, p in sorted(found)]


def run_key(path: Path) -> str:
    stat = path.stat()
    return f"{path}:{stat.st_size}:{stat.st_mtime_ns}"


def run_config_for(account: str, module: str, path: Path) -> dict:
    config: dict = {"file_path": str(path), "account": account, "module": module}
    sidecar = path.with_name(path.name + ".json")
    if sidecar.exists():
        doc = json.loads(sidecar.read_text())
        for key, name in SIDECAR_KEYS.items():
            if key in doc:
                config[name] = json.dumps(doc[key]) if key == "columnMapping" else doc[key]
        if doc.get("mappingTemplate") and "columnMapping" not in doc:
            config["mapping"] = f"template:{doc['mappingTemplate']}"
    return {"ops": {"stage_rows": {"config": config}}}


@dg.sensor(job=import_file_job, minimum_interval_seconds=10, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Imports files dropped into $COHERENCE_HOME/inbox/<account>/<module>/")
def inbox_sensor(context: dg.SensorEvaluationContext, coherence: CoherenceResource) -> dg.SensorResult:
    seen = set(json.loads(context.cursor)) if context.cursor else set()
    requests, present = [], set()
    for account, module, path in inbox_files(coherence.settings.inbox_dir):
        key = run_key(path)
        present.add(key)
        if key in seen:
            continue
        try:
            config = run_config_for(account, module, path)
        except (OSError, ValueError) as exc:
            context.log.warning(f"{path.name}: sidecar options unreadable ({exc}); file left in place")
            continue
        requests.append(dg.RunRequest(run_key=key, run_config=config,
                                      tags={"coherence/account": account, "coherence/module": module,
                                            "coherence/inbox_file": path.name}))
    # Keys of files that left the inbox are dropped, so the cursor stays as small as the inbox.
    cursor = json.dumps(sorted((seen & present) | {r.run_key for r in requests if r.run_key}))
    return dg.SensorResult(run_requests=requests, cursor=cursor)
