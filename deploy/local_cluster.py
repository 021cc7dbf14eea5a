"""N dashboard processes over one data folder with nginx in front, on this machine: for the multi-process test
and the nginx benchmark, with the shipped location block (deploy/nginx/warroom-locations.conf) so that what is
tested is what a county installs.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCATIONS = ROOT / "deploy" / "nginx" / "warroom-locations.conf"
BASE_PATH = "zhanshi"  # as in the location block and the systemd unit
STICKY = "hash $remote_addr consistent"  # the shipped choice: a browser's requests stay on one process


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not come up in {seconds:.0f} s")
        time.sleep(0.5)


def nginx_conf(folder: Path, port: int, upstreams: list[int], balance: str = STICKY) -> Path:
    """A self-contained nginx.conf in `folder`: one server on `port` with the shipped location block."""
    servers = "\n".join(f"        server 127.0.0.1:{p};" for p in upstreams)
    conf = folder / "nginx.conf"
    conf.write_text(f"""
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    upstream warroom {{
        {balance + ";" if balance else ""}
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        include {LOCATIONS};
    }}
}}
""")
    return conf


@dataclass
class Cluster:
    processes: list[str]   # each process's base URL (with the base path)
    proxy: str             # nginx's base URL
    pids: list[int]


@contextmanager
def cluster(db: Path, folder: Path, n: int = 2, balance: str = STICKY, env: dict | None = None, app: Path = ROOT):
    """Start n `streamlit run dashboard.py` processes serving `db` under the base path, and nginx over them.
    `app`: the source tree they run (another checkout, e.g. a baseline measured in the same sitting)."""
    ports = [free_port() for _ in range(n)]
    procs = []
    nginx = None
    try:
        for port in ports:
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port),
                 "--server.address", "127.0.0.1", "--server.baseUrlPath", BASE_PATH],
                cwd=app, env={**os.environ, "PYTHONPATH": str(app), "WARROOM_DB": str(db), **(env or {})},
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        nginx_port = free_port()
        conf = nginx_conf(folder, nginx_port, ports, balance)
        nginx = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(folder), "-g", "daemon off;"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        bases = [f"http://127.0.0.1:{p}/{BASE_PATH}" for p in ports]
        for base in bases:
            wait_healthy(base)
        proxy = f"http://127.0.0.1:{nginx_port}/{BASE_PATH}"
        wait_healthy(proxy)
        yield Cluster(bases, proxy, [p.pid for p in procs])
    finally:
        if nginx is not None:
            nginx.send_signal(signal.SIGQUIT)
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in [p for p in (nginx, *procs) if p is not None]:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
