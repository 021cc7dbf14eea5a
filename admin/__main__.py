"""`python -m admin`: accounts of the dashboard (add, reset password, set role, remove, list) and the audit log.

Accounts live in `<db>.access.sqlite` beside the logical database, never in the data file. Passwords are
read from standard input (or prompted without echo), never from the command line, where `ps` shows them.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from access.roles import ROLES
from access.store import AccessError, AccessStore, store_path


def _password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("新密码：")
        if getpass.getpass("再输入一次：") != first:
            raise AccessError("两次输入的密码不一致")
        return first
    return sys.stdin.readline().rstrip("\n")


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
    store = AccessStore(store_path(Path(args.db)))
    try:
        if args.command == "add-user":
            store.add_user(args.username, args.name, args.role, _password(), args.township)
            print(f"已新增用户 {args.username}（{args.role}）")
        elif args.command == "reset-password":
            store.set_password(args.username, _password())
            store.audit("admin", "重置密码", args.username)
            print(f"已重置 {args.username} 的密码")
        elif args.command == "set-role":
            store.set_role(args.username, args.role, args.township)
            store.audit("admin", "修改角色", f"{args.username} → {args.role}")
            print(f"{args.username} 的角色已改为 {args.role}")
        elif args.command == "remove-user":
            store.remove_user(args.username)
            store.audit("admin", "删除用户", args.username)
            print(f"已删除用户 {args.username}")
        elif args.command == "list":
            for user, _ in store.users():
                print(f"{user.username}\t{user.name}\t{user.role}\t{user.township_code or ''}")
        elif args.command == "audit":
            for at, user, action, detail, ok in store.audit_rows(args.limit):
                print(f"{at}\t{user or '-'}\t{action}\t{detail or ''}\t{'' if ok else '失败'}")
    except AccessError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
