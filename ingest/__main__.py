"""Command line of the import: demo, load, check, rollback (DESIGN.md "Commands").

Exit codes: 0 done (warnings allowed), 1 refused because of errors, 2 bad usage or nothing to roll back.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from ingest import publish
from ingest.load import LoadResult, check, load
from ingest.problems import ERROR, WARNING, describe

MAX_PRINTED = 50


def _print_problems(problems: pl.DataFrame, out=sys.stdout) -> None:
    errors = problems.filter(pl.col("severity") == ERROR)
    warnings = problems.filter(pl.col("severity") == WARNING)
    for title, frame in (("错误", errors), ("警告", warnings)):
        if frame.height == 0:
            continue
        print(f"{title} {frame.height} 条：", file=out)
        for problem in frame.head(MAX_PRINTED).iter_rows(named=True):
            print(f"  {describe(problem)}", file=out)
        if frame.height > MAX_PRINTED:
            print(f"  …… 另有 {frame.height - MAX_PRINTED} 条未显示，完整清单见错误报告", file=out)


def _write_report(problems: pl.DataFrame, path: Path, report: Path | None) -> Path | None:
    if problems.height == 0:
        return None
    from ingest.error_report import write_error_report

    target = report or Path.cwd() / f"{Path(path).stem}_问题清单.xlsx"
    write_error_report(problems, Path(path), target)
    return target


def _summarise(result: LoadResult) -> None:
    if result.published is None:
        print(f"导入被拒绝：发现 {result.errors.height} 个错误，未发布任何数据，当前数据保持不变。")
        return
    counts = "，".join(f"{k} {v:,} 行" for k, v in result.row_counts.items())
    print(f"已发布新版本 {result.published.name}（{counts}）")
    if result.kept:
        print(f"部分更新：{'、'.join(result.kept)} 沿用上一版本")


def cmd_load(args) -> int:
    started = time.perf_counter()
    result = load(Path(args.path), Path(args.db), user=args.user)
    _print_problems(result.problems)
    report = _write_report(result.problems, Path(args.path), args.report) if result.problems.height else None
    _summarise(result)
    if report:
        print(f"问题清单已写入 {report}")
    print(f"用时 {time.perf_counter() - started:.1f} 秒")
    return 1 if result.published is None else 0


def cmd_check(args) -> int:
    _, problems, _ = check(Path(args.path), Path(args.db) if args.db else None)
    frame = problems.frame()
    _print_problems(frame)
    errors = int((frame["severity"] == ERROR).sum())
    report = _write_report(frame, Path(args.path), args.report)
    print(f"检查完成：错误 {errors} 条，警告 {frame.height - errors} 条。" + (f"问题清单见 {report}" if report else ""))
    return 1 if errors else 0


def cmd_demo(args) -> int:
    from ingest.demo import write_demo

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="warroom-demo-") as tmp:
        write_demo(Path(tmp), seed=args.seed, households=args.households)
        result = load(Path(tmp), Path(args.db), user="demo", mode="demo",
                      meta={"is_demo": "true", "demo_seed": str(args.seed), "demo_households": str(args.households)})
    if result.published is None:
        _print_problems(result.problems)
        print("演示数据生成失败（这是程序缺陷，请报告）", file=sys.stderr)
        return 1
    print(f"演示县已生成：{result.published}（{time.perf_counter() - started:.1f} 秒）")
    return 0


def cmd_rollback(args) -> int:
    try:
        previous = publish.rollback(Path(args.db))
    except LookupError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(f"已回滚到 {previous.name}")
    return 0


def cmd_versions(args) -> int:
    served = publish.current(Path(args.db))
    for version in publish.versions(Path(args.db)):
        print(("* " if version == served else "  ") + version.name)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest", description="脱贫攻坚作战室 数据导入")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="生成演示县并导入")
    p.add_argument("--db", required=True)
    p.add_argument("--seed", type=int, default=2020)
    p.add_argument("--households", type=int, default=7000)
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser("load", help="校验并发布一份导出数据（CSV 文件夹、.zip 或 .xlsx）")
    p.add_argument("path")
    p.add_argument("--db", required=True)
    p.add_argument("--user", default=None)
    p.add_argument("--report", type=Path, default=None, help="问题清单 .xlsx 的保存位置")
    p.set_defaults(func=cmd_load)
    p = sub.add_parser("check", help="只校验，不发布；有错误时退出码为 1")
    p.add_argument("path")
    p.add_argument("--db", default=None, help="部分更新时，对照的数据库")
    p.add_argument("--report", type=Path, default=None)
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("rollback", help="回滚到上一个版本")
    p.add_argument("--db", required=True)
    p.set_defaults(func=cmd_rollback)
    p = sub.add_parser("versions", help="列出保留的版本")
    p.add_argument("--db", required=True)
    p.set_defaults(func=cmd_versions)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
