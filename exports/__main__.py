"""`python -m exports`: the meeting papers without a browser (e.g. early Monday from a scheduled task).

    python -m exports brief --db FILE --as-of YYYY-MM-DD --out DIR [--format pdf,docx]
    python -m exports deck  --db FILE --quarter 2020Q3 --out DIR

The files are the ones the 周调度 and 季讲评 buttons download: same names, same frames (exports.assemble),
same settings and ranking weights. Exit code 2 with a message in Chinese when the input is wrong.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys
from pathlib import Path

import polars as pl

import ranking_weights
import settings as settings_module
from exports import assemble, brief_pdf, capabilities, files
from exports.pace import WINDOW_DAYS
from queries.indicators import township_indicators
from queries.runner import Database, NoDatabase

FORMATS = ("pdf", "docx")


def rectify_items(db: Path) -> pl.DataFrame:
    """The 整改销号 list beside the database (empty when the county has none yet); never created here."""
    from rectification.store import SCHEMA, RectifyStore, store_path

    path = store_path(db)
    if not path.exists():
        return pl.DataFrame(schema=SCHEMA)
    return RectifyStore(path).items()


def _audit(db: str, file_name: str) -> None:
    """Exports go into the audit trail like the page's buttons (user: the account that ran the command)."""
    from access import audit

    audit.record(f"命令行:{getpass.getuser()}", audit.EXPORT, file_name, db=db)


def _open(db: str) -> Database:
    try:
        return Database.open(Path(db))
    except NoDatabase as exc:
        raise SystemExit(_fail(str(exc)))


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 2


def cmd_brief(args) -> int:
    formats = [f.strip().lower() for f in args.format.split(",") if f.strip()]
    wrong = [f for f in formats if f not in FORMATS]
    if wrong or not formats:
        return _fail(f"--format 只能是 pdf、docx 或 pdf,docx，收到：{args.format}")
    config = settings_module.load()
    weights = ranking_weights.effective(config.weights)
    with _open(args.db) as db:
        as_of = args.as_of or db.data_as_of()
        if as_of is None:
            return _fail("数据库中没有任何带日期的记录，无法确定数据截止日期，请用 --as-of 指定")
        week = assemble.gather_week(db.run, lambda d: township_indicators(db, d, config), as_of, config, weights)
        county = db.run("county_name")["county_name"][0]
    brief = assemble.weekly_brief(week, county, rectify_items(Path(args.db)))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    failed = 0
    for fmt in formats:
        path = out / files.brief_name(as_of, fmt)
        try:
            data = files.render_brief(brief, fmt)
        except brief_pdf.FontMissing as exc:
            failed = _fail(f"未写出 {path.name}：{exc}")
            continue
        path.write_bytes(data)
        _audit(args.db, path.name)
        print(f"已写入 {path}")
    return failed


def cmd_deck(args) -> int:
    from components.presentation import Quarter
    from exports.deck_pptx import build_deck, map_images

    try:
        quarter = Quarter.parse(args.quarter)
        if not 1 <= quarter.q <= 4:
            raise ValueError
    except ValueError:
        return _fail(f"--quarter 应形如 2020Q3，收到：{args.quarter}")
    config = settings_module.load()
    weights = ranking_weights.effective(config.weights)
    with _open(args.db) as db:
        latest = db.data_as_of()
        if latest is None or dt.date(quarter.year, 3 * quarter.q - 2, 1) > latest:
            return _fail(f"{quarter.label}还没有数据（数据截止 {latest}）")
        as_of, start_as_of = quarter.as_of(latest), quarter.previous.end
        now, start = township_indicators(db, as_of, config), township_indicators(db, start_as_of, config)
        data = assemble.deck_input(quarter.label, as_of, start_as_of, now, start, db.run("townships"), weights,
                                   config.income_growth_benchmark_pct,
                                   county_name=db.run("county_name")["county_name"][0],
                                   rectify=rectify_items(Path(args.db)),
                                   pace_window=db.run("township_pace", as_of=as_of, window_days=WINDOW_DAYS),
                                   meeting_date=args.meeting_date)
        boundaries = db.run("map_boundaries")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / files.deck_name(quarter.key)
    no_maps = capabilities.map_images_unavailable()
    if no_maps:
        print(no_maps + "PPT 中的挂图作战页以柱状图代替。", file=sys.stderr)
    path.write_bytes(build_deck(data, maps={} if no_maps else map_images(now, boundaries)))
    _audit(args.db, path.name)
    print(f"已写入 {path}")
    return 0


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应为 YYYY-MM-DD，收到：{text}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m exports", description="生成周调度通报和季讲评 PPT")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("brief", help="周调度通报（PDF、Word）")
    p.add_argument("--db", required=True, help="数据库（逻辑名，如 data/county.duckdb）")
    p.add_argument("--as-of", type=_date, help="数据截止日期 YYYY-MM-DD（默认：数据中最新的日期）")
    p.add_argument("--out", required=True, help="输出文件夹")
    p.add_argument("--format", default="pdf,docx", help="pdf、docx 或 pdf,docx（默认两种都写）")
    p.set_defaults(func=cmd_brief)
    p = sub.add_parser("deck", help="季讲评 PowerPoint")
    p.add_argument("--db", required=True, help="数据库（逻辑名，如 data/county.duckdb）")
    p.add_argument("--quarter", required=True, help="季度，如 2020Q3")
    p.add_argument("--meeting-date", type=_date, help="讲评会日期 YYYY-MM-DD（写在封面，可不填）")
    p.add_argument("--out", required=True, help="输出文件夹")
    p.set_defaults(func=cmd_deck)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
