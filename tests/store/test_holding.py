"""`DuckDBStore.holding()`: a run of sessions keeps the file open between them, yet hands it over as soon
as another thread or process waits, and never keeps it after the run (or a failure) ends."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from coherence_pipelines.store.duckdb import DuckDBStore

OTHER_PROCESS = """
import sys, time
from pathlib import Path
from coherence_pipelines.store.duckdb import DuckDBStore
store = DuckDBStore(Path(sys.argv[1]), wait_seconds=20)
started = time.monotonic()
with store.session() as session:
    session.ensure_account("other-process")
print(round(time.monotonic() - started, 3), flush=True)
"""


@pytest.fixture
def duck(tmp_path: Path) -> DuckDBStore:
    store = DuckDBStore(tmp_path / "store.duckdb", wait_seconds=20)
    with store.session() as session:
        session.ensure_account("acme")
    return store


def test_sessions_in_a_run_share_one_connection_and_each_commits(duck):
    with duck.holding():
        with duck.session() as first:
            first.ensure_account("one")
        with duck.session() as second:
            assert second.con is first.con
        with pytest.raises(RuntimeError), duck.session() as third:
            third.ensure_account("rolled back")
            raise RuntimeError("a chunk fails")
        with duck.session() as fourth:
            assert fourth.account_id_by_name("one") and fourth.account_id_by_name("rolled back") is None
    with duck.session() as after:  # the run is over: an ordinary session opens the file again
        assert after.con is not first.con and after.account_id_by_name("one")


def test_a_waiting_thread_gets_its_turn_between_two_sessions_of_a_run(duck):
    done = threading.Event()

    def reader() -> None:
        with duck.session() as session:
            session.account_id_by_name("acme")
        done.set()

    with duck.holding():
        with duck.session():
            thread = threading.Thread(target=reader)
            thread.start()
            deadline = time.monotonic() + 20
            while not duck._lock.others_waiting() and time.monotonic() < deadline:
                time.sleep(0.01)  # until the reader waits for the lock this run holds
        with duck.session():
            assert done.is_set(), "the run handed the file over before its next session"
    thread.join(5)


def test_a_waiting_process_gets_its_turn_between_two_sessions_of_a_run(duck, tmp_path):
    with duck.holding():
        with duck.session():
            other = subprocess.Popen([sys.executable, "-c", OTHER_PROCESS, str(duck.path)], stdout=subprocess.PIPE,
                                     text=True)
            deadline = time.monotonic() + 20
            while not duck._lock.others_waiting() and time.monotonic() < deadline:
                time.sleep(0.05)  # until it has started and queued at the turnstile
        with duck.session() as session:
            # The other process had the file between our two sessions: its account is there.
            assert session.account_id_by_name("other-process")
    assert other.wait(20) == 0
