"""Staged uploads on both stores: a DuckDB file per upload on the embedded default, the store itself in
server mode, so that a process on another machine (another COHERENCE_HOME, the same database) reads them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import polars as pl
import pytest

from coherence_pipelines.errors import UploadNotFound
from coherence_pipelines.staging import load_upload, stage_upload

FRAME = pl.DataFrame({"Name": ["Ann Lee", "Bob, \"Jr\"", None], "Zip": ["00501", "", "9"], "Ünïcode": ["é", "ß", "😀"]})


def stage(settings, account_id: str = "acc_1"):
    return stage_upload(settings.staging_dir, account_id, "contacts", FRAME, file_name="people.csv", file_type="csv",
                        encoding="utf-8", delimiter=",")


def test_an_upload_comes_back_exactly_as_staged(store, settings) -> None:
    staged = stage(settings)
    meta, rows = load_upload(settings.staging_dir, "acc_1", staged.upload_id)
    assert meta == staged and meta.columns == ["Name", "Zip", "Ünïcode"] and meta.total_rows == 3
    assert rows.columns == ["_row", "Name", "Zip", "Ünïcode"]
    assert rows.get_column("_row").to_list() == [1, 2, 3]
    assert rows.drop("_row").equals(FRAME), "text kept as parsed: leading zeros, empty versus missing, Unicode"


def test_an_upload_of_another_account_or_an_unknown_id_is_not_found(store, settings) -> None:
    staged = stage(settings)
    with pytest.raises(UploadNotFound):
        load_upload(settings.staging_dir, "acc_other", staged.upload_id)
    for upload_id in ("upl_" + "0" * 20, "../../etc/passwd", "upl_x"):
        with pytest.raises(UploadNotFound):
            load_upload(settings.staging_dir, "acc_1", upload_id)


def test_where_uploads_are_staged_depends_on_the_store(store, settings) -> None:
    staged = stage(settings)
    files = list(settings.staging_dir.glob(f"{staged.upload_id}*"))
    if settings.database_url:
        assert files == [], "server mode keeps nothing on this machine"
    else:
        assert [f.name for f in files] == [f"{staged.upload_id}.duckdb"]


READER = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from coherence_pipelines.staging import load_upload
    meta, rows = load_upload(Path(sys.argv[1]) / "staging", "acc_1", sys.argv[2])
    print(json.dumps({"file": meta.file_name, "rows": rows.drop("_row").to_dicts()}))
""")


@pytest.mark.parametrize("store", ["postgres"], indirect=True)
def test_a_process_on_another_machine_reads_the_upload_from_the_store(store, settings, tmp_path: Path) -> None:
    """Another COHERENCE_HOME and only COHERENCE_DATABASE_URL in common, as a Dagster run on another machine
    has; the reader opens no store itself before reading (as the map_columns op does)."""
    staged = stage(settings)
    other_home = tmp_path / "other-machine"
    env = {**os.environ, "COHERENCE_HOME": str(other_home)}
    proc = subprocess.run([sys.executable, "-c", READER, str(other_home), staged.upload_id], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out == {"file": "people.csv", "rows": FRAME.to_dicts()}


def test_old_uploads_the_store_keeps_are_removed_unless_in_use(store, settings) -> None:
    """Server mode's half of the hourly cleanup (the embedded default's upload files: test_cleanup.py)."""
    from datetime import timedelta

    from coherence_pipelines.execution.jobs import utcnow
    from coherence_pipelines.staging import remove_stored_uploads

    old, kept, young = stage(settings), stage(settings), stage(settings)
    if not settings.database_url:
        assert remove_stored_uploads(settings.staging_dir, utcnow() + timedelta(days=1), set()) == 0
        return
    with store._connection() as conn, conn.transaction():
        conn.execute("UPDATE staged_uploads SET staged_at = staged_at - interval '2 days' WHERE upload_id = ANY(%s)",
                     [[old.upload_id, kept.upload_id]])
    assert remove_stored_uploads(settings.staging_dir, utcnow() - timedelta(days=1), {kept.upload_id}) == 1
    with pytest.raises(UploadNotFound):
        load_upload(settings.staging_dir, "acc_1", old.upload_id)
    for staged in (kept, young):
        assert load_upload(settings.staging_dir, "acc_1", staged.upload_id)[0] == staged
