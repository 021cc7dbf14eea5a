"""Wall time of the phases of one import, for `python -m ingest load --verbose` (where the minutes of a
province-scale publish go). Nothing is recorded unless the command line asked for it (`start`).

Some phases run on worker threads beside one another (ingest/workers.py: sheets read and checked two at a time).
The process's CPU time over such a phase holds the other threads' work too, and polars computes on its own pool,
not on the calling thread, so no clock tells a worker's share: those phases are listed with their wall time only
(CPU None), and the block that holds them with the CPU of the whole process."""

from __future__ import annotations

import contextlib
import functools
import threading
import time

_phases: list[tuple[str, float, float | None]] | None = None  # (name, wall seconds, CPU seconds of the process)
_local = threading.local()  # .beside: this thread's phases run next to others (their CPU is not theirs alone)


def start() -> None:
    """Record the phases from now on (the command line's --verbose)."""
    global _phases
    _phases = []


@contextlib.contextmanager
def phase(name: str):
    """Time the block as `name` (wall and CPU time; a phase holding others is listed after them)."""
    started, cpu = time.perf_counter(), time.process_time()
    try:
        yield
    finally:
        if _phases is not None:
            shared = getattr(_local, "beside", False)
            _phases.append((name, time.perf_counter() - started, None if shared else time.process_time() - cpu))


def beside_others(fn):
    """fn as run on a worker thread next to other work: the phases it times are listed without CPU."""
    @functools.wraps(fn)
    def run(*args, **kwargs):
        before = getattr(_local, "beside", False)
        _local.beside = True
        try:
            return fn(*args, **kwargs)
        finally:
            _local.beside = before
    return run


def recorded() -> list[tuple[str, float, float | None]]:
    return list(_phases or [])
