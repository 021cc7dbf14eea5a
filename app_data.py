"""The dashboard's one door to the data: which database version is served, and cached query results.

Pages call `run(...)`/`indicators(...)`; they never open the database. Results are cached per
(query, parameters, database version). The version is resolved once at the start of each script run
(`pin_version`), so one page view never mixes an old and a new version even if the data office
publishes mid-run; the next interaction picks the new version up, without a restart.

Memory is bounded: results by pickled size and age (`_cached`), open versions by count (`_database`, an
evicted version's connection is closed once its running queries finish). A served file that is missing or
cannot be opened is reported by `fault()` with the readable older versions, one of which a session may
browse (`use_fallback`) until the data office rolls back.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import streamlit as st

import settings as settings_module
from ingest import publish
from ingest.derived import DIGEST_KEY, derived_digest
from queries.indicators import township_indicators
from access.roles import VIEWER
from access.store import AccessStore, store_path
from components.privacy import mask_result
from queries import scope
from queries.runner import Database, VersionGone, sql_text

DEMO_DB = Path(__file__).parent / "data" / "demo" / "county.duckdb"
_VERSION_KEY = "_db_version"
_SHELL_KEY = "_shell"
_FALLBACK_KEY = "_db_fallback"
# Bounds of the result cache (README "性能"): the largest page result at 1,000,000 households is
# risk_households for the county (38,900 rows, bench/README.md), so this holds many sessions' views; an old
# version's entries, never asked for again, age out.
RESULT_CACHE_MAX_SIZE = "512MB"
RESULT_CACHE_TTL = "6h"


def configured_db() -> Path | None:
    """--db after `streamlit run dashboard.py --`, else WARROOM_DB; None means: serve the demo county."""
    args = sys.argv[1:]
    if "--db" in args and args.index("--db") + 1 < len(args):
        return Path(args[args.index("--db") + 1])
    env = os.environ.get("WARROOM_DB")
    return Path(env) if env else None


def db_path() -> Path:
    return configured_db() or DEMO_DB


@st.cache_resource(show_spinner=False)
def _build_lock() -> threading.Lock:
    return threading.Lock()


def ensure_demo(path: Path) -> None:
    """Build the demo county on first start, with visible progress; concurrent first visitors wait for it."""
    from ingest.demo import write_demo
    from ingest.load import load

    with _build_lock():
        if publish.current(path) is not None:
            return
        bar = st.progress(0.0, text="首次启动：正在生成演示县数据……")
        with tempfile.TemporaryDirectory(prefix="warroom-demo-") as tmp:
            write_demo(Path(tmp))
            bar.progress(0.3, text="正在校验并导入演示数据……")
            result = load(Path(tmp), path, user="demo", mode="demo", meta={"is_demo": "true"},
                          progress=lambda f, text: bar.progress(0.3 + 0.7 * f, text=f"导入演示数据：{text}"))
        bar.empty()
        if result.published is None:
            raise RuntimeError("演示数据生成失败")


def pin_version() -> Path | None:
    """Resolve the served version for this script run; build the demo first when nothing is configured."""
    path = db_path()
    version = publish.current(path)
    if version is None and configured_db() is None:
        ensure_demo(path)
        version = publish.current(path)
    fallback = st.session_state.get(_FALLBACK_KEY)
    if fallback is not None:
        if (version is None or probe(version) is not None) and Path(fallback).exists():
            version = Path(fallback)  # this session chose to browse the last good version
        else:
            del st.session_state[_FALLBACK_KEY]  # the data office has repaired the served file
    st.session_state[_VERSION_KEY] = str(version) if version else None
    return version


def _release(db: Database) -> None:
    db.release()


# Two versions in use at a time (the new one, and the old one of runs that pinned it just before a publish);
# a third in case a rollback follows. Evicted ones close once idle; their file may already be pruned.
@st.cache_resource(max_entries=3, show_spinner=False, on_release=_release)
def _database(version: str) -> Database:
    return Database(Path(version))


@st.cache_data(max_entries=2048, max_size=RESULT_CACHE_MAX_SIZE, ttl=RESULT_CACHE_TTL, show_spinner=False)
def _cached(version: str, name: str, params: tuple) -> pl.DataFrame:
    return _database(version).run(name, **dict(params))


@st.cache_data(max_entries=256, max_size="64MB", ttl=RESULT_CACHE_TTL, show_spinner=False)
def _cached_indicators(version: str, as_of: dt.date, ranking: tuple, _config: settings_module.Settings) -> pl.DataFrame:
    """`ranking` (weights and lag threshold) is the cache key of the part of the config the result uses."""
    return township_indicators(_database(version), as_of, _config)


def require_shell() -> None:
    """First statement of every page: a page that runs without dashboard.py (and its login) stops here."""
    if _SHELL_KEY not in st.session_state:
        leave_pages_directory_mode()


def _version() -> str:
    require_shell()
    version = st.session_state.get(_VERSION_KEY)
    if not version:
        version = str(pin_version())
    return version


def shell_started() -> None:
    """Called first by dashboard.py on every run: marks that this session runs pages through the shell.

    """
    st.session_state[_SHELL_KEY] = True


def leave_pages_directory_mode() -> None:
    """A page ran without the shell (and so without login): never serve it data.

    Streamlit assumes a v1 multipage app while a pages/ folder exists and no session has called
    st.navigation yet, so the first visit after a start that deep-links to /households would run
    pages/households.py alone. Switch the process to st.navigation mode, as the shell's first call
    would, and rerun: dashboard.py then runs, asks for the login and routes the URL itself.
    """
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False
    st.rerun()


def run(name: str, **params) -> pl.DataFrame:
    """Result of queries/<name>.sql with these named parameters, on the version pinned for this run, with
    names and 身份证号 masked as the signed-in role requires (components.privacy.mask_result).

    Raises queries.scope.Withheld (OutOfScope: a township-bound user asks for another township's villages or
    households; SummaryOnly: 只读演示 asks for household rows) — pages use `detail` to show a note instead.
    """
    user = st.session_state.get("user")
    role = user.role if user is not None else st.session_state.get("role", VIEWER)
    try:
        params = scope.enforce(name, params, user.household_scope if user is not None else None,
                               summary_only=role == VIEWER)
    except scope.OutOfScope as exc:
        _audit_refusal(exc)
        raise
    try:
        return mask_result(_cached(_version(), name, tuple(sorted(params.items()))), role)
    except VersionGone:
        _repin()


def run_later(name: str, **params) -> Callable[[], pl.DataFrame]:
    """run() for a download that is written only when clicked: scope, role and version are settled now, in the
    page's run; the query itself runs later in Streamlit's download thread (which has no session to ask)."""
    user = st.session_state.get("user")
    role = user.role if user is not None else st.session_state.get("role", VIEWER)
    params = scope.enforce(name, params, user.household_scope if user is not None else None,
                           summary_only=role == VIEWER)
    version = _version()
    return lambda: mask_result(_cached(version, name, tuple(sorted(params.items()))), role)


def detail(name: str, **params) -> pl.DataFrame | None:
    """`run`, for village- and household-level detail: where the user may not see it, a short note on the page
    (the township's own figures stay on it) and None instead of an error."""
    try:
        return run(name, **params)
    except scope.Withheld as exc:
        withheld_note(exc)
        return None


def detail_township(name: str, township: str) -> str | None:
    """The township whose rows `detail(name, township=...)` lists for the signed-in user: the one asked for, the
    user's own where a township-bound user asks for the whole county ('ALL' is narrowed in the query layer), or
    None where the detail is withheld. A page labels what it lists with this (no query runs, nothing audited)."""
    user = st.session_state.get("user")
    role = user.role if user is not None else st.session_state.get("role", VIEWER)
    try:
        return scope.enforce(name, {"township": township}, user.household_scope if user is not None else None,
                             summary_only=role == VIEWER).get("township", township)
    except scope.Withheld:
        return None


def withheld_note(exc: scope.Withheld) -> None:
    from components.text import md  # late: components import app_data

    if isinstance(exc, scope.OutOfScope):
        names = dict(zip(*townships().select("township_code", "township_name").to_dict(as_series=False).values()))
        text = (f"{md(names.get(exc.township, exc.township))}的村级和农户明细只对该乡镇和县级账户开放"
                "（乡镇汇总数字照常显示）。在侧栏选回本乡镇即可查看本乡镇的明细。")
    else:
        text = exc.message
    st.info(text, icon=":material/lock:")


def _audit_refusal(exc: scope.OutOfScope) -> None:
    """A refused attempt on another township's detail (issue 15 §6): one row per session, query and township
    asked, not one per rerun of the page."""
    from access import audit as audit_trail

    audit_trail.record_once(f"out-of-scope:{exc.name}:{exc.township}", audit_trail.OUT_OF_SCOPE,
                            f"{exc.name}：{exc}", success=False)


def indicators(as_of: dt.date) -> pl.DataFrame:
    """township_indicators at D (townships, then the ALL row)."""
    config = settings_module.load()
    try:
        return _cached_indicators(_version(), as_of, tuple(sorted(config.ranking_params().items())), config)
    except VersionGone:
        _repin()


# -- What a page builds from the data alone (issue 18: once per data version, not once per view) ----------
# Bounds: at 1,000,000 households a 周调度 week pickles to 3.5 MB, a 综合排名 standing to 1.9 MB, a 季讲评 score
# to 0.7 MB; the load test's 5 dates × 3 pages × 2 versions (during a publish) are ~30 entries (~60 MB), and
# 64 entries / 256 MB hold the server's RSS whatever the mix of dates and weights.
SHARED_MAX_ENTRIES = 64
SHARED_MAX_SIZE = "256MB"


@st.cache_data(max_entries=SHARED_MAX_ENTRIES, max_size=SHARED_MAX_SIZE, ttl=RESULT_CACHE_TTL, show_spinner=False)
def _shared(version: str, name: str, key: tuple, _build: Callable[[], object]) -> object:
    return _build()


def shared(name: str, key: tuple, build: Callable[[], object]) -> object:
    """build() once per (data version, name, key) for every session; a copy (unpickled) to each caller.

    Only for what is the same for every viewer: county-wide frames from township- and project-level queries
    (never village or household rows, never a masked column). `key` holds everything the result depends on
    besides the version (dates, weights, thresholds), as plain values; `name` says which builder it is."""
    try:
        return _shared(_version(), name, key, build)
    except VersionGone:
        _repin()


def _repin() -> None:
    """The pinned version was pruned before this process opened it: redo the whole run on the served one,
    so the page still shows a single version."""
    pin_version()
    st.rerun()


# -- A served file that is missing or cannot be read ------------------------------------------------------

@dataclass(frozen=True)
class Fault:
    """Why the served version cannot be used, and the older versions that can (newest first)."""

    message: str
    db: Path
    served: Path | None
    good_versions: tuple[Path, ...]

    @property
    def rollback_command(self) -> str | None:
        """The command that makes the data office serve the previous version for everyone, when it works:
        `ingest rollback` steps back one version from the one the link names."""
        versions = publish.versions(self.db)
        if self.served is None or self.served not in versions or not self.good_versions:
            return None
        index = versions.index(self.served)
        if index == 0 or versions[index - 1] != self.good_versions[0]:
            return None
        return f"python -m ingest rollback --db {self.db}"

    @property
    def relink_command(self) -> str | None:
        """The command that points the logical name at the newest good version (any fault)."""
        if not self.good_versions:
            return None
        return f"python -m ingest use {self.good_versions[0].name} --db {self.db}"


def probe(version: Path) -> str | None:
    """None when the version opens and answers a query; else the reason (DuckDB's or the system's)."""
    try:
        _cached(str(version), "data_as_of", ())  # cached when it succeeds: the shell probes on every run
    except (duckdb.Error, OSError) as exc:
        return str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
    return None


def fault(version: Path | None) -> Fault | None:
    """None when `version` (from pin_version) can be served; a Fault when the configured database's served
    file is missing or unreadable. Nothing published at all is not a fault (see dashboard._no_data)."""
    db = db_path()
    versions = publish.versions(db)
    if version is None:
        target = publish.served_name(db)
        if not versions and target is None:
            return None
        target = target or db.name
        message = f"当前数据库文件 {target} 不存在（可能已被删除或移走），无法读取。"
    else:
        reason = probe(version)
        if reason is None:
            return None
        message = f"当前数据库文件 {version.name} 已损坏或无法打开（{reason}）。"
    good = tuple(v for v in reversed(versions) if v != version and probe(v) is None)
    return Fault(message, db, version, good)


def use_fallback(version: Path) -> None:
    """This session browses `version` (read-only) while the served file is broken; nothing on disk changes."""
    st.session_state[_FALLBACK_KEY] = str(version)


def on_fallback() -> bool:
    return st.session_state.get(_FALLBACK_KEY) is not None and st.session_state.get(_VERSION_KEY) == \
        st.session_state.get(_FALLBACK_KEY)


def data_as_of() -> dt.date | None:
    return run("data_as_of")["as_of"][0]


def townships() -> pl.DataFrame:
    return run("townships")


@st.cache_resource(show_spinner=False)
def _access_store(path: str) -> AccessStore:
    return AccessStore(Path(path))


def access_store() -> AccessStore:
    """Accounts and the audit log of the served database (a file beside it, never inside)."""
    return _access_store(str(store_path(db_path())))


def audit(action: str, detail: str = "") -> None:
    """Record who did what (exports, household views, imports); no personal data in `detail`."""
    user = st.session_state.get("user")
    access_store().audit(user.username if user else None, action, detail)


def version_caption() -> str:
    """The sidebar's line on the served version: data date, publish time and 第 N 版 (queries.version_label),
    never the version's file name."""
    from queries import version_label

    info = run("version_info")
    number, published_at = info.row(0) if info.height else (None, None)
    return version_label.caption(data_as_of(), number, published_at, is_demo())


def built_by_older_release() -> bool:
    """The served version's derived tables were built from another ingest/derived.sql than this release's (an
    upgrade leaves data/ alone): its pages may ask for a column it lacks until `ingest rebuild`."""
    meta = run("meta")
    return meta.filter((pl.col("key") == DIGEST_KEY) & (pl.col("value") == derived_digest())).height == 0


CHECKS_PROBE = "checks_counts_by_township"  # every rule and threshold goes into it (ingest/prepared_checks.ANSWERED)


def checks_prepared_for_other_rules(config: settings_module.Settings) -> bool:
    """The served version's 数据核查 table (ingest/prepared_checks.py) was built with other rules or thresholds than
    this server's (data/checks.toml, the poverty lines of `config`, queries/checks/ edited since the publish): the
    page then runs the rule files themselves, seconds per query at province scale, until `ingest rebuild` prepares
    it again. `config`: the settings the shell loaded for this run (not read again)."""
    from queries import checks_registry as registry  # late: it reads every rule file when imported

    answers = run("prepared_answers")
    if not answers.filter((pl.col("query") == CHECKS_PROBE) & pl.col("as_of").is_null()).height:
        return False  # published before 数据核查 was prepared: nothing to go stale (the rebuild notice covers it)
    # The parameters the page passes (pages/data_check.py); the runner keeps those the query uses.
    params = {"as_of": data_as_of(), "township": "ALL", **registry.rule_params(registry.load_config(), config)}
    wanted = sql_text(CHECKS_PROBE)[1]
    return not _database(_version()).is_prepared(CHECKS_PROBE, {k: v for k, v in params.items() if k in wanted})


def is_demo() -> bool:
    meta = run("meta")
    return bool(meta.filter((pl.col("key") == "is_demo") & (pl.col("value") == "true")).height)


# -- 挂图作战: the served boundaries' geometry, worked out once per version (issue 18) -------------------------

@st.cache_resource(max_entries=3, show_spinner=False)
def _map_geometry(version: str):
    from components.map_geometry import prepare  # late: components import app_data

    return prepare(_database(version).run("map_boundaries"))


def map_geometry():
    """The map_boundaries of the pinned version as components.map_geometry.Boundaries (label points, GeoJSON,
    spatial index): 0.3 s at 2,273 townships, shared by every session and view of the version. Three versions
    kept, as `_database` keeps (a few MB each at 2,273 townships); boundaries carry no personal data."""
    try:
        return _map_geometry(_version())
    except VersionGone:
        _repin()
