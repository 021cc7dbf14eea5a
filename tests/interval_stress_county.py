"""A harder county for tests/interval_vs_old_rules.py: the demo county with many more records that the
interval-form rules must get right at every date — shared 身份证号 across and within townships (also in 15-digit
form, some listed by three households) whose households leave (清退) and come back; completed projects at
every progress, unpaid, with allocations after completion; exited villages with collective-income records
before, at and after their exit year, or none. Written into a copy of a published demo version; then run
`python -m ingest rebuild --db <copy>` so the derived tables follow. Not collected by pytest:

    python tests/interval_stress_county.py <published county.duckdb> <out.duckdb> [--seed 18]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
from pathlib import Path

import duckdb

ORDER = {"纳入": 1, "脱贫": 2, "返贫": 3, "清退": 4}


def day(rng: random.Random, start: str = "2014-06-01", end: str = "2020-11-16") -> dt.date:
    a, b = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    return a + dt.timedelta(days=rng.randrange((b - a).days + 1))


def harden(con: duckdb.DuckDBPyConnection, seed: int) -> None:
    rng = random.Random(seed)
    households = con.execute("SELECT h.household_id, v.township_code FROM households h JOIN villages v USING "
                             "(village_code) ORDER BY 1").fetchall()
    members = con.execute("SELECT household_id, name, id_number, relation, health, labor_skill, schooling "
                          "FROM household_members ORDER BY household_id, id_number").fetchall()
    # 身份证重号: a member listed again by 1-2 other households, sometimes in 15-digit form, sometimes twice
    receivers = set()
    for m in rng.sample(members, 120):
        for _ in range(1 if rng.random() < 0.8 else 2):
            other, _town = rng.choice(households)
            number = m[2] if rng.random() < 0.8 or len(m[2]) != 18 else m[2][:6] + m[2][8:17]
            con.execute("INSERT INTO household_members VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [other, m[1], number, rng.choice(["之子", "之女", "配偶", "其他"]), m[4], m[5], m[6]])
            receivers.add(other)
            receivers.add(m[0])
        if rng.random() < 0.1 and len(m[2]) == 18:  # the same person in both forms in one household
            con.execute("INSERT INTO household_members VALUES (?, ?, ?, '其他', ?, ?, ?)",
                        [m[0], m[1], m[2][:6] + m[2][8:17], m[4], m[5], m[6]])
    # their households leave and come back (清退 then 纳入), some on the same day, some more than once
    for hid in sorted(receivers):
        if rng.random() < 0.5:
            continue
        out = day(rng)
        con.execute("INSERT OR IGNORE INTO household_events VALUES (?, ?, '清退', 4)", [hid, out])
        if rng.random() < 0.6:
            back = out if rng.random() < 0.2 else out + dt.timedelta(days=rng.randrange(1, 400))
            con.execute("INSERT OR IGNORE INTO household_events VALUES (?, ?, '纳入', 1)", [hid, back])
            if rng.random() < 0.3:
                con.execute("INSERT OR IGNORE INTO household_events VALUES (?, ?, '脱贫', 2)",
                            [hid, back + dt.timedelta(days=rng.randrange(0, 300))])
    # projects: reports of 已完工/已验收 below and at 100%, payments removed, allocations after completion
    projects = con.execute("SELECT project_id, year FROM projects ORDER BY 1").fetchall()
    for pid, year in rng.sample(projects, 80):
        for _ in range(rng.randrange(1, 4)):
            when = day(rng, f"{year}-01-01", f"{min(year + 1, 2020)}-11-16")
            pct = rng.choice([60, 85, 95, 99.5, 100, 100])
            con.execute("INSERT OR IGNORE INTO project_progress VALUES (?, ?, ?, ?)",
                        [pid, when, pct, rng.choice(["已完工", "已验收", "在建"])])
        if rng.random() < 0.4:
            con.execute("DELETE FROM fund_payments WHERE project_id = ?", [pid])
        elif rng.random() < 0.5:
            con.execute("DELETE FROM fund_payments WHERE project_id = ? AND date < ?", [pid, day(rng)])
        for _ in range(rng.randrange(0, 4)):
            con.execute("INSERT INTO fund_allocations VALUES (NULL, ?, '县级', ?, ?)",
                        [pid, day(rng, f"{year}-01-01", "2020-11-16"), rng.randrange(1, 90)])
    # villages: more exited poor villages, some small (high incidence), collective income in odd years
    villages = [v for (v,) in con.execute("SELECT village_code FROM villages ORDER BY 1").fetchall()]
    for v in rng.sample(villages, 70):
        exit_year = rng.randrange(2015, 2022)
        con.execute("UPDATE villages SET is_poor_village = true, exit_year = ?, rural_population = ? "
                    "WHERE village_code = ?", [exit_year, rng.choice([0, 150, 400, 900, 2500]), v])
        con.execute("DELETE FROM village_collective_income WHERE village_code = ?", [v])
        for year in sorted(rng.sample(range(2013, 2022), rng.randrange(0, 5))):
            con.execute("INSERT INTO village_collective_income VALUES (?, ?, ?)",
                        [v, year, rng.choice([0.5, 2.0, 3.99, 4.0, 6.5])])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    shutil.copyfile(args.source.resolve(), args.out)
    con = duckdb.connect(str(args.out))
    harden(con, args.seed)
    con.close()


if __name__ == "__main__":
    main()
