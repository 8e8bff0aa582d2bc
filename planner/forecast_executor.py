"""Where chunks of series are fitted: in this process, or over a pool of local processes.

The orchestrator hands an executor a function and a list of chunks and reads the results back
in chunk order; the forecasters never know which executor ran them.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from itertools import repeat
from typing import Callable, Iterator


def cpu_count() -> int:
    """Cores this process may use (its affinity mask where the OS has one)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class LocalExecutor:
    """``jobs`` worker processes (all cores by default); one job runs in this process."""

    def __init__(self, jobs: int | None = None):
        self.jobs = jobs if jobs is not None else cpu_count()
        if self.jobs < 1:
            raise ValueError("jobs must be at least 1")

    @property
    def workers(self) -> int:
        return self.jobs

    def map(self, function: Callable, chunks: list, argument) -> Iterator:
        """``function(chunk, argument)`` for each chunk, results in chunk order."""
        if self.jobs == 1 or len(chunks) < 2:
            yield from (function(chunk, argument) for chunk in chunks)
            return
        with ProcessPoolExecutor(max_workers=self.jobs) as pool:
            yield from pool.map(function, chunks, repeat(argument))
