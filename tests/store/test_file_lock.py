"""FileLock across real processes: a second process holding the lock makes `hold()` wait, then raise StoreBusy
after the timeout; once released, the lock is taken."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from coherence_pipelines.errors import StoreBusy
from coherence_pipelines.store.duckdb import DuckDBStore
from coherence_pipelines.store.file_lock import FileLock

HOLDER = """
import sys
from pathlib import Path
from coherence_pipelines.store.file_lock import FileLock

with FileLock(Path(sys.argv[1]), timeout=5).hold():
    print("held", flush=True)
    sys.stdin.readline()  # hold until the test says so
print("released", flush=True)
"""


@contextmanager
def held_by_other_process(path: Path) -> Iterator[subprocess.Popen]:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout.readline().strip() == "held"
        yield proc
    finally:
        if proc.poll() is None:
            proc.stdin.write("\n")
            proc.stdin.flush()
        proc.wait(timeout=10)


def release(proc: subprocess.Popen) -> None:
    proc.stdin.write("\n")
    proc.stdin.flush()
    assert proc.stdout.readline().strip() == "released"
    assert proc.wait(timeout=10) == 0


def test_hold_raises_store_busy_while_another_process_holds_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "store.lock"
    lock = FileLock(path, timeout=0.5)
    with held_by_other_process(path) as proc:
        with pytest.raises(StoreBusy) as info, lock.hold():
            pytest.fail("the lock was taken while another process held it")
        assert info.value.retryable and info.value.status == 503
        release(proc)
        entered = False
        with lock.hold():
            entered = True
        assert entered


def test_lock_is_reusable_and_released_after_an_exception(tmp_path: Path) -> None:
    lock = FileLock(tmp_path / "store.lock", timeout=0.5)
    with pytest.raises(KeyError), lock.hold():
        raise KeyError("inside")
    for _ in range(3):
        with lock.hold():
            pass
    # And another process can take it now: it prints "held" only once it has it.
    with held_by_other_process(tmp_path / "store.lock") as proc:
        release(proc)


def test_threads_of_one_process_take_turns(tmp_path: Path) -> None:
    lock = FileLock(tmp_path / "store.lock", timeout=0.5)
    inside, leave = threading.Event(), threading.Event()

    def holder() -> None:
        with lock.hold():
            inside.set()
            leave.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert inside.wait(10)
        with pytest.raises(StoreBusy), lock.hold():
            pytest.fail("two threads held the lock at once")
    finally:
        leave.set()
        thread.join(10)
    with lock.hold():
        pass


def test_store_session_reports_busy_while_another_process_holds_the_store(tmp_path: Path) -> None:
    store = DuckDBStore(tmp_path / "store.duckdb", wait_seconds=0.5)
    with store.session() as session:
        session.ensure_account("acme")
    with held_by_other_process(tmp_path / "store.duckdb.lock") as proc:
        with pytest.raises(StoreBusy), store.session():
            pytest.fail("a session opened while another process held the store")
        release(proc)
        with store.session() as session:
            assert session.account_id_by_name("acme") is not None
