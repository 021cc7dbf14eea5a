"""周调度's first view at a date: exports.assemble.gather_week cold (every query run, nothing cached), timed at the
load test's five dates (D0, D0−7, D0−30, 06-30, last 12-31) — issue 18, "any date".

    python bench/weekly_first_view.py DB [--repeat 3]

Prints one Markdown row: the median seconds per date and the load average. For a before/after in one sitting, run
it also from a checkout of the older commit (`git archive <commit> | tar -x -C <dir>`, then run it from <dir>).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("WARROOM_QUERY_TIMEOUT", "0")

import ranking_weights  # noqa: E402
import settings  # noqa: E402
from exports import assemble  # noqa: E402
from queries.runner import Database  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    db = Database.open(args.db)
    d0 = db.data_as_of()
    dates = [d0, d0 - dt.timedelta(days=7), d0 - dt.timedelta(days=30), dt.date(d0.year, 6, 30),
             dt.date(d0.year - 1, 12, 31)]
    config = settings.load()
    weights = ranking_weights.effective(config.weights)

    def indicators(day):
        return db.run("township_indicators", as_of=day, **config.ranking_params())

    medians = []
    for day in dates:
        samples = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            assemble.gather_week(db.run, indicators, day, config, weights)
            samples.append(time.perf_counter() - started)
        medians.append(statistics.median(samples))
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or ROOT.name
    print("| code | " + " | ".join(f"{d:%Y-%m-%d}" for d in dates) + " | load average |")
    print("| --- |" + " ---: |" * (len(dates) + 1))
    print(f"| {commit} | " + " | ".join(f"{m:.2f} s" for m in medians) + f" | {os.getloadavg()[0]:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
