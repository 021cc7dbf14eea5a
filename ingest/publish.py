"""Versioned database files behind one logical name, switched atomically.

`--db county.duckdb` names a symlink to the version being served (`county.20261122T030000123456.duckdb`).
A new version is built, checkpointed and closed under its own name, then the link is replaced with
os.replace (atomic on POSIX). Nothing ever writes to a file a reader may hold: DuckDB keeps one database
instance per path per process, so a running dashboard sees new data only by opening the new name.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

_VERSION = re.compile(r"^(?P<stem>.+)\.(?P<stamp>\d{8}T\d{12})\.duckdb$")


def _stem(db: Path) -> str:
    return db.name[: -len(".duckdb")] if db.name.endswith(".duckdb") else db.name


def current(db: Path) -> Path | None:
    """The version file being served under the logical name, or None when nothing is published."""
    db = Path(db)
    if db.is_symlink():
        target = db.resolve()
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


def switch(db: Path, version: Path) -> None:
    """Point the logical name at `version` in one atomic step."""
    db = Path(db)
    if db.exists() and not db.is_symlink():
        # A plain file from before versioning: keep it as a version (rename only; its bytes are untouched).
        legacy = new_version_path(db)
        os.replace(db, legacy)
    link = db.parent / f".{db.name}.{os.getpid()}.link"
    if link.is_symlink() or link.exists():
        link.unlink()
    os.symlink(version.name, link)
    os.replace(link, db)
    _fsync_dir(db.parent)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
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
