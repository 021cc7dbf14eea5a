"""Run the .sql files of this folder against a published database version, read-only, into polars.

The only place that executes SQL for the dashboard and the report. Parameters are bound by name
(`$as_of`, `$township`), never formatted into the text. One read-only connection per database version;
each query takes its own cursor, since a DuckDB connection is not for sharing across threads.

DuckDB has no per-query timeout: a timer interrupts the cursor after `timeout` seconds (default 10,
WARROOM_QUERY_TIMEOUT; None = no limit) and the query raises QueryTimeout, so one slow section cannot
hold a page (or a server thread) indefinitely.

Two compositions, never from user input: a line `{{checks_flagged}}` in a query file is replaced by the union of the
rule files queries/checks/*.sql (checks_registry.flagged_union: every flagged record with the dates it is flagged),
so a rule lives in its own file only, and a line `{{<part>}}` by the file queries/parts/<part>.sql (a piece two query
files share, e.g. township_indicators' score and rank, used by the query and by its prepared lookup; parts may
compose parts); and a query listed in the version's `prepared_answers` (built at publish, ingest/prepared.py) for
this date — or for every date, as 数据核查 (ingest/prepared_checks.py) — and these parameters, or in its
`prepared_every_day` (tables of per-day changes, ingest/prepared_days.sql) for any date up to their last one, is
answered by its lookup file queries/prepared/<name>.sql instead of being run over the households.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import threading
from functools import lru_cache
from pathlib import Path

import duckdb
import polars as pl

from ingest import publish

QUERY_DIR = Path(__file__).parent
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
# What one result row is about, declared in every file's header as `-- level: <level>` (queries/scope.py holds
# a township-bound user to their own township for the village and household levels).
LEVELS = ("county", "township", "project", "village", "household")
_LEVEL = re.compile(r"^--\s*level:\s*(\S+)\s*$", re.MULTILINE)


class NoDatabase(LookupError):
    """No published version behind the logical name."""


class QueryTimeout(TimeoutError):
    """A query ran longer than the runner's timeout and was interrupted."""

    def __init__(self, name: str, seconds: float):
        super().__init__(f"查询 {name} 超过 {seconds:g} 秒未完成，已中止")
        self.name, self.seconds = name, seconds


class VersionGone(FileNotFoundError):
    """The version file was pruned before this process opened it (a run pinned it just before a publish)."""


def memory_limit() -> str:
    """DuckDB's memory for one open version: WARROOM_DUCKDB_MEMORY, default 512MB. DuckDB's own default (80 % of
    the machine) lets each open version's buffer pool grow to the size of its file — a gigabyte at province
    scale, in every server process, twice during a publish. Past the limit DuckDB evicts cached blocks (and
    spills a big join to disk) instead of growing; at 1,000,000 households no page query needs more."""
    return os.environ.get("WARROOM_DUCKDB_MEMORY", "512MB").strip() or "512MB"


def default_timeout() -> float | None:
    """Seconds a dashboard query may take: WARROOM_QUERY_TIMEOUT (0 or 'none' = no limit), default 10."""
    raw = os.environ.get("WARROOM_QUERY_TIMEOUT", "10").strip().lower()
    if raw in ("", "0", "none"):
        return None
    return float(raw)


PARTS_DIR = "parts"  # queries/parts/<part>.sql: a piece of SQL composed into query files, never run alone
_PART = re.compile(r"^\s*\{\{([a-z_]+)\}\}\s*$")


def _composed(line: str) -> str:
    part = _PART.match(line)
    if part is None:
        return line
    from queries.checks_registry import marker_sql  # late, as the module reads every rule file when imported

    rules = marker_sql(part[1])  # {{checks_flagged}}: the union of the rule files (checks_registry.marker_sql)
    if rules is not None:
        return rules
    return composed((QUERY_DIR / PARTS_DIR / f"{part[1]}.sql").read_text(encoding="utf-8").rstrip("\n"))


def composed(text: str) -> str:
    """`text` with its `{{checks_flagged}}` and `{{<part>}}` lines replaced (also for SQL kept outside queries/)."""
    return "\n".join(_composed(line) for line in text.splitlines())


@lru_cache(maxsize=None)
def sql_text(name: str) -> tuple[str, frozenset[str]]:
    """The query text of queries/<name>.sql (its `{{checks_flagged}}` and `{{<part>}}` lines composed) and the named
    parameters it uses."""
    text = composed((QUERY_DIR / f"{name}.sql").read_text(encoding="utf-8"))
    without_comments = re.sub(r"--[^\n]*", "", text)
    return text, frozenset(_PARAM.findall(without_comments))


class MissingLevel(ValueError):
    """A query file without a valid `-- level:` header: it is not run (its rows could escape the scope)."""


def level_of(name: str, text: str) -> str:
    """The `-- level:` a query's header declares; MissingLevel when there is none or it is unknown."""
    found = _LEVEL.findall(text)
    if len(found) != 1 or found[0] not in LEVELS:
        raise MissingLevel(f"queries/{name}.sql must declare exactly one `-- level: {'|'.join(LEVELS)}` line")
    return found[0]


PREPARED_DIR = "prepared"  # queries/prepared/<name>.sql: the lookup of <name>'s rows prepared at publish


def params_key(name: str, params: dict) -> str:
    """What a prepared answer of `name` was computed with, as stored in prepared_answers.params: the parameters
    besides as_of, and a digest of the query's text (so a rule file changed by an upgrade is not answered from a
    version prepared with the old one)."""
    digest = hashlib.sha256(sql_text(name)[0].encode("utf-8")).hexdigest()[:16]
    values = {k: v for k, v in params.items() if k != "as_of"}
    return json.dumps({"params": values, "sql": digest}, sort_keys=True, default=str)


# A prepared_answers row with as_of NULL answers `query` at every date (ingest/prepared_checks.py): its lookup reads
# these parameters itself from a table holding all their values, so only the others must match what was prepared.
ANY_DATE_PARAMS = frozenset({"as_of", "township", "rule_id", "weeks"})

PREPARED_DAYS_SQL = Path(publish.__file__).with_name("prepared_days.sql")  # the per-day tables built at publish


@lru_cache(maxsize=None)
def every_day_key(name: str) -> str:
    """What a version's per-day tables answer `name` with, as stored in prepared_every_day.digest: a digest of the
    query, of its lookup and of the SQL that builds the tables, so a version prepared by other files (an upgrade
    that changed any of them) runs the query itself."""
    texts = (sql_text(name)[0], sql_text(f"{PREPARED_DIR}/{name}")[0], PREPARED_DAYS_SQL.read_text(encoding="utf-8"))
    return hashlib.sha256("\x00".join(texts).encode("utf-8")).hexdigest()[:16]


def _connect(version: Path) -> duckdb.DuckDBPyConnection:
    # SET, not connect(config=…): DuckDB refuses a second in-process connection to a file opened with another
    # configuration (数据导入 reads the served version in the server's process).
    con = duckdb.connect(str(version), read_only=True)
    con.execute("SET memory_limit = $limit", {"limit": memory_limit()})
    return con


class Database:
    """A read-only view of one published version.

    `release()` closes the connection once the queries running on it have finished (the dashboard releases
    a version its cache no longer holds); a query that arrives after that opens its own short-lived
    connection, and raises VersionGone if the file has been pruned meanwhile.
    """

    def __init__(self, version: Path, timeout: float | None = ..., use_prepared: bool = True):
        self.version = Path(version)
        self.use_prepared = use_prepared  # False: always run the query itself (the equality tests compare both)
        self.timeout = default_timeout() if timeout is ... else timeout
        if not self.version.exists():
            raise VersionGone(f"数据库版本 {self.version.name} 已不存在")
        self._con = _connect(self.version)
        self._lock = threading.Lock()
        self._active = 0
        self._released = False
        self._prepared: dict[tuple[str, dt.date | None], str] | None = None
        self._every_day: dict[str, tuple[str, dt.date]] | None = None

    @classmethod
    def open(cls, db: Path) -> "Database":
        version = publish.current(Path(db))
        if version is None:
            raise NoDatabase(f"数据库 {db} 不存在或尚未发布任何版本")
        return cls(version)

    def run(self, name: str, **params) -> pl.DataFrame:
        text, wanted = sql_text(name)
        level_of(name, text)
        missing = wanted - params.keys()
        if missing:
            raise TypeError(f"query {name} needs parameters: {', '.join(sorted(missing))}")
        bound = {k: v for k, v in params.items() if k in wanted}
        if self.is_prepared(name, bound):
            name = f"{PREPARED_DIR}/{name}"
            text, wanted = sql_text(name)
            bound = {k: v for k, v in bound.items() if k in wanted}
        with self._lock:
            released = self._released
            if not released:
                self._active += 1
        if released:  # taken from a cache just before it let this version go: a connection of its own
            with Database(self.version, self.timeout, self.use_prepared) as own:
                return own.run(name, **params)
        try:
            return self._run(self._con, name, text, bound)
        finally:
            with self._lock:
                self._active -= 1
                close = self._released and self._active == 0
            if close:
                self._con.close()

    def _run(self, con, name: str, text: str, params: dict) -> pl.DataFrame:
        cursor = con.cursor()
        timer = None
        timed_out = threading.Event()
        if self.timeout is not None:
            def interrupt() -> None:
                timed_out.set()
                cursor.interrupt()

            timer = threading.Timer(self.timeout, interrupt)
            timer.daemon = True
            timer.start()
        try:
            return cursor.sql(text, params=params).pl()
        except duckdb.Error as exc:
            if timed_out.is_set():
                raise QueryTimeout(name, self.timeout) from exc
            raise
        finally:
            if timer is not None:
                timer.cancel()
            cursor.close()

    def is_prepared(self, name: str, bound: dict) -> bool:
        """True when this version holds `name`'s answer for exactly these parameters (ingest/prepared.py), or the
        per-day tables that answer it at any date up to their last one, with any parameters (ingest/prepared_days.py)."""
        if not self.use_prepared or "as_of" not in bound:
            return False
        as_of = bound["as_of"]
        if isinstance(as_of, dt.datetime):
            as_of = as_of.date()
        as_of = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(str(as_of))
        if self._every_day is None:
            self._every_day = self._every_day_index()
        if name in self._every_day:
            digest, last_day = self._every_day[name]
            if as_of <= last_day and digest == every_day_key(name):
                return True
        if self._prepared is None:
            self._prepared = self._prepared_index()
        every_date = self._prepared.get((name, None))
        if every_date is not None and every_date == params_key(
                name, {k: v for k, v in bound.items() if k not in ANY_DATE_PARAMS}):
            return True
        return self._prepared.get((name, as_of)) == params_key(name, bound)

    def _prepared_index(self) -> dict[tuple[str, dt.date | None], str]:
        try:  # a version published before issue 18 has no prepared answers
            rows = self.run("prepared_answers")
        except duckdb.CatalogException:
            return {}
        return {(q, d): p for q, d, p in rows.iter_rows()}

    def _every_day_index(self) -> dict[str, tuple[str, dt.date]]:
        """The queries this version answers at any date up to a last one from its per-day tables
        (ingest/prepared_days.sql), with the digest of the files they were built for."""
        try:  # a version published before them has none (or a catalogue of another shape: ignored too)
            return {q: (digest, last_day) for q, digest, last_day in self.run("prepared_every_day").iter_rows()}
        except (duckdb.CatalogException, duckdb.BinderException):
            return {}

    def data_as_of(self) -> dt.date | None:
        return self.run("data_as_of")["as_of"][0]

    def release(self) -> None:
        """Close now if idle, else as soon as the last running query finishes."""
        with self._lock:
            self._released = True
            close = self._active == 0
        if close:
            self._con.close()

    def close(self) -> None:
        self.release()

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
