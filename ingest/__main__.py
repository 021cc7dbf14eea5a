"""Command line of the import: demo, load, check, rollback, rebuild, use, backup, restore (DESIGN.md "Commands").

Exit codes: 0 done (warnings allowed), 1 refused because of errors, 2 bad usage or nothing to roll back.
"""

from __future__ import annotations

import argparse
import datetime as dt
import errno
import shutil
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from access import audit
from access.files import owner_only_umask
from ingest import publish, timing
from ingest.load import LoadResult, check, load
from ingest.merge import change_line, removals_text
from ingest.problems import ERROR, describe
from ingest.snapshots import snapshot_summary

MAX_PRINTED = 50
DEMO_ENDED = ("原演示县数据已被真实数据取代：演示账户（secretary、township、clerk，密码 demo）已停用，登录页不再提供。"
              "请用 python -m admin add-user 建立正式账户。")


def _print_problems(problems: pl.DataFrame, out=sys.stdout, limit: int = MAX_PRINTED) -> None:
    """At most `limit` problem lines (errors first); the full list goes to the .xlsx error report."""
    errors = int((problems["severity"] == ERROR).sum())
    if problems.height == 0:
        return
    print(f"发现错误 {errors:,} 条、警告 {problems.height - errors:,} 条：", file=out)
    for problem in problems.head(limit).iter_rows(named=True):
        print(f"  [{problem['severity']}] {describe(problem)}", file=out)
    if problems.height > limit:
        print(f"  …… 另有 {problems.height - limit:,} 条未显示，完整清单见问题清单 .xlsx", file=out)


def _write_report(problems: pl.DataFrame, path: Path, report: Path | None, export=None) -> Path | None:
    if problems.height == 0:
        return None
    from ingest.error_report import write_error_report

    # Beside the export by default: where the clerk looks for it (and never inside the program's folder).
    target = report or Path(path).resolve().parent / f"{Path(path).stem}_问题清单.xlsx"
    write_error_report(problems, export if export is not None else Path(path), target)
    return target


def _removals_note(entry: dict) -> str | None:
    """The households that vanished from the snapshot and were not recorded as 清退 (None when there are none)."""
    pending = entry.get("removals_pending", 0)
    if not pending:
        return None
    return (f"另有 {pending:,} 户在上一快照中、本快照中没有：未记为清退。"
            "核实后加 --confirm-removals 重新导入本快照即记为清退。")


def _print_changes(changes, errors: bool, out=sys.stdout) -> None:
    """Per sheet what the publish adds, changes and removes (the preview), and how to replace a sheet."""
    if not changes:
        return
    print("各表变化（未发布）：" if errors else "各表变化：", file=out)
    for change in changes:
        print(f"  {change_line(change)}", file=out)
    removals = removals_text(changes)
    if removals:
        print(removals if errors else removals.replace("发布将删除", "已删除"), file=out)
    merged = [c for c in changes if not c.replace and c.would_remove]
    if merged:
        print("文件中没有的行按主键保留；如文件中的某表是整表的完整导出、其余行应删除，请加 --replace 表名（"
              + "、".join(f"--replace {c.sheet} 将删除 {c.would_remove:,} 行" for c in merged) + "）", file=out)


def _summarise(result: LoadResult) -> None:
    if result.mode == "unchanged":
        print("该快照已导入过，内容相同，未做任何更改。")
        note = _removals_note(result.snapshot or {})
        if note:
            print(note)
        return
    if result.published is None:
        print(f"导入被拒绝：发现 {result.errors.height} 个错误，未发布任何数据，当前数据保持不变。")
        return
    counts = "，".join(f"{k} {v:,} 行" for k, v in result.row_counts.items())
    print(f"已发布新版本 {result.published.name}（{counts}）")
    if result.snapshot is not None:
        print(snapshot_summary(result.snapshot))
        note = _removals_note(result.snapshot)
        if note:
            print(note)
    elif result.kept:
        print(f"{'部分更新：' if result.mode == 'partial' else ''}{'、'.join(result.kept)} 沿用上一版本（文件中没有这些表）")
    if result.ended_demo:
        print(DEMO_ENDED)


def _disk_full(exc: BaseException) -> bool:
    """ENOSPC from Python, or DuckDB's IO error that carries the system's message."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return True
    return "No space left on device" in str(exc) or "磁盘空间不足" in str(exc)


def _report_disk_full(db: Path) -> None:
    """The import stopped for want of disk space; ingest.load has already deleted its partial file."""
    served = publish.current(db)
    folder = db.resolve().parent if db.exists() else db.parent
    try:
        free = f"，当前剩余 {shutil.disk_usage(folder).free / 2**20:,.0f} MB"
    except OSError:
        free = ""
    print(f"磁盘空间不足，导入中止：未发布任何数据，"
          f"{'当前数据保持不变（仍为 ' + served.name + '）' if served else '数据库中仍没有数据'}。"
          f"请清理 {folder} 所在磁盘{free}后重新导入。", file=sys.stderr)


def cmd_load(args) -> int:
    started = time.perf_counter()
    if args.verbose:
        timing.start()
    try:
        result = load(Path(args.path), Path(args.db), user=args.user, **_merge_options(args),
                      **_snapshot_options(args))
    except Exception as exc:
        if not _disk_full(exc):
            raise
        _report_disk_full(Path(args.db))
        return 1
    _print_problems(result.problems)
    with timing.phase("问题清单"):
        report = _write_report(result.problems, Path(args.path), args.report, result.export)
    _print_changes(result.changes, result.published is None)
    _summarise(result)
    _audit_load(args, result)
    if report:
        print(f"问题清单已写入 {report}")
    print(f"用时 {time.perf_counter() - started:.1f} 秒")
    if args.verbose:
        _print_phases()
    return 1 if result.published is None else 0


def _print_phases(out=sys.stderr) -> None:
    """--verbose: the wall time of each phase of the import, in the order they ended."""
    print("各阶段用时（秒）：     实际   CPU", file=out)
    phases = timing.recorded()
    for name, wall, cpu in phases:  # no CPU: a phase run beside others (ingest/timing.py)
        print(f"  {wall:7.1f} {'–' if cpu is None else f'{cpu:.1f}':>7}  {name}", file=out)
    if any(cpu is None for _, _, cpu in phases):
        print("  （CPU 为 – 的阶段在工作线程上与其他阶段同时进行，其 CPU 计入包含它的阶段）", file=out)


def _audit_load(args, result: LoadResult) -> None:
    """The import in the audit trail (who, which file, what became of it), as the 数据导入 page records it."""
    import getpass

    try:
        who = args.user or f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        who = "cli"
    name = Path(args.path).name
    if result.published is None and result.mode != "unchanged":
        audit.record(who, audit.IMPORT_REFUSED, f"{name}：{result.errors.height} 个错误", success=False, db=args.db)
        return
    audit.record(who, audit.IMPORT, f"{name} → {result.published.name if result.published else '未更改'}"
                 f"（{result.mode}）", db=args.db)
    if result.ended_demo:
        from access.store import AccessStore, store_path

        AccessStore(store_path(Path(args.db))).end_demo_accounts()
        audit.record(who, audit.DEMO_ENDED, f"{name} 取代了演示县数据", db=args.db)


def cmd_check(args) -> int:
    merge_options = {} if args.db is None else _merge_options(args)
    export, problems, validated = check(Path(args.path), Path(args.db) if args.db else None, **merge_options,
                                        **_snapshot_options(args))
    frame = problems.frame()
    _print_problems(frame)
    if args.db is not None:
        _print_changes(getattr(validated, "changes", []), True)
    errors = int((frame["severity"] == ERROR).sum())
    report = _write_report(frame, Path(args.path), args.report, export)
    print(f"检查完成：错误 {errors} 条，警告 {frame.height - errors} 条。" + (f"问题清单见 {report}" if report else ""))
    return 1 if errors else 0


def cmd_demo(args) -> int:
    from ingest.demo import write_demo

    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="warroom-demo-") as tmp:
            write_demo(Path(tmp), seed=args.seed, households=args.households)
            result = load(Path(tmp), Path(args.db), user="demo", mode="demo",
                          meta={"is_demo": "true", "demo_seed": str(args.seed),
                                "demo_households": str(args.households)})
    except Exception as exc:
        if not _disk_full(exc):
            raise
        _report_disk_full(Path(args.db))
        return 1
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


def cmd_rebuild(args) -> int:
    from ingest.rebuild import NothingServed, rebuild

    started = time.perf_counter()
    if args.verbose:
        timing.start()
    try:
        version = rebuild(Path(args.db), user=args.user)
    except NothingServed as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(f"已用本版程序重建派生表与预备答案并发布：{version.name}（{time.perf_counter() - started:.1f} 秒）；"
          f"数据本身未改动，需要时可 rollback")
    if args.verbose:
        _print_phases()
    return 0


def cmd_versions(args) -> int:
    served = publish.current(Path(args.db))
    for version in publish.versions(Path(args.db)):
        print(("* " if version == served else "  ") + version.name + f"  {_sidebar_tag(version)}")
    return 0


def _sidebar_tag(version: Path) -> str:
    """How the dashboard's sidebar names this version (第 N 版 · publish time), so a user's report matches a file."""
    import duckdb

    from queries.version_label import of_version

    try:
        return of_version(version)
    except (duckdb.Error, OSError) as exc:
        return f"（无法读取：{str(exc).splitlines()[0][:80]}）"


def cmd_use(args) -> int:
    try:
        version = publish.serve(Path(args.db), args.version)
    except LookupError as exc:
        print(f"{exc}。可用的版本见 python -m ingest versions --db {args.db}", file=sys.stderr)
        return 2
    print(f"已切换到 {version.name}")
    return 0


def cmd_backup(args) -> int:
    from ingest.backup import BackupError, backup

    try:
        made = backup(Path(args.db), Path(args.to))
    except BackupError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(f"已备份到 {made.folder}（数据版本 {made.version}"
          + (f"，{'、'.join(made.sidecars)}" if made.sidecars else "") + "）")
    return 0


def cmd_restore(args) -> int:
    from ingest.backup import BackupError, restore

    try:
        made = restore(Path(args.backup), Path(args.db), force=args.force)
    except BackupError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(f"已从 {made.folder} 恢复：正在使用 {made.version}"
          + (f"，并恢复 {'、'.join(made.sidecars)}" if made.sidecars else "") + "。正在运行的看板下一次操作即用恢复的数据。")
    return 0


def _snapshot_options(args) -> dict:
    """Options that apply when PATH is a 建档立卡 person-level export (a snapshot of history)."""
    return {"as_of": args.as_of, "confirm_removals": args.confirm_removals, "create_places": args.create_places}


def _merge_options(args) -> dict:
    """How the rows of the file meet the served ones (ingest/merge.py)."""
    return {"replace": args.replace or (), "confirm_duplicates": args.confirm_duplicates}


def _add_merge_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--replace", action="append", metavar="表名", default=[],
                   help="整表替换这张表（可重复）：文件中没有的行将被删除。默认按主键合并，不删除任何行")
    p.add_argument("--confirm-duplicates", action="store_true",
                   help="确认追加：没有主键的表（如资金支出）中与当前数据完全相同的行确是新的记录")


def _add_snapshot_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--as-of", type=dt.date.fromisoformat, default=None,
                   help="人员表快照的统计时间（文件中没有「统计时间」列时）")
    p.add_argument("--confirm-removals", action="store_true",
                   help="确认清退：快照中消失的农户按统计时间记为清退（默认只列出，不执行）")
    p.add_argument("--create-places", action="store_true", help="新建数据库中没有的乡镇/村（自动生成代码）")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    owner_only_umask()  # database versions and reports hold personal data (access/files.py)
    if argv[:1] == ["boundaries"]:  # its own parser: GeoJSON / Shapefile options
        from ingest import boundaries_cli

        return boundaries_cli.main(argv[1:])
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
    p.add_argument("--verbose", action="store_true", help="导入结束后列出各阶段用时（读取、校验、写入、派生表、预备答案）")
    _add_merge_options(p)
    _add_snapshot_options(p)
    p.set_defaults(func=cmd_load)
    p = sub.add_parser("check", help="只校验，不发布；有错误时退出码为 1")
    p.add_argument("path")
    p.add_argument("--db", default=None, help="对照的数据库：与其数据合并后校验，并列出各表的新增、修改、删除")
    p.add_argument("--report", type=Path, default=None)
    _add_merge_options(p)
    _add_snapshot_options(p)
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("rollback", help="回滚到上一个版本")
    p.add_argument("--db", required=True)
    p.set_defaults(func=cmd_rollback)
    sub.add_parser("boundaries", help="导入乡镇边界（GeoJSON 或 Shapefile），发布为新版本",
                   add_help=False)  # handled above by ingest.boundaries_cli
    p = sub.add_parser("rebuild", help="升级程序后：用本版程序重建派生表与预备答案，发布为新版本（数据不变）")
    p.add_argument("--db", required=True)
    p.add_argument("--user", default=None)
    p.add_argument("--verbose", action="store_true", help="重建结束后列出各阶段用时（复制、主键、派生表、预备答案）")
    p.set_defaults(func=cmd_rebuild)
    p = sub.add_parser("versions", help="列出保留的版本")
    p.add_argument("--db", required=True)
    p.set_defaults(func=cmd_versions)
    p = sub.add_parser("use", help="切换到一个保留的版本（文件名见 versions）")
    p.add_argument("version")
    p.add_argument("--db", required=True)
    p.set_defaults(func=cmd_use)
    p = sub.add_parser("backup", help="备份正在使用的数据版本与账户、整改清单（看板运行时也可执行）")
    p.add_argument("--db", required=True)
    p.add_argument("--to", required=True, help="备份存放目录（其下新建带时间的子目录）")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", help="从备份目录恢复")
    p.add_argument("backup", help="backup 命令写出的目录")
    p.add_argument("--db", required=True)
    p.add_argument("--force", action="store_true", help="目标已有数据时仍然恢复（覆盖账户与整改清单）")
    p.set_defaults(func=cmd_restore)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
