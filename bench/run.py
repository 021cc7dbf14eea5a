"""Benchmark at county / city / province scale, with a pandas baseline measured in the same run.

    python bench/run.py [--scales 7000,70000,1000000] [--repeat 7] [--warmup 2] [--out bench/results]

For each scale (number of households): write the demo export (ingest.demo.write_demo) into a temp folder
and load it with `python -m ingest load`, both as subprocesses (wall time, peak RSS of that process);
then open the published version read-only with queries.runner.Database and time every queries/**/*.sql
file with a standard set of parameters, the full indicator table (queries.indicators), and the same table
computed in pandas (bench/pandas_baseline.py; tables read into pandas once, outside the timing).

Query files and their parameters are discovered at run time, so a new .sql file is benchmarked without
touching this script; a parameter nobody told the script about is reported as "skipped: unknown
parameter $x" — add it to `extra_defaults` below. Prints a Markdown report and writes it (and the raw
figures as JSON) to --out/<timestamp>.md|.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# The bench measures; the dashboard's 10 s guard would abort a slow query on a busy machine instead of timing it.
os.environ.setdefault("WARROOM_QUERY_TIMEOUT", "0")

import duckdb  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import polars as pl  # noqa: E402

import settings as settings_module  # noqa: E402
from bench.pandas_baseline import read_tables, township_indicators_pandas  # noqa: E402
from exports.pace import WINDOW_DAYS  # noqa: E402
from queries import runner  # noqa: E402
from queries.indicators import township_indicators  # noqa: E402

QUERY_TARGET_MS = 150  # each page query at 1,000,000 households (issue 2)
SPEEDUP_TARGET = 5  # DuckDB path vs the pandas baseline
DEMO_BUILD_TARGET_S = 30  # demo county (7,000 households): write + load
LOAD_TARGET_S, LOAD_TARGET_GB = 60, 4  # `ingest load` at 1,000,000 households (issue 3)
TARGET_SCALE = 1_000_000


# ----------------------------------------------------------------------------------------------------
# Subprocesses with their own wall time and peak RSS


@dataclass
class Measured:
    seconds: float
    peak_rss_mb: float
    returncode: int


def run_measured(cmd: list[str], log: Path) -> Measured:
    """Run cmd from the repo root; wall time and the peak RSS of exactly that child (os.wait4)."""
    started = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Measured(time.perf_counter() - started, usage.ru_maxrss / 1024, proc.returncode)  # KiB on Linux


def build(households: int, work: Path) -> dict:
    export, db = work / "export", work / "county.duckdb"
    write = run_measured([sys.executable, "-c",
                          "import sys; from pathlib import Path; from ingest.demo import write_demo; "
                          "write_demo(Path(sys.argv[1]), households=int(sys.argv[2]))",
                          str(export), str(households)], work / "write_demo.log")
    if write.returncode:
        raise SystemExit(f"write_demo failed:\n{(work / 'write_demo.log').read_text()}")
    load = run_measured([sys.executable, "-m", "ingest", "load", str(export), "--db", str(db)],
                        work / "ingest_load.log")
    if load.returncode:
        raise SystemExit(f"ingest load failed:\n{(work / 'ingest_load.log').read_text()[-3000:]}")
    export_mb = sum(f.stat().st_size for f in export.iterdir()) / 2**20
    shutil.rmtree(export)
    return {"write": asdict(write), "load": asdict(load), "export_mb": export_mb, "db": str(db)}


# ----------------------------------------------------------------------------------------------------
# Parameters


# Not page queries: the pieces query files compose (queries/parts/) and the data-check rule files (queries/checks/),
# which run over all dates when a version is published (ingest/prepared_checks.py, timed by `ingest load
# --verbose`); pages read their rows through checks_rows / checks_village_rows and the counts queries.
NOT_PAGE_QUERIES = (runner.PARTS_DIR, "checks")


def query_names() -> list[str]:
    """Every page query queries/**/*.sql, as the runner names them ("sub/name" for a file in a subfolder)."""
    return sorted(p.relative_to(runner.QUERY_DIR).with_suffix("").as_posix()
                  for p in runner.QUERY_DIR.rglob("*.sql") if p.parent.name not in NOT_PAGE_QUERIES)


# Parameters of page filters at their "show everything" setting (household search and the like).
FILTER_DEFAULTS = {"status": "ALL", "cause": "ALL", "gap": "ALL", "search": "", "limit": 200}


def extra_defaults(settings) -> dict:
    """Defaults for parameters beyond the standard ones; extend here when a query brings a new name.
    The project's own parameter builders win where they exist (queries/checks_registry.py); the literals
    are the values of data/*.toml at the time of writing, for files whose builder is not there (yet)."""
    years = sorted(settings.poverty_line)
    params = {
        **FILTER_DEFAULTS,
        "idle_days": settings.idle_funds_days,
        "idle_ratio": settings.idle_funds_spend_ratio,
        "line_years": years,
        "line_yuan": [float(settings.poverty_line[y]) for y in years],
        "exit_incidence_max_pct": settings.village_exit_incidence_max_pct,
        "collective_income_min_wan": settings.village_collective_income_min_wan,
        "income_jump_factor": 3.0, "max_age_years": 110, "school_age_min": 6, "school_age_max": 16,
        "vague_causes": ["其他", "无", "不详", "未知", "/", "-", "—"],
        "monitoring_line_factor": 1.5, "income_drop_pct": 20, "risk_high_score": 60, "risk_medium_score": 35,
        "w_low_income": 40, "w_income_drop": 25, "w_ill_no_labor": 20, "w_guarantee_gap": 15, "per_level": 5000,
        "window_days": WINDOW_DAYS,  # the pace window the 周调度 page and the brief use
    }
    try:
        from queries import checks_registry

        params.update(checks_registry.rule_params(settings=settings))
        params.update(checks_registry.risk_params(settings=settings))
        params["weeks"] = checks_registry.load_config().trend_weeks  # the 数据核查 trend's length
        params["rule_id"] = checks_registry.RULES[0].id  # checks_rows: the rule the 数据核查 list opens on
    except (ImportError, AttributeError, ValueError) as exc:
        print(f"note: using literal defaults for check/risk parameters ({exc})", file=sys.stderr)
    return params


def standard_params(version: Path, as_of: dt.date, settings) -> dict:
    """as_of = data cut-off; township = most households; village, household and project of that township."""
    con = duckdb.connect(str(version), read_only=True)
    try:
        def one(sql: str, **params):
            rows = con.sql(sql, params=params).fetchall()
            return rows[0][0] if rows else None

        township = one("""SELECT v.township_code FROM households h JOIN villages v USING (village_code)
                          GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1""")
        village = one("""SELECT h.village_code FROM households h JOIN villages v USING (village_code)
                         WHERE v.township_code = $t GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1""", t=township)
        household = one("""SELECT h.household_id FROM households h JOIN household_events e USING (household_id)
                           WHERE h.village_code = $v GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1""", v=village)
        project = one("""SELECT p.project_id FROM projects p LEFT JOIN project_progress r USING (project_id)
                         WHERE p.township_code = $t GROUP BY p.project_id, p.year
                         ORDER BY (p.year = $y) DESC, count(r.report_date) DESC, p.project_id LIMIT 1""",
                      t=township, y=as_of.year)
    finally:
        con.close()
    return {"as_of": as_of, "township": township, "year": as_of.year, "village": village,
            "household_id": household, "project_id": project,
            **settings.ranking_params(), **extra_defaults(settings)}


# ----------------------------------------------------------------------------------------------------
# Timing


@dataclass
class Timing:
    name: str
    variant: str = ""
    median_ms: float | None = None
    p90_ms: float | None = None
    rows: int | None = None
    samples_ms: list[float] = field(default_factory=list)
    skipped: str | None = None
    hottest: list[str] = field(default_factory=list)  # from EXPLAIN ANALYZE, for a query over target


SLOW_WARMUP_S = 1.5  # a query slower than this warms up once (seconds), to keep a 1,000,000 run tolerable


def time_call(fn, repeat: int, warmup: int) -> tuple[float, float, list[float], object]:
    result = None
    for i in range(warmup):
        started = time.perf_counter()
        result = fn()
        if time.perf_counter() - started > SLOW_WARMUP_S:
            break
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), float(np.percentile(samples, 90)), samples, result


def time_pair(fn_a, fn_b, repeat: int, warmup: int):
    """time_call for two functions, interleaved run by run, so that a change in the load of a shared
    machine hits both alike and their ratio stays fair."""
    for _ in range(warmup):
        fn_a(), fn_b()
    samples_a, samples_b, result_b = [], [], None
    for _ in range(repeat):
        started = time.perf_counter()
        fn_a()
        samples_a.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        result_b = fn_b()
        samples_b.append((time.perf_counter() - started) * 1000)
    return [(statistics.median(x), float(np.percentile(x, 90)), x) for x in (samples_a, samples_b)], result_b


def time_queries(db: runner.Database, params: dict, repeat: int, warmup: int) -> list[Timing]:
    """Every query file as the pages run it; a query answered by a lookup prepared at publish (ingest/prepared.py)
    is timed a second time running itself (variant "… live")."""
    timings = []
    live = runner.Database(db.version, use_prepared=False)
    for name in query_names():
        try:
            _, wanted = runner.sql_text(name)
        except OSError as exc:  # a file removed while we run
            timings.append(Timing(name, skipped=f"unreadable: {exc}"))
            continue
        unknown = sorted(wanted - params.keys())
        if unknown:
            timings.append(Timing(name, skipped="unknown parameter " + ", ".join(f"${p}" for p in unknown)))
            continue
        variants = [("", params)]
        if "township" in wanted:  # pages run both the county view and one township (the biggest)
            variants = [("ALL", {**params, "township": "ALL"}), ("one", params)]
        for label, values in variants:
            used = {k: values[k] for k in wanted}
            runs = [(label, db)]
            if db.is_prepared(name, used):  # prepared at publish: the page's lookup, and the query itself ("live")
                runs.append((f"{label} live".strip(), live))
            for variant, database in runs:
                try:
                    median, p90, samples, frame = time_call(lambda: database.run(name, **used), repeat, warmup)
                except duckdb.Error as exc:
                    timings.append(Timing(name, variant, skipped=f"error: {str(exc).splitlines()[0][:120]}"))
                    continue
                timings.append(Timing(name, variant, median, p90, frame.height, samples))
    live.close()
    return timings


def _operator_label(node: dict) -> str:
    info = node.get("extra_info", {})
    detail = next((info[k] for k in ("CTE Name", "Table", "Conditions", "Join Type", "Groups", "Aggregates",
                                     "Expression", "Function") if info.get(k)), "")
    if isinstance(detail, list):
        detail = ", ".join(map(str, detail))
    return f"{node.get('type', '?')} {str(detail).replace(chr(10), ' ')[:90]}".strip()


def explain(version: Path, name: str, params: dict, out: Path) -> list[str]:
    """EXPLAIN ANALYZE of one query with the parameters it was timed with (for a query over target): writes
    a compact plan (operator, own time, rows) to `out` and returns the three most expensive operators."""
    text, wanted = runner.sql_text(name)
    con = duckdb.connect(str(version), read_only=True)
    try:
        plan = json.loads(con.execute("EXPLAIN (ANALYZE, FORMAT json) " + text,
                                      {k: params[k] for k in wanted}).fetchall()[0][-1])
    finally:
        con.close()
    lines, operators = [], []

    def walk(node: dict, depth: int) -> None:
        seconds, rows = node.get("timing", 0.0), node.get("intermediate_rows", 0)
        lines.append(f"{'  ' * depth}{_operator_label(node)}  [{seconds:.3f} s, {rows:,} rows]")
        operators.append((seconds, rows, _operator_label(node)))
        for child in node.get("children", []):
            walk(child, depth + 1)

    for root in plan.get("operator", []):
        walk(root, 0)
    total = sum(op[0] for op in operators)
    out.write_text(f"-- EXPLAIN ANALYZE {name}.sql, operator time total {total:.2f} s\n" + "\n".join(lines),
                   encoding="utf-8")
    return [f"{label} {seconds:.2f} s ({rows:,} rows)" for seconds, rows, label in sorted(operators)[::-1][:3]]


def bench_scale(households: int, args, settings, stamp: str) -> dict:
    work = Path(tempfile.mkdtemp(prefix=f"warroom-bench-{households}-", dir=args.workdir))
    result = {"households": households, "loadavg_start": os.getloadavg()}
    try:
        if args.db:  # an existing database: nothing to build
            result.update(write=None, load=None, export_mb=None, db=args.db)
        else:
            print(f"[{households:,}] writing the demo export and loading it …", file=sys.stderr, flush=True)
            result.update(build(households, work))
        with runner.Database.open(Path(result["db"])) as db:
            con = duckdb.connect(str(db.version), read_only=True)
            result["db_mb"] = db.version.stat().st_size / 2**20
            result["counts"] = {t: con.sql(f"SELECT count(*) FROM {t}").fetchall()[0][0]
                                for t in ("townships", "villages", "households", "household_events", "incomes",
                                          "projects", "project_progress", "fund_allocations", "fund_payments")}
            as_of = db.data_as_of()
            params = standard_params(db.version, as_of, settings)
            result["params"] = {k: str(params[k]) for k in ("as_of", "township", "year", "village",
                                                            "household_id", "project_id")}
            print(f"[{households:,}] timing queries …", file=sys.stderr, flush=True)
            timings = time_queries(db, params, args.repeat, args.warmup)

            print(f"[{households:,}] indicator table: DuckDB vs pandas …", file=sys.stderr, flush=True)
            tables = read_tables(con)  # not timed: the baseline starts from frames in memory
            (d_stats, p_stats), frame = time_pair(lambda: township_indicators(db, as_of, settings),
                                                  lambda: township_indicators_pandas(tables, as_of, settings),
                                                  args.repeat, min(args.warmup, 1))
            duck = Timing("queries.indicators.township_indicators", "", *d_stats[:2], None, d_stats[2])
            panda = Timing("bench.pandas_baseline.township_indicators_pandas", "", *p_stats[:2], len(frame),
                           p_stats[2])
            del tables
            con.close()

            explained = []
            for t in timings:
                over = t.median_ms is not None and t.median_ms > QUERY_TARGET_MS
                if over and households >= TARGET_SCALE and args.explain:
                    print(f"[{households:,}] EXPLAIN ANALYZE {t.name} {t.variant}", file=sys.stderr, flush=True)
                    path = Path(args.out) / f"{stamp}-explain-{households}-{t.name.replace('/', '.')}" \
                                            f"{'-' + t.variant if t.variant else ''}.txt"
                    values = {**params, **({"township": "ALL"} if t.variant.startswith("ALL") else {})}
                    try:
                        t.hottest = explain(db.version, t.name, values, path)
                        explained.append(path.name)
                    except (duckdb.Error, ValueError, KeyError) as exc:
                        t.hottest = [f"EXPLAIN failed: {str(exc).splitlines()[0][:100]}"]
        result.update(queries=[asdict(t) for t in timings], duckdb=asdict(duck), pandas=asdict(panda),
                      explained=explained)
    finally:
        result["loadavg_end"] = os.getloadavg()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            result["workdir"] = str(work)
    return result


# ----------------------------------------------------------------------------------------------------
# Report


def _ms(value: float | None) -> str:
    return "—" if value is None else (f"{value:,.1f}" if value < 100 else f"{value:,.0f}")


def markdown(runs: list[dict], args, started: dt.datetime) -> str:
    """The report of one or more scales; args needs .repeat and .warmup."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    lines = [
        f"# Benchmark {started:%Y-%m-%d %H:%M}",
        "",
        f"`python bench/run.py "
        f"{'--db ' + args.db if getattr(args, 'db', None) else '--scales ' + ','.join(str(r['households']) for r in runs)}"
        f" --repeat {args.repeat}"
        f" --warmup {args.warmup}`{' (scales from separate runs: ' + args.merged + ')' if args.merged else ''}"
        f" — {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
        f"duckdb {duckdb.__version__}, polars {pl.__version__}, pandas {pd.__version__}. "
        f"Times are wall-clock; the machine is shared, so the load average (1 min, at the start and end of each "
        f"scale) is given as a noise indicator.",
        "",
        "## Build",
        "",
        f"Targets: demo build (write + load) at 7,000 households ≤ {DEMO_BUILD_TARGET_S} s; `ingest load` at "
        f"1,000,000 ≤ {LOAD_TARGET_S} s and ≤ {LOAD_TARGET_GB} GB peak RSS.",
        "",
        "| households | townships | villages | projects | write_demo s | write peak MB | export MB | ingest load s "
        "| load peak MB | write + load s | database MB | load avg start → end |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in runs:
        c = r.get("counts", {})
        w, ld = r["write"], r["load"]
        if w is None:
            lines.append(f"| {c.get('households', 0):,} | {c.get('townships', 0):,} | {c.get('villages', 0):,} "
                         f"| {c.get('projects', 0):,} | existing database {r['db']} | | | | | | "
                         f"{r.get('db_mb', 0):,.0f} | {r['loadavg_start'][0]:.1f} → {r['loadavg_end'][0]:.1f} |")
            continue
        lines.append(
            f"| {r['households']:,} | {c.get('townships', 0):,} | {c.get('villages', 0):,} | {c.get('projects', 0):,} "
            f"| {w['seconds']:.1f} | {w['peak_rss_mb']:,.0f} | {r['export_mb']:,.0f} | {ld['seconds']:.1f} "
            f"| {ld['peak_rss_mb']:,.0f} | {w['seconds'] + ld['seconds']:.1f} | {r.get('db_mb', 0):,.0f} "
            f"| {r['loadavg_start'][0]:.1f} → {r['loadavg_end'][0]:.1f} |")

    lines += [
        "",
        f"## Indicator table: DuckDB vs pandas (median / p90 ms of {args.repeat}, interleaved, after 1 warm-up)",
        "",
        f"Both compute every column of township_indicators.csv at the data cut-off; pandas starts from the "
        f"tables already in memory (reading them is not timed). Target at 1,000,000 households: pandas ÷ DuckDB "
        f"≥ {SPEEDUP_TARGET}; ✗ marks a miss.",
        "",
        "| households | DuckDB (queries.indicators) | pandas baseline | pandas ÷ DuckDB |",
        "| ---: | ---: | ---: | ---: |",
    ]
    for r in runs:
        d, p = r["duckdb"], r["pandas"]
        ratio = p["median_ms"] / d["median_ms"]
        mark = " ✗" if r["households"] >= TARGET_SCALE and ratio < SPEEDUP_TARGET else ""
        lines.append(f"| {r['households']:,} | {_ms(d['median_ms'])} / {_ms(d['p90_ms'])} "
                     f"| {_ms(p['median_ms'])} / {_ms(p['p90_ms'])} | {ratio:.1f}×{mark} |")

    lines += [
        "",
        f"## Queries (median / p90 ms of {args.repeat} after {args.warmup} warm-up; 1 for a query over "
        f"{SLOW_WARMUP_S:g} s)",
        "",
        f"Every queries/**/*.sql file found at run time. `township` = ALL (county) and the township with the most "
        f"households. Target at 1,000,000 households: median ≤ {QUERY_TARGET_MS} ms; ✗ marks a miss.",
        "",
        "| query | township | " + " | ".join(f"{r['households']:,}" for r in runs) + " | rows (largest) |",
        "| --- | --- | " + " | ".join("---:" for _ in runs) + " | ---: |",
    ]
    keys = []
    for r in runs:
        for q in r["queries"]:
            if (q["name"], q["variant"]) not in keys:
                keys.append((q["name"], q["variant"]))
    skipped = []
    for name, variant in keys:
        cells, rows = [], ""
        for r in runs:
            q = next((q for q in r["queries"] if (q["name"], q["variant"]) == (name, variant)), None)
            if q is None:
                cells.append("")
            elif q["skipped"]:
                cells.append("skipped")
                skipped.append(f"- `{name}.sql` at {r['households']:,}: skipped: {q['skipped']}")
            else:
                miss = r["households"] >= TARGET_SCALE and q["median_ms"] > QUERY_TARGET_MS
                cells.append(f"{_ms(q['median_ms'])} / {_ms(q['p90_ms'])}" + (" ✗" if miss else ""))
                rows = f"{q['rows']:,}"
        lines.append(f"| `{name}` | {variant} | " + " | ".join(cells) + f" | {rows} |")
    if skipped:
        lines += ["", *skipped]

    lines += ["", "Parameters per scale (township = most households; village, household, project of it):", "",
              "| households | as_of | township | village | household_id | project_id |",
              "| ---: | --- | --- | --- | --- | --- |"]
    for r in runs:
        p = r["params"]
        lines.append(f"| {r['households']:,} | {p['as_of']} | {p['township']} | {p['village']} "
                     f"| {p['household_id']} | {p['project_id']} |")
    misses = [(r, q) for r in runs if r["households"] >= TARGET_SCALE for q in r["queries"]
              if q["median_ms"] is not None and q["median_ms"] > QUERY_TARGET_MS]
    if misses:
        lines += ["", f"## Over {QUERY_TARGET_MS} ms at {TARGET_SCALE:,} households", "",
                  "Slowest first; the most expensive operators (own time) from one EXPLAIN ANALYZE run, whose "
                  "compact plan is in bench/results/<timestamp>-explain-<households>-<query>[-<township>].txt.", "",
                  "| query | township | median ms | over by | most expensive operators |",
                  "| --- | --- | ---: | ---: | --- |"]
        for r, q in sorted(misses, key=lambda m: -m[1]["median_ms"]):
            hot = "; ".join(q.get("hottest") or []).replace("|", "\\|")
            lines.append(f"| `{q['name']}` | {q['variant']} | {_ms(q['median_ms'])} "
                         f"| {q['median_ms'] / QUERY_TARGET_MS:.1f}× | {hot} |")
    return "\n".join(lines) + "\n"


def render(args) -> int:
    runs, started, repeats, warmups = [], None, set(), set()
    for path in args.render:
        saved = json.loads(Path(path).read_text(encoding="utf-8"))
        runs += saved["runs"]
        started = max(started or "", saved["started"])
        repeats.add(saved["repeat"])
        warmups.add(saved["warmup"])
    if len(repeats) > 1 or len(warmups) > 1:
        print(f"note: the runs used different --repeat/--warmup ({repeats}, {warmups})", file=sys.stderr)
    args.repeat, args.warmup = min(repeats), min(warmups)
    args.merged = ", ".join(Path(p).stem for p in args.render)
    runs.sort(key=lambda r: r["households"])
    print(markdown(runs, args, dt.datetime.fromisoformat(started)))
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="7000,70000,1000000",
                        type=lambda s: [int(x.replace("_", "")) for x in s.split(",") if x])
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per query (≥ 5)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs before them")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--workdir", default=None, help="where the temp export and database go (default: TMPDIR)")
    parser.add_argument("--keep", action="store_true", help="keep the temp export folder and database")
    parser.add_argument("--no-explain", dest="explain", action="store_false",
                        help="do not write EXPLAIN ANALYZE of the queries over target at 1,000,000")
    parser.add_argument("--render", nargs="+", metavar="JSON", default=None,
                        help="no benchmark: print the report of earlier runs' .json files merged (e.g. 7,000 and "
                             "70,000 from one run, 1,000,000 from another)")
    parser.add_argument("--db", default=None,
                        help="benchmark this existing database (logical name) instead of building demo counties")
    args = parser.parse_args(argv)
    args.merged = ""
    if args.render:
        return render(args)
    if args.repeat < 5:
        parser.error("--repeat must be at least 5")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now()
    stamp = f"{started:%Y%m%dT%H%M%S}"
    settings = settings_module.load()
    runs = []
    if args.db:
        with runner.Database.open(Path(args.db)) as db, duckdb.connect(str(db.version), read_only=True) as con:
            args.scales = [con.sql("SELECT count(*) FROM households").fetchall()[0][0]]
    for households in args.scales:
        runs.append(bench_scale(households, args, settings, stamp))
        report = markdown(runs, args, started)  # written after each scale: a long run keeps what it has
        (out / f"{stamp}.md").write_text(report, encoding="utf-8")
        saved = {"started": started.isoformat(), "repeat": args.repeat, "warmup": args.warmup, "runs": runs}
        (out / f"{stamp}.json").write_text(json.dumps(saved, ensure_ascii=False, indent=1, default=str),
                                           encoding="utf-8")
    print(report)
    print(f"written to {out / stamp}.md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
