"""Where chunks of series are fitted: in this process, a pool of local processes, or a Dask cluster.

The orchestrator hands an executor a function and a list of chunks and reads the results back
in chunk order; the forecasters never know which executor ran them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from itertools import repeat


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


class ExecutorUnavailable(RuntimeError):
    """The requested executor cannot run: dask is not installed, or the cluster is unreachable."""


class DaskExecutor:
    """Chunks of series as tasks on a Dask distributed cluster (one task per chunk, not per series).

    Connects to ``address`` (tcp://HOST:PORT of a scheduler), or starts a local cluster of
    ``workers`` single-threaded worker processes when no address is given. Use it as a context
    manager so a local cluster is shut down afterwards.
    """

    def __init__(self, address: str | None = None, workers: int | None = None):
        self.address = address
        self.local_workers = workers

    def __enter__(self) -> DaskExecutor:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ExecutorUnavailable("the dask executor needs dask: pip install 'planner[dask]'") from None
        try:
            if self.address:
                self.client_ = Client(self.address, timeout="10s")
            else:
                cluster = LocalCluster(
                    n_workers=self.local_workers or cpu_count(),
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                )
                self.client_ = Client(cluster)
        except (OSError, TimeoutError) as error:
            raise ExecutorUnavailable(f"cannot reach the Dask scheduler at {self.address}: {error}") from None
        return self

    def __exit__(self, *exc) -> None:
        cluster = self.client_.cluster
        self.client_.close()
        if cluster is not None:
            cluster.close()

    @property
    def workers(self) -> int:
        return max(len(self.client_.scheduler_info().get("workers", {})), 1)

    def map(self, function: Callable, chunks: list, argument) -> Iterator:
        """``function(chunk, argument)`` for each chunk on the cluster, results in chunk order.

        The chunks travel inside the task graph: each goes once, to the worker that runs it, so
        Dask's warning about a large graph (83 MiB at 50,000 series) gives a planner nothing to do.
        """
        import dask

        shared = self.client_.scatter(argument, broadcast=True)
        with dask.config.set({"distributed.admin.large-graph-warning-threshold": "1TB"}):
            futures = self.client_.map(function, chunks, [shared] * len(chunks), pure=False)
        for future in futures:
            yield future.result()


def make_executor(kind: str = "local", *, jobs: int | None = None, address: str | None = None):
    """A context manager yielding the executor the command line asked for."""
    if kind == "dask":
        return DaskExecutor(address or os.environ.get("PLANNER_DASK_ADDRESS") or None, jobs)
    return nullcontext(LocalExecutor(jobs))
