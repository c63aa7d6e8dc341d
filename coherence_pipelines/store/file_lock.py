"""A bounded, inter-process exclusive lock: how processes take turns with the embedded DuckDB file.

DuckDB admits one writing process per file. Every process (API workers, Dagster runs, the CLI) opens
the store only inside `hold()`, for one unit of work, and waits at most `timeout` seconds for another.

flock is not fair: a process that releases the lock and takes it again at once (an import going from one
chunk to the next) would starve the others. So a waiter first takes a turnstile lock and keeps it until it
holds the main lock: the importer, passing the turnstile for its next chunk, waits for that waiter's turn.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from coherence_pipelines.errors import StoreBusy


class FileLock:
    def __init__(self, path: Path, timeout: float) -> None:
        self.path = path
        self.turnstile = path.with_name(path.name + ".turnstile")
        self.timeout = timeout
        # flock is per open file, not per thread: threads of one process queue on this lock first,
        # through a turnstile of their own for the same fairness.
        self._threads = threading.Lock()
        self._thread_gate = threading.Lock()

    @contextmanager
    def hold(self) -> Iterator[None]:
        deadline = time.monotonic() + self.timeout
        if not self._thread_gate.acquire(timeout=self.timeout):
            raise StoreBusy()
        try:
            if not self._threads.acquire(timeout=max(deadline - time.monotonic(), 0)):
                raise StoreBusy()
        finally:
            self._thread_gate.release()
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            gate = os.open(self.turnstile, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                self._acquire(gate, deadline)
                try:
                    self._acquire(fd, deadline)
                finally:
                    fcntl.flock(gate, fcntl.LOCK_UN)
                try:
                    yield
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(gate)
                os.close(fd)
        finally:
            self._threads.release()

    def others_waiting(self) -> bool:
        """Whether another thread or process waits for the lock this thread holds: a waiting thread holds
        the thread gate, a waiting process the turnstile."""
        if self._thread_gate.locked():
            return True
        gate = os.open(self.turnstile, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(gate, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        else:
            fcntl.flock(gate, fcntl.LOCK_UN)
            return False
        finally:
            os.close(gate)

    @staticmethod
    def _acquire(fd: int, deadline: float) -> None:
        delay = 0.005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StoreBusy() from None
                time.sleep(delay)
                delay = min(delay * 2, 0.02)
