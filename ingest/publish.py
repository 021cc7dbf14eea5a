"""Versioned database files behind one logical name, switched atomically.

`--db county.duckdb` names the logical database; the version being served
(`county.20261122T030000123456.duckdb`) is named by a pointer file beside it, `county.duckdb.current`, which
holds the version's file name. A new version is built, checkpointed and closed under its own name, then the
pointer is replaced with os.replace: atomic on POSIX and on Windows, and needing no symlink rights (which
Windows grants only to administrators and some network shares refuse). Nothing ever writes to a file a
reader may hold: DuckDB keeps one database instance per path per process, so a running dashboard sees new
data only by opening the new name.

Where the system allows it, `county.duckdb` is also kept as a symlink to the served version, so that the
DuckDB shell and other tools can still open the logical name. The pointer wins when the two disagree;
folders from before the pointer (a symlink only, or a plain database file) are read as they are.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_VERSION = re.compile(r"^(?P<stem>.+)\.(?P<stamp>\d{8}T\d{12})\.duckdb$")


def _stem(db: Path) -> str:
    return db.name[: -len(".duckdb")] if db.name.endswith(".duckdb") else db.name


POINTER_SUFFIX = ".current"


def pointer_path(db: Path) -> Path:
    """`data/county.duckdb` -> `data/county.duckdb.current`."""
    db = Path(db)
    return db.parent / f"{db.name}{POINTER_SUFFIX}"


def served_name(db: Path) -> str | None:
    """The file name the logical name points at (pointer first, then a symlink), whether or not it exists."""
    db = Path(db)
    try:
        name = pointer_path(db).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        name = ""
    if name:
        return name
    if db.is_symlink():
        return os.readlink(db)
    return None


def current(db: Path) -> Path | None:
    """The version file being served under the logical name, or None when nothing is published."""
    db = Path(db)
    name = served_name(db)
    if name is not None:
        target = (db.parent / name).resolve()
        return target if target.exists() else None
    return db if db.exists() else None


def versions(db: Path) -> list[Path]:
    """All version files of this logical name, oldest first."""
    db = Path(db)
    stem = _stem(db)
    found = []
    for p in db.parent.glob(f"{stem}.*.duckdb"):
        m = _VERSION.match(p.name)
        if m and m["stem"] == stem:
            found.append(p)
    return sorted(found, key=lambda p: _VERSION.match(p.name)["stamp"])


def new_version_path(db: Path) -> Path:
    db = Path(db)
    db.parent.mkdir(parents=True, exist_ok=True)
    while True:
        stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")
        path = db.parent / f"{_stem(db)}.{stamp}.duckdb"
        if not path.exists():
            return path


@contextmanager
def building(db: Path) -> Iterator[tuple[Path, Path]]:
    """(where to build, the version it becomes): the block builds and closes the file at the first path; on a
    clean exit it is renamed to the second and served (`switch`). Anything raised in the block (a conflict
    check included) removes the half-built file, and the served version stays."""
    version = new_version_path(db)
    target = version.with_name(f".{version.name}.building")
    try:
        yield target, version
        os.replace(target, version)
        switch(db, version)
    except BaseException:
        target.unlink(missing_ok=True)
        Path(f"{target}.wal").unlink(missing_ok=True)
        raise


def tables_in_order(con, database: str) -> list[str]:
    """The tables of an open or attached version, in the order they were created (schema.sql's: parents first)."""
    return [row[0] for row in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' ORDER BY table_oid",
        [database]).fetchall()]


def switch(db: Path, version: Path) -> None:
    """Point the logical name at `version` in one atomic step (the pointer), then refresh the symlink."""
    db = Path(db)
    if db.exists() and not db.is_symlink():
        # A plain file from before versioning: keep it as a version (rename only; its bytes are untouched).
        legacy = new_version_path(db)
        os.replace(db, legacy)
    _replace_pointer(db, version.name)
    _refresh_symlink(db, version.name)
    _fsync_dir(db.parent)


def _replace_pointer(db: Path, name: str) -> None:
    pointer = pointer_path(db)
    staging = pointer.parent / f".{pointer.name}.{os.getpid()}.tmp"
    with open(staging, "w", encoding="utf-8") as f:
        f.write(name + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(staging, pointer)


def _refresh_symlink(db: Path, name: str) -> None:
    """Best effort: a convenience for tools that open the logical name; the pointer is what counts."""
    link = db.parent / f".{db.name}.{os.getpid()}.link"
    try:
        if link.is_symlink() or link.exists():
            link.unlink()
        os.symlink(name, link)
        os.replace(link, db)
    except OSError:
        link.unlink(missing_ok=True)


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable (POSIX); Windows cannot open a folder and needs no such step."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def prune(db: Path, keep: int) -> list[Path]:
    """Delete all but the served version and the `keep` versions before it. Returns what was removed."""
    served = current(db)
    all_versions = versions(db)
    if served is None or served not in all_versions:
        return []
    idx = all_versions.index(served)
    keep_set = set(all_versions[max(0, idx - keep): idx + 1]) | set(all_versions[idx + 1:])
    removed = []
    for p in all_versions:
        if p not in keep_set:
            p.unlink(missing_ok=True)
            Path(f"{p}.wal").unlink(missing_ok=True)
            removed.append(p)
    return removed


def rollback(db: Path) -> Path:
    """Serve the version before the current one. Raises LookupError when there is none."""
    served = current(db)
    all_versions = versions(db)
    if served is None or served not in all_versions or all_versions.index(served) == 0:
        raise LookupError("没有更早的版本可以回滚")
    previous = all_versions[all_versions.index(served) - 1]
    switch(db, previous)
    return previous


def serve(db: Path, name: str) -> Path:
    """Serve the kept version `name` (a file name from `versions`). Raises LookupError when it is not one."""
    for version in versions(db):
        if version.name == name:
            switch(db, version)
            return version
    raise LookupError(f"没有名为 {name} 的版本")
