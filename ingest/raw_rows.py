"""The raw text of an export's sheets while it is checked, for the error report's marked rows.

A million-household export would be held twice (its text and its typed tables) through validation and the build.
So each large sheet's text is set aside in an Arrow file once the sheet is typed (release), and when every check
has run only the rows a problem names are read back (keep_rows_with_problems): the report marks them without
reading the export again, and the build runs without the text in memory. The folder (owner-only, like every file
holding ID numbers) is made beside the database, on the disk that holds its versions, and removed at once. Its
name carries the importing process's id: an import killed before its `finally` leaves the folder behind, and the
next import removes it once that process is gone (sweep_stale).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import polars as pl

from ingest.problems import Problems
from ingest.readers import ROW, Export, RawSheet

SPILL_ROWS = 100_000  # smaller sheets stay in memory: writing them out costs more than they hold
PREFIX = ".warroom-raw-"
_OWNED = re.compile(re.escape(PREFIX) + r"(\d+)-[^/]+$")  # .warroom-raw-<pid>-<random>


class RawRows:
    def __init__(self, beside: Path | None = None) -> None:
        self._beside = beside  # where the spill folder is made (None, or not made yet: the system's temp folder)
        self._folder: Path | None = None
        self._files: dict[str, Path] = {}  # by sheet label
        # Written on a second thread while the next sheet is checked (the write lets go of the GIL).
        self._writer: ThreadPoolExecutor | None = None
        self._writes: list[Future] = []
        self._lock = threading.Lock()  # sheets are released from the threads that checked them (ingest/workers.py)
        sweep_stale(self._where())

    def _where(self) -> Path | None:
        """The folder the spill folder goes in (None: the system's temp folder; the first publish has no folder yet)."""
        return self._beside if self._beside is not None and self._beside.is_dir() else None

    def release(self, raw: RawSheet) -> None:
        """Set the sheet's text aside (typed now, it is only needed again for the rows a problem names)."""
        if raw.frame.height < SPILL_ROWS:
            return
        with self._lock:
            if self._folder is None:
                self._folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=self._where()))  # mode 0700
            path = self._folder / f"{len(self._files)}.arrow"
            frame, raw.frame = raw.frame, raw.frame.clear()
            if self._writer is None:
                self._writer = ThreadPoolExecutor(1)
            self._writes.append(self._writer.submit(frame.write_ipc, path, compression="uncompressed"))
            self._files[raw.sheet.label] = path

    def _written(self) -> None:
        """Wait for the files set aside (an error writing one is raised here)."""
        writes, self._writes = self._writes, []
        for write in writes:
            write.result()

    def keep_rows_with_problems(self, export: Export, problems: Problems) -> None:
        """Each sheet of the export cut to the rows (Excel row numbers) that a problem names."""
        located = problems.frame().filter(pl.col("row").is_not_null())
        try:
            self._written()
            for label, raw in export.sheets.items():
                rows = located.filter(pl.col("sheet") == label).select(
                    pl.col("row").cast(raw.frame.schema[ROW]).alias(ROW)).unique()
                if label in self._files and rows.height:
                    raw.frame = _rows_set_aside(self._files[label], rows[ROW])
                else:
                    raw.frame = raw.frame.join(rows, on=ROW, how="semi") if rows.height else raw.frame.clear()
        finally:
            self.close()

    def close(self) -> None:
        if self._writer is not None:  # the writes finish (or fail) before their folder goes
            self._writer.shutdown(wait=True)
            self._writer, self._writes = None, []
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder, self._files = None, {}


_FEW_RUNS = 64  # at most this many runs of neighbouring rows are read one by one; more: the whole file


def _rows_set_aside(path: Path, rows: pl.Series) -> pl.DataFrame:
    """The rows of a sheet set aside whose ROW is in `rows`, in the sheet's order. A sheet's rows are kept in
    ascending ROW: the few rows a problem names are found in that column alone and read by position, not the
    million others with them (3.1M 家庭成员 rows: 0.04 s instead of 0.7)."""
    numbers = pl.read_ipc(path, columns=[ROW])[ROW]
    wanted = rows.unique().sort()
    if numbers.null_count() == 0 and numbers.is_sorted():
        at = numbers.search_sorted(wanted).to_list()
        found = [i for i, row in zip(at, wanted.to_list()) if i < numbers.len() and numbers[i] == row]
        runs: list[list[int]] = []  # [first position, length] of each run of neighbouring rows
        for i in found:
            if runs and runs[-1][0] + runs[-1][1] == i:
                runs[-1][1] += 1
            else:
                runs.append([i, 1])
        if len(runs) <= _FEW_RUNS:
            scan = pl.scan_ipc(path)
            return pl.concat([scan.slice(i, n).collect() for i, n in runs]) if runs else scan.clear().collect()
    return pl.read_ipc(path).join(wanted.to_frame(), on=ROW, how="semi")


def sweep_stale(where: Path | None) -> list[Path]:
    """Remove the spill folders in `where` (None: the system's temp folder) whose importing process is gone, and
    return them. Only folders named as RawRows names them, owned by this user; a folder whose process still runs
    (or whose id now belongs to another running process) is left alone."""
    folder = Path(where) if where is not None else Path(tempfile.gettempdir())
    removed = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = _OWNED.match(entry.name)
        if match is None or not _process_gone(int(match.group(1))):
            continue
        try:
            if not entry.is_dir() or entry.is_symlink() or entry.stat().st_uid != os.getuid():
                continue
        except OSError:
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    return removed


def _process_gone(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OSError):  # alive under another user, or not ours to judge
        return False
    return False
