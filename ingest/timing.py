"""Wall time of the phases of one import, for `python -m ingest load --verbose` (where the minutes of a
province-scale publish go). Nothing is recorded unless the command line asked for it (`start`)."""

from __future__ import annotations

import contextlib
import time

_phases: list[tuple[str, float, float]] | None = None  # (name, wall seconds, CPU seconds of the process)


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
            _phases.append((name, time.perf_counter() - started, time.process_time() - cpu))


def recorded() -> list[tuple[str, float, float]]:
    return list(_phases or [])
