"""`python -m queries report --db FILE --as-of YYYY-MM-DD --out DIR`: the indicator tables as CSV.

township_indicators.csv follows DESIGN.md exactly: its columns in order, townships then the ALL row,
numbers at full precision with at least 4 decimal places, blanks empty, lagging as true/false.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from pathlib import Path

import numpy as np
import polars as pl

from queries.indicators import REPORT_COLUMNS, township_indicators
from queries.runner import Database, NoDatabase


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def format_cell(value) -> str:
    """One CSV cell. Text that a spreadsheet would run as a formula (=HYPERLINK(...), +, -, @, tab, CR first)
    gets a leading apostrophe, as the Excel downloads keep such text as text; numbers are written as numbers."""
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_START) else value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if not np.isfinite(value):
            return ""
        text = np.format_float_positional(value, trim="-")
        whole, _, decimals = text.partition(".")
        return f"{whole}.{decimals.ljust(4, '0')}"
    return str(value)


def write_csv(frame: pl.DataFrame, path: Path, columns=None) -> None:
    columns = list(columns or frame.columns)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(columns)
        for row in frame.select(columns).iter_rows():
            writer.writerow([format_cell(v) for v in row])


def cmd_report(args) -> int:
    try:
        db = Database.open(Path(args.db))
    except NoDatabase as exc:
        print(str(exc), file=sys.stderr)
        return 2
    with db:
        as_of = args.as_of or db.data_as_of()
        if as_of is None:
            print("数据库中没有任何带日期的记录，无法确定数据截止日期，请用 --as-of 指定", file=sys.stderr)
            return 2
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        frame = township_indicators(db, as_of)
        write_csv(frame, out / "township_indicators.csv", REPORT_COLUMNS)
    print(f"已写入 {out / 'township_indicators.csv'}（数据截止日期 {as_of}）")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m queries", description="脱贫攻坚作战室 指标报表")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("report", help="写出乡镇指标总表 township_indicators.csv")
    p.add_argument("--db", required=True)
    p.add_argument("--as-of", type=dt.date.fromisoformat, default=None, help="数据截止日期 YYYY-MM-DD（默认：数据中最晚日期）")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_report)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
