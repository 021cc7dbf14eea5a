"""Several dashboard processes behind nginx (issue 19 §4), on this machine: two processes share one data
folder; a publish (here a rollback) is seen by both at their next visit, sign-in lock-outs are shared, and the
pages work through nginx under a base path (websocket upgrade) with the shipped location block."""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
import shutil
import sys
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from protocol_client import ProtocolTab  # noqa: E402

from deploy.local_cluster import cluster  # noqa: E402
from tests.conftest import run_cli  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("nginx") is None, reason="needs nginx (Debian package nginx)")


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    folder = tmp_path_factory.mktemp("multi")
    db = folder / "data" / "county.duckdb"
    run_cli("ingest", "demo", "--db", str(db), "--households", "300")
    run_cli("ingest", "demo", "--db", str(db), "--households", "400")
    run_cli("admin", "add-user", "wang", "--name", "王书记", "--role", "县领导", "--db", str(db), input="pw-2026\n")
    with cluster(db, folder, n=2) as running:
        yield db, running.processes, running.proxy


def _run(coro):
    """asyncio.run in a thread of its own: a browser test's Playwright may hold this thread's event loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _visit(base: str, user: str, password: str) -> tuple[str, list[str]]:
    tab = ProtocolTab(base, timeout=120)
    try:
        page = await tab.open("")
        if "用户名" in page.inputs:
            page = await tab.submit(page, {"用户名": user, "密码": password}, "登录")
            if "登录成功" in page.text:
                page = await tab.rerun()
        return page.text, list(page.buttons)
    finally:
        await tab.close()


def _poor_persons(text: str) -> str:
    match = re.search(r"^贫困人口：(.+)$", text, re.M)
    assert match, text[-800:]
    return match.group(1)


def test_through_nginx_under_a_base_path_the_dashboard_signs_in_and_renders(deployment):
    _, _, proxy = deployment
    text, buttons = _run(_visit(proxy, "wang", "pw-2026"))
    assert "总览 · 全县" in text and "退出登录" in buttons
    with urllib.request.urlopen(f"{proxy}/") as r:  # the static page too, with its assets under the path
        assert r.status == 200 and b"<!doctype html>" in r.read(2000).lower()


def test_a_rollback_is_seen_by_every_process_at_its_next_visit(deployment):
    db, processes, _ = deployment
    before = {base: _poor_persons(_run(_visit(base, "wang", "pw-2026"))[0]) for base in processes}
    assert len(set(before.values())) == 1, before
    run_cli("ingest", "rollback", "--db", str(db))  # back to the 300-household county
    after = {base: _poor_persons(_run(_visit(base, "wang", "pw-2026"))[0]) for base in processes}
    assert len(set(after.values())) == 1, after
    assert set(after.values()) != set(before.values()), "both processes serve the rolled-back version"


def test_a_lock_out_earned_on_one_process_holds_on_the_other(deployment):
    _, (first, second), _ = deployment
    run_cli("admin", "add-user", "li", "--name", "李", "--role", "县领导", "--db", str(deployment[0]), input="right-pw\n")
    for _ in range(5):
        text, buttons = _run(_visit(first, "li", "wrong-pw"))
        assert "退出登录" not in buttons
    text, buttons = _run(_visit(second, "li", "right-pw"))
    assert "退出登录" not in buttons and "锁定" in text, text[-500:]
