"""Several dashboard processes behind nginx (issue 19 §4), on this machine: two processes share one data
folder; a publish (here a rollback) is seen by both at their next visit, sign-in lock-outs are shared, and the
pages work through nginx under a base path (websocket upgrade) with the shipped location block."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from protocol_client import ProtocolTab  # noqa: E402

from tests.conftest import run_cli  # noqa: E402

BASE_PATH = "zhanshi"
pytestmark = pytest.mark.skipif(shutil.which("nginx") is None, reason="needs nginx (Debian package nginx)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        assert time.monotonic() < deadline, f"{url} did not come up"
        time.sleep(0.5)


def _nginx_conf(folder: Path, port: int, upstreams: list[int]) -> Path:
    """A server with the shipped location block (deploy/nginx/warroom-locations.conf) over these processes."""
    servers = "\n".join(f"        server 127.0.0.1:{p};" for p in upstreams)
    conf = folder / "nginx.conf"
    conf.write_text(f"""
user root;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 256; }}
http {{
    access_log {folder}/access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    upstream warroom {{
        hash $remote_addr consistent;
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        include {ROOT}/deploy/nginx/warroom-locations.conf;
    }}
}}
""")
    return conf


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    folder = tmp_path_factory.mktemp("multi")
    db = folder / "data" / "county.duckdb"
    run_cli("ingest", "demo", "--db", str(db), "--households", "300")
    run_cli("ingest", "demo", "--db", str(db), "--households", "400")
    run_cli("admin", "add-user", "wang", "--name", "王书记", "--role", "县领导", "--db", str(db), input="pw-2026\n")
    ports = [_free_port(), _free_port()]
    procs = []
    for port in ports:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "WARROOM_DB": str(db)}
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.baseUrlPath", BASE_PATH],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
    nginx_port = _free_port()
    conf = _nginx_conf(folder, nginx_port, ports)
    nginx = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(folder), "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for port in ports:
            _wait(f"http://127.0.0.1:{port}/{BASE_PATH}/_stcore/health")
        _wait(f"http://127.0.0.1:{nginx_port}/{BASE_PATH}/_stcore/health")
        yield db, [f"http://127.0.0.1:{p}/{BASE_PATH}" for p in ports], f"http://127.0.0.1:{nginx_port}/{BASE_PATH}"
    finally:
        nginx.send_signal(signal.SIGQUIT)
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in [nginx, *procs]:
            proc.wait(timeout=30)


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
    text, buttons = asyncio.run(_visit(proxy, "wang", "pw-2026"))
    assert "总览 · 全县" in text and "退出登录" in buttons
    with urllib.request.urlopen(f"{proxy}/") as r:  # the static page too, with its assets under the path
        assert r.status == 200 and b"<!doctype html>" in r.read(2000).lower()


def test_a_rollback_is_seen_by_every_process_at_its_next_visit(deployment):
    db, processes, _ = deployment
    before = {base: _poor_persons(asyncio.run(_visit(base, "wang", "pw-2026"))[0]) for base in processes}
    assert len(set(before.values())) == 1, before
    run_cli("ingest", "rollback", "--db", str(db))  # back to the 300-household county
    after = {base: _poor_persons(asyncio.run(_visit(base, "wang", "pw-2026"))[0]) for base in processes}
    assert len(set(after.values())) == 1, after
    assert set(after.values()) != set(before.values()), "both processes serve the rolled-back version"


def test_a_lock_out_earned_on_one_process_holds_on_the_other(deployment):
    _, (first, second), _ = deployment
    run_cli("admin", "add-user", "li", "--name", "李", "--role", "县领导", "--db", str(deployment[0]), input="right-pw\n")
    for _ in range(5):
        text, buttons = asyncio.run(_visit(first, "li", "wrong-pw"))
        assert "退出登录" not in buttons
    text, buttons = asyncio.run(_visit(second, "li", "right-pw"))
    assert "退出登录" not in buttons and "锁定" in text, text[-500:]
