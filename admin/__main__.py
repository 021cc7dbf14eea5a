"""`python -m admin`: accounts of the dashboard (add, reset password, set role, remove, list) and the audit log.

Accounts live in `<db>.access.sqlite` beside the logical database, never in the data file. Passwords are
read from standard input (or prompted without echo), never from the command line, where `ps` shows them.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from access import audit
from access.files import owner_only_umask
from access.roles import ROLES, TOWNSHIP
from access.store import AccessError, AccessStore, store_path


def _password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("新密码：")
        if getpass.getpass("再输入一次：") != first:
            raise AccessError("两次输入的密码不一致")
        return first
    return sys.stdin.readline().rstrip("\n")


def _actor() -> str:
    """Who ran the command, for the audit trail: the server account that has the store in hand."""
    try:
        return f"admin:{getpass.getuser()}"
    except (KeyError, OSError):
        return "admin"


def _township(db: Path, role: str, code: str | None) -> str | None:
    """The township code a 乡镇 account is bound to, checked against the served data (None for other roles).

    An unknown code (or ALL) would leave the account without a scope the query layer can enforce."""
    if role != TOWNSHIP:
        if code:
            raise AccessError(f"只有乡镇角色绑定乡镇，{role}角色不需要 --township")
        return None
    if not code or code.strip().upper() == "ALL":
        raise AccessError("乡镇角色必须用 --township 绑定一个乡镇代码（不能是 ALL；全县请用县领导角色）")
    import duckdb

    from ingest import publish

    code = code.strip()
    version = publish.current(db)
    if version is None:
        raise AccessError(f"{db} 还没有数据，无法核对乡镇代码：请先导入数据，再新增乡镇账户")
    con = duckdb.connect(str(version), read_only=True)
    try:
        rows = con.sql("SELECT township_code, township_name FROM townships ORDER BY 1").fetchall()
    finally:
        con.close()
    if code not in {c for c, _ in rows}:
        known = "、".join(f"{c}（{n}）" for c, n in rows[:20]) + ("……" if len(rows) > 20 else "")
        raise AccessError(f"没有乡镇代码 {code}。当前数据中的乡镇：{known}")
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m admin", description="脱贫攻坚作战室 账户管理")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("add-user", help="新增用户（密码从标准输入读取）")
    p.add_argument("username")
    p.add_argument("--name", required=True, help="显示的姓名或职务")
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument("--township", default=None, help="乡镇角色绑定的乡镇代码")
    p = sub.add_parser("reset-password", help="重置密码并解除锁定")
    p.add_argument("username")
    p = sub.add_parser("set-role", help="修改角色")
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument("--township", default=None)
    p = sub.add_parser("remove-user", help="删除用户")
    p.add_argument("username")
    sub.add_parser("list", help="列出用户")
    p = sub.add_parser("audit", help="最近的审计记录")
    p.add_argument("--limit", type=int, default=50)
    for p in sub.choices.values():
        p.add_argument("--db", required=True, help="数据库逻辑名（如 data/county.duckdb）")
    args = parser.parse_args(argv)
    owner_only_umask()
    db = Path(args.db)
    store = AccessStore(store_path(db))
    actor = _actor()
    try:
        if args.command == "add-user":
            township = _township(db, args.role, args.township)
            store.add_user(args.username, args.name, args.role, _password(), township)
            username = args.username.strip().lower()
            audit.record(actor, audit.ADD_USER, f"{username}（{args.name}，{args.role}{'，' + township if township else ''}）",
                         db=db)
            print(f"已新增用户 {username}（{args.role}{'，乡镇 ' + township if township else ''}）")
        elif args.command == "reset-password":
            store.set_password(args.username, _password())
            audit.record(actor, audit.RESET_PASSWORD, f"{args.username.strip().lower()}（已登录的会话与登录凭证全部失效）",
                         db=db)
            print(f"已重置 {args.username} 的密码；该用户已登录的会话与 12 小时登录凭证全部失效")
        elif args.command == "set-role":
            township = _township(db, args.role, args.township)
            old = store.set_role(args.username, args.role, township)
            audit.record(actor, audit.SET_ROLE, f"{old.username}：{old.role}{'（' + old.township_code + '）' if old.township_code else ''}"
                         f" → {args.role}{'（' + township + '）' if township else ''}", db=db)
            print(f"{old.username} 的角色已改为 {args.role}；该用户需重新登录")
        elif args.command == "remove-user":
            store.remove_user(args.username)
            audit.record(actor, audit.REMOVE_USER, args.username.strip().lower(), db=db)
            print(f"已删除用户 {args.username}")
        elif args.command == "list":
            for user, _ in store.users():
                print(f"{user.username}\t{user.name}\t{user.role}\t{user.township_code or ''}")
        elif args.command == "audit":
            for at, user, action, detail, ok in store.audit_rows(args.limit):
                print(f"{at}\t{user or '-'}\t{action}\t{detail or ''}\t{'' if ok else '失败'}")
    except AccessError as exc:
        if args.command in ("add-user", "set-role", "reset-password", "remove-user"):
            audit.record(actor, {"add-user": audit.ADD_USER, "set-role": audit.SET_ROLE,
                                 "reset-password": audit.RESET_PASSWORD, "remove-user": audit.REMOVE_USER}[args.command],
                         f"{args.username}：{exc}", success=False, db=db)
        print(str(exc), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
