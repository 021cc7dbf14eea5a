"""Backup and restore of one logical database: the served version and the sidecar stores beside it.

A backup is taken while the dashboard runs. The served DuckDB version is immutable once published (ingest
never writes a published file), so a byte copy is consistent. The sidecar SQLite stores (accounts and audit,
整改销号, …) are written by the running dashboard, so they are copied with SQLite's online backup API, which
yields a consistent snapshot even mid-write (a plain file copy could tear a page or miss the WAL).

Layout of a backup folder (`<stem>-backup-<YYYYmmddTHHMMSS>/`): the version file, each sidecar store, the
clerk's small files beside the database (boundary name mapping, ranking weights in the installed layout), and
`manifest.json` naming the logical database, the served version and the sha256 of every file. Restore checks
every checksum before it changes anything, then copies the version in, restores the sidecars the same way
(online, so a running dashboard never reads a torn store) and points the logical name at the restored version.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from ingest import publish

MANIFEST = "manifest.json"
FORMAT = 1


class BackupError(RuntimeError):
    """A backup or restore that cannot proceed; the message is for the county's IT staff, in Chinese."""


@dataclass(frozen=True)
class Backup:
    folder: Path
    version: str
    sidecars: tuple[str, ...]


def _stem(db: Path) -> str:
    return db.name[: -len(".duckdb")] if db.name.endswith(".duckdb") else db.name


def sidecars(db: Path) -> list[Path]:
    """The SQLite stores beside the logical database (`county.access.sqlite`, `county.rectify.sqlite`, …)."""
    db = Path(db)
    return sorted(p for p in db.parent.glob(f"{_stem(db)}.*.sqlite") if p.is_file())


def side_files(db: Path) -> list[Path]:
    """The clerk's small files beside it: the boundary name mapping (`county.boundary_names.csv`) and, in the
    installed layout (deploy/run.sh), the edited ranking weights `weights.toml`."""
    db = Path(db)
    found = [p for pattern in (f"{_stem(db)}.*.csv", f"{_stem(db)}.*.toml", "weights.toml")
             for p in db.parent.glob(pattern) if p.is_file()]
    return sorted(set(found))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (WAL included), via the online backup API."""
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def backup(db: Path, to: Path, now: dt.datetime | None = None) -> Backup:
    """Write a consistent copy of what `db` serves now, and its sidecar stores, into a new folder under `to`."""
    db = Path(db)
    served = publish.current(db)
    if served is None:
        raise BackupError(f"{db} 没有正在使用的数据版本，无法备份。")
    stamp = (now or dt.datetime.now()).strftime("%Y%m%dT%H%M%S")
    folder = Path(to) / f"{_stem(db)}-backup-{stamp}"
    if folder.exists():
        raise BackupError(f"备份目录 {folder} 已存在，请稍后再试或换一个目录。")
    staging = folder.with_name(folder.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True, mode=0o700)
    try:
        shutil.copyfile(served, staging / served.name)
        names = []
        for store in sidecars(db):
            _sqlite_copy(store, staging / store.name)
            names.append(store.name)
        for small in side_files(db):
            shutil.copyfile(small, staging / small.name)
            names.append(small.name)
        files = {p.name: _sha256(p) for p in sorted(staging.iterdir())}
        manifest = {"format": FORMAT, "database": db.name, "version": served.name, "sidecars": names,
                    "created": (now or dt.datetime.now()).isoformat(timespec="seconds"), "sha256": files}
        (staging / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        staging.rename(folder)  # a folder without .partial is complete
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Backup(folder, served.name, tuple(names))


def read_manifest(folder: Path) -> dict:
    """The manifest of a backup folder, after checking every file against its checksum."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{folder} 不是备份目录（没有 {MANIFEST}）。") from None
    except json.JSONDecodeError as exc:
        raise BackupError(f"{folder / MANIFEST} 已损坏：{exc}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{folder} 的备份格式（{manifest.get('format')}）不是本版本能恢复的格式 {FORMAT}。")
    for name, expected in manifest["sha256"].items():
        path = folder / name
        if not path.is_file():
            raise BackupError(f"备份不完整：缺少 {name}。")
        if _sha256(path) != expected:
            raise BackupError(f"备份已损坏：{name} 的校验值不符。")
    return manifest


def restore(folder: Path, db: Path, force: bool = False) -> Backup:
    """Bring a backup back under the logical name `db` (an empty folder, or with force over existing data).

    Nothing changes until every checksum holds. The version file is copied in under its own name (a reader
    never sees it half-written: it is copied to a temporary name first) and then served; the previous version,
    if any, stays on disk for `ingest rollback`.
    """
    folder, db = Path(folder), Path(db)
    manifest = read_manifest(folder)
    existing = [p.name for p in sidecars(db) + side_files(db)] + \
        ([publish.current(db).name] if publish.current(db) else [])
    if existing and not force:
        raise BackupError(f"{db.parent} 中已有数据（{'、'.join(existing)}）。确认要用备份覆盖账户、整改清单"
                          "并切换到备份的数据版本，请加 --force。")
    db.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    version = db.parent / manifest["version"]
    if not version.exists():
        partial = version.with_name(f".{version.name}.restoring")
        shutil.copyfile(folder / manifest["version"], partial)
        partial.replace(version)
    for name in manifest["sidecars"]:
        if name.endswith(".sqlite"):
            _sqlite_copy(folder / name, db.parent / name)  # online: a running dashboard never reads it torn
        else:
            staged = db.parent / f".{name}.restoring"
            shutil.copyfile(folder / name, staged)
            staged.replace(db.parent / name)
    publish.switch(db, version)
    return Backup(folder, manifest["version"], tuple(manifest["sidecars"]))
