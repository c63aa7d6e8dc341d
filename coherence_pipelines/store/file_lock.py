"""A bounded, inter-process exclusive lock: how processes take turns with the embedded DuckDB file.

DuckDB admits one writing process per file. Every process (API workers, Dagster runs, the CLI) opens
the store only inside `hold()`, for one unit of work, and waits at most `timeout` seconds for another.
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
        self.timeout = timeout
        # flock is per open file, not per thread: threads of one process queue on this lock first.
        self._threads = threading.Lock()

    @contextmanager
    def hold(self) -> Iterator[None]:
        deadline = time.monotonic() + self.timeout
        if not self._threads.acquire(timeout=self.timeout):
            raise StoreBusy()
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                self._acquire(fd, deadline)
                try:
                    yield
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
        finally:
            self._threads.release()

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
                delay = min(delay * 2, 0.1)
