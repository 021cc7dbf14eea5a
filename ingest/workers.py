"""Two worker threads for the independent parts of an import (each file read and its sheet checked, the
cross-sheet checks): on a 2-core server one part alone keeps ~1.3 cores busy, two together both.

Polars and hashlib let go of the GIL while they compute, so threads suffice (no processes: the million-row
frames would be copied). Each part says what it found into a Problems of its own, which the caller takes in a
fixed order: the problem list never depends on which part finished first.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, Hashable, TypeVar

from ingest.timing import beside_others

WORKERS = 2
T = TypeVar("T")


class Workers:
    def __init__(self, workers: int = WORKERS) -> None:
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="ingest")

    def start(self, tasks: dict[Hashable, tuple[float, Callable[[], T]]]) -> dict[Hashable, Future[T]]:
        """Start the tasks (key -> (size, fn)), the largest first so that the two threads end close together;
        the futures by key (a task's exception is raised by its future's result())."""
        order = sorted(tasks, key=lambda k: -tasks[k][0])  # sorted() is stable: equal sizes keep their order
        return {key: self._pool.submit(beside_others(tasks[key][1])) for key in order}

    def close(self) -> None:
        """Wait for the running tasks; the ones not started are dropped (an error stopped the caller)."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def in_order(tasks: list[tuple[float, Callable[[], T]]], workers: Workers | None = None) -> list[T]:
    """Each task's result, in the tasks' order, the tasks run on worker threads (`workers`, or two of their own)."""
    if workers is None:
        with Workers() as own:
            return in_order(tasks, own)
    futures = workers.start(dict(enumerate(tasks)))
    return [futures[i].result() for i in range(len(tasks))]
