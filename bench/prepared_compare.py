"""Prepared answers vs the queries themselves, interleaved in one process (issue 18).

    python bench/prepared_compare.py BASE_DB BRANCH_DB [--repeat 5]

BASE_DB: a version without prepared answers (published by today's main, or with prepared tables dropped): every
query runs itself, the combined check queries composed exactly as their generated files were. BRANCH_DB: the same
data published with ingest/prepared.py. Each case runs base then branch, `--repeat` times, so a change in the
machine's load hits both alike; prints a Markdown table (median ms, ratio, load average) and writes the samples
as JSON beside it with --out. Two unchanged queries are controls (their ratio should be about 1). township_indicators
is answered on the branch from the per-day tables (ingest/prepared_days.sql) at any date up to the end of the year
after the data date: three dates are timed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("WARROOM_QUERY_TIMEOUT", "0")

import settings  # noqa: E402
from queries import checks_registry as registry  # noqa: E402
from queries.runner import Database  # noqa: E402


def cases(db: Database) -> dict[str, tuple[str, dict]]:
    d0 = db.data_as_of()
    rules, risk = registry.rule_params(), registry.risk_params()
    ranking = settings.load().ranking_params()
    one = db.run("townships")["township_code"][0]
    return {
        "checks_counts_by_township": ("checks_counts_by_township", {"as_of": d0, **rules}),
        "checks_quality_by_township": ("checks_quality_by_township", {"as_of": d0, **rules}),
        "risk_households ALL": ("risk_households", {"as_of": d0, "township": "ALL", **risk}),
        "risk_households one (not prepared)": ("risk_households", {"as_of": d0, "township": one, **risk}),
        # township_indicators: per-day tables (ingest/prepared_days.sql), at the data date, a week before, a quarter end
        "township_indicators D0": ("township_indicators", {"as_of": d0, **ranking}),
        "township_indicators D0 − 7": ("township_indicators", {"as_of": d0 - dt.timedelta(weeks=1), **ranking}),
        "township_indicators 06-30": ("township_indicators", {"as_of": dt.date(d0.year, 6, 30), **ranking}),
        "poverty_by_village ALL (control)": ("poverty_by_village", {"as_of": d0, "township": "ALL"}),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", type=Path)
    parser.add_argument("branch", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    base, branch = Database.open(args.base), Database.open(args.branch)
    if base.data_as_of() != branch.data_as_of():
        parser.error("the two databases hold different data (data dates differ)")
    result = {"loadavg_start": os.getloadavg(), "repeat": args.repeat, "cases": {}}
    print("| query | base ms | branch ms | base ÷ branch | load average |\n| --- | ---: | ---: | ---: | ---: |")
    for label, (name, params) in cases(base).items():
        samples = {"base": [], "branch": []}
        for _ in range(args.repeat):
            for side, db in (("base", base), ("branch", branch)):
                started = time.perf_counter()
                db.run(name, **params)
                samples[side].append((time.perf_counter() - started) * 1000)
        a, b = statistics.median(samples["base"]), statistics.median(samples["branch"])
        result["cases"][label] = samples
        print(f"| `{label}` | {a:,.0f} | {b:,.1f} | {a / b:,.1f}× | {os.getloadavg()[0]:.1f} |", flush=True)
    result["loadavg_end"] = os.getloadavg()
    if args.out:
        args.out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
