"""Owner-only files and folders for what holds secrets or personal data (个人信息保护法: least access).

The access store (cookie-signing secret, bcrypt hashes), the DuckDB versions (full ID numbers), the sidecar
SQLite files and the upload staging folder must not be readable by the other local users of the server.
Two layers: the writing processes (dashboard, `python -m ingest`, `python -m admin`) run with umask 077, so
every file they create (DuckDB and SQLite journals included) starts owner-only; and the writers set the
mode explicitly on the files they know, which also repairs files made by an earlier, laxer release.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700
UMASK = 0o077


def owner_only_umask() -> None:
    """Make every file this process creates from now on owner-only (call first in an entry point)."""
    os.umask(UMASK)


def restrict(path: Path | str, mode: int = FILE_MODE) -> None:
    """chmod an existing file of ours to `mode`; a file owned by someone else (or gone) is left alone."""
    try:
        if Path(path).stat().st_mode & 0o777 != mode:
            os.chmod(path, mode)
    except (FileNotFoundError, PermissionError):
        pass


def private_file(path: Path | str) -> Path:
    """Create `path` empty and owner-only if it does not exist (no moment where it is world-readable);
    restrict it if it does."""
    path = Path(path)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE))
    except FileExistsError:
        pass
    restrict(path)
    return path


def private_dir(path: Path | str) -> Path:
    """mkdir -p with the last folder owner-only (0700), repairing an existing one."""
    path = Path(path)
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode) or info.st_uid != os.getuid():  # e.g. planted in /tmp by another local user
        raise PermissionError(f"文件夹 {path} 不属于本程序的运行账户（或是符号链接），拒绝在其中保存数据")
    restrict(path, DIR_MODE)
    return path
