"""Benchmark (issue 10): `python -m ingest load` of a 1,000,000-person 建档立卡 export, against the import
issue's targets (≤ 60 s, ≤ 4 GB peak RSS), with the multi-sheet import of the same county as the baseline
measured in the same run.

    python bench/snapshot_load.py                      # about 320,000 households ≈ 1,000,000 persons
    python bench/snapshot_load.py --households 7000    # quick

Steps, each `ingest load` a subprocess with its own wall time and peak RSS (bench.run.run_measured):
  baseline  the demo county's multi-sheet export (all sheets) into an empty database;
  base      the places, projects and funds (ingest.demo_snapshots' 基础数据) into a second database;
  snapshot 1  the first person-level export (UTF-8 CSV): every household new (纳入, and 脱贫 where exited);
  snapshot 2  the next one (GB18030 CSV) half a year later: derived 脱贫 / 返贫 / 清退 candidates against the
              history the first one wrote — the monthly case.
Report: stdout and bench/results/snapshot-<stamp>.{md,json}.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.run import run_measured  # noqa: E402

TARGET_S, TARGET_GB = 60, 4
DATES = (dt.date(2019, 12, 31), dt.date(2020, 6, 30))


def _load(path: Path, db: Path, work: Path, step: str) -> dict:
    measured = run_measured([sys.executable, "-m", "ingest", "load", str(path), "--db", str(db),
                             "--report", str(work / f"{step}_问题清单.xlsx")], work / f"{step}.log")
    log = (work / f"{step}.log").read_text(encoding="utf-8", errors="replace")
    if measured.returncode:
        raise SystemExit(f"{step}: ingest load failed ({measured.returncode}):\n{log[-3000:]}")
    return {"seconds": round(measured.seconds, 2), "peak_rss_mb": round(measured.peak_rss_mb),
            "output": log.strip().splitlines()[-4:]}


def write_exports(work: str, households: int, seed: int) -> None:
    """The multi-sheet export (baseline) and the base + two snapshots of the same county."""
    from ingest.demo import write_demo
    from ingest.demo_snapshots import write_demo_snapshots

    write_demo(Path(work) / "export", seed=seed, households=households, flaws=False)
    write_demo_snapshots(Path(work) / "snapshots", seed=seed, households=households, dates=DATES)


def _rows(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for _ in f) - 1  # header line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=320_000, help="demo households (≈ 3.1 persons each)")
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)

    from ingest.demo_snapshots import BASE_DIR

    with tempfile.TemporaryDirectory(prefix="warroom-snapbench-", dir=args.workdir) as tmp:
        work = Path(tmp)
        # In a child: a parent grown by the writing would be counted in every later child's peak RSS (fork).
        written = run_measured([sys.executable, "-c", "import sys; from bench.snapshot_load import write_exports; "
                                "write_exports(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))",
                                str(work), str(args.households), str(args.seed)], work / "write.log")
        if written.returncode:
            raise SystemExit((work / "write.log").read_text(encoding="utf-8", errors="replace")[-3000:])
        files = sorted((work / "snapshots").glob("建档立卡人员_*.csv"))
        persons = [_rows(f) for f in files]
        load_avg_start = os.getloadavg()[0]
        result = {
            "households": args.households, "persons": persons, "files_mb": [round(f.stat().st_size / 2**20) for f in files],
            "baseline": _load(work / "export", work / "multi" / "county.duckdb", work, "baseline"),
            "base": _load(work / "snapshots" / BASE_DIR, work / "snap" / "county.duckdb", work, "base"),
            "snapshot_1": _load(files[0], work / "snap" / "county.duckdb", work, "snapshot_1"),
            "snapshot_2": _load(files[1], work / "snap" / "county.duckdb", work, "snapshot_2"),
            "load_average": [round(load_avg_start, 1), round(os.getloadavg()[0], 1)],
        }
    report = render(result)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"snapshot-{dt.datetime.now():%Y%m%dT%H%M%S}"
    stem.with_suffix(".json").write_text(json.dumps(result, ensure_ascii=False, indent=1))
    stem.with_suffix(".md").write_text(report, encoding="utf-8")
    print(report)
    return 0 if all(result[k]["seconds"] <= TARGET_S and result[k]["peak_rss_mb"] <= TARGET_GB * 1024
                    for k in ("snapshot_1", "snapshot_2")) else 1


def render(r: dict) -> str:
    base = r["baseline"]["seconds"]
    lines = [f"# Person-level snapshot load: {r['persons'][0]:,} persons ({r['households']:,} households)", "",
             f"Targets: ≤ {TARGET_S} s and ≤ {TARGET_GB} GB peak RSS per `ingest load`. Load average (1 min) "
             f"{r['load_average'][0]} → {r['load_average'][1]}.", "",
             "| step | file | seconds | peak RSS MB | vs multi-sheet import |", "| --- | --- | ---: | ---: | ---: |"]
    for key, what in (("baseline", "multi-sheet export, all sheets (baseline)"), ("base", "基础数据 (places, projects, funds)"),
                      ("snapshot_1", f"first snapshot, {r['persons'][0]:,} persons, {r['files_mb'][0]} MB CSV"),
                      ("snapshot_2", f"second snapshot, {r['persons'][1]:,} persons, {r['files_mb'][1]} MB CSV (GB18030)")):
        step = r[key]
        lines.append(f"| {key} | {what} | {step['seconds']:.1f} | {step['peak_rss_mb']:,} | "
                     f"{step['seconds'] / base:.2f}× |")
    lines += ["", "Last lines of `ingest load` for the second snapshot:", "", *[f"    {x}" for x in r["snapshot_2"]["output"]]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
