"""Equality proof for interval-form rule files (issue 18): at EVERY date D of a database, the rows of a rule file
in the interval form that cover D (flagged_from <= D < flagged_to) equal, as a multiset of ROW_COLUMNS, what the
rule's point-in-time file of an older commit gives at $as_of = D — for $township = 'ALL' and for townships (the
interval rows filtered to that township). Not collected by pytest (it needs the git history); run it by hand:

    python tests/interval_vs_old_rules.py <county.duckdb> [--rules a,b] [--old 87b649e] [--margin 30] [--townships 2]

The dates run from the earliest date of the data (events, reports, funds, exit years, collective-income years)
minus --margin days to the data date plus --margin days. A rule whose rows carry `detail_all` (the 全县 wording,
e.g. duplicate_id_number) is compared with it at 'ALL' and with `detail` at a township.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import re
import subprocess
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from queries import checks_registry as registry  # noqa: E402

RULES = ("completed_project_progress", "completed_project_unpaid", "village_exit_incidence",
         "village_exit_collective_income", "duplicate_id_number")
COLUMNS = registry.ROW_COLUMNS


def params_of(text: str, available: dict) -> dict:
    used = set(re.findall(r"\$([A-Za-z_]\w*)", re.sub(r"--[^\n]*", "", text)))
    return {k: v for k, v in available.items() if k in used}


def date_span(con, margin: int) -> tuple[dt.date, dt.date]:
    first, last = con.execute("""
        SELECT min(f), max(d) FROM (
            SELECT min(date) AS f, max(date) AS d FROM household_events
            UNION ALL SELECT min(report_date), max(report_date) FROM project_progress
            UNION ALL SELECT min(date), max(date) FROM fund_allocations
            UNION ALL SELECT min(date), max(date) FROM fund_payments
            UNION ALL SELECT min(make_date(exit_year, 1, 1)), NULL FROM villages
            UNION ALL SELECT min(make_date(year, 1, 1)), NULL FROM village_collective_income)""").fetchone()
    return first - dt.timedelta(days=margin), last + dt.timedelta(days=margin)


def compare(db: Path, rules, old: str, margin: int, n_townships: int) -> bool:
    con = duckdb.connect(str(db), read_only=True)
    available = registry.rule_params()
    start, end = date_span(con, margin)
    days = [start + dt.timedelta(days=k) for k in range((end - start).days + 1)]
    ok = True
    for rule in rules:
        t0 = time.perf_counter()
        new_text = (ROOT / "queries" / "checks" / f"{rule}.sql").read_text(encoding="utf-8")
        old_text = subprocess.run(["git", "-C", str(ROOT), "show", f"{old}:queries/checks/{rule}.sql"],
                                  check=True, capture_output=True, text=True).stdout
        cur = con.execute(new_text, params_of(new_text, available))
        names = [d[0] for d in cur.description]
        new_rows = [dict(zip(names, r)) for r in cur.fetchall()]
        assert {"flagged_from", "flagged_to"} <= set(names) and set(COLUMNS) <= set(names), names
        bad = [r for r in new_rows if not r["flagged_from"] < r["flagged_to"]]
        assert not bad, f"{rule}: empty ranges {bad[:3]}"
        by_town = collections.Counter(r["township_code"] for r in new_rows)
        towns = [t for t, _ in by_town.most_common(n_townships)]
        if len(towns) < n_townships:  # a rule flagging little: fill with the first townships of the county
            towns += [t for (t,) in con.execute("SELECT township_code FROM townships ORDER BY 1").fetchall()
                      if t not in towns][: n_townships - len(towns)]
        old_params = params_of(old_text, {**available, "as_of": None, "township": None})
        compared = dates = 0
        for day in days:
            covering = [r for r in new_rows if r["flagged_from"] <= day < r["flagged_to"]]
            for town in ["ALL", *towns]:
                result = con.execute(old_text, {**old_params, "as_of": day, "township": town})
                assert tuple(d[0] for d in result.description) == COLUMNS
                want = collections.Counter(tuple(r) for r in result.fetchall())
                got = collections.Counter(
                    tuple((r.get("detail_all") or r["detail"]) if c == "detail" and town == "ALL" else r[c]
                          for c in COLUMNS)
                    for r in covering if town == "ALL" or r["township_code"] == town)
                if want != got:
                    ok = False
                    print(f"MISMATCH {rule} at {day} {town}:\n  old only {list((want - got).elements())[:3]}"
                          f"\n  new only {list((got - want).elements())[:3]}")
                    break
                compared += sum(want.values())
            dates += 1
        print(f"{rule}: {dates} dates × {1 + len(towns)} views (ALL, {', '.join(towns)}), {compared} rows equal; "
              f"interval rows {len(new_rows)}; {time.perf_counter() - t0:.1f} s", flush=True)
    con.close()
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--rules", default=",".join(RULES))
    parser.add_argument("--old", default="87b649e")
    parser.add_argument("--margin", type=int, default=30)
    parser.add_argument("--townships", type=int, default=2)
    args = parser.parse_args()
    ok = compare(args.db, args.rules.split(","), args.old, args.margin, args.townships)
    print("ALL EQUAL" if ok else "DIFFERENCES FOUND")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
