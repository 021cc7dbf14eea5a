"""SQLite files beside (never inside) the served data: what must outlive every import, publish and rollback.

The served DuckDB versions are read-only and replaced on each import, so the accounts and audit trail
(access/store.py) and the rectification list (rectification/store.py) live in `<db stem>.<name>.sqlite` next
to the logical database name. SQLite serialises the few writes from concurrent sessions. They hold password
hashes, the cookie-signing secret and names, so they are owner-only (0600; SQLite gives its -wal and -shm
files the database file's mode).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from access.files import private_file, restrict

_PREPARED: set[str] = set()  # files this process made owner-only and WAL already (once per file, not per query)


def sidecar_path(db: Path, name: str) -> Path:
    """`data/county.duckdb`, "access" -> `data/county.access.sqlite`."""
    db = Path(db)
    stem = db.name[: -len(".duckdb")] if db.name.endswith(".duckdb") else db.name
    return db.parent / f"{stem}.{name}.sqlite"


def connect(path: Path) -> sqlite3.Connection:
    """WAL, so that readers (page runs) never wait for a writer; a writer waits up to 10 s for another."""
    first = str(path) not in _PREPARED
    if first:
        private_file(path)
        for journal in ("-wal", "-shm", "-journal"):
            restrict(f"{path}{journal}")
    con = sqlite3.connect(path, timeout=10)
    if first:  # WAL is a property of the file: once per process is enough (it was a statement on every query)
        con.execute("PRAGMA journal_mode=WAL")
        _PREPARED.add(str(path))
    return con
