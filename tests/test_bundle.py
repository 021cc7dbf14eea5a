"""The offline bundle (issue 19 §1): built here, installed and started inside a network namespace with no
network at all (as on the county's intranet), where the dashboard must serve the demo county and sign in.

Needs root (unshare -n) and the package index (to build the bundle); skipped with the reason otherwise.
Builds only the bundle of this machine's architecture (ARCHES), which `deploy/bundle.sh` builds with the other.
"""

from __future__ import annotations

import os
import platform
import shutil
import socket
import subprocess
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VERSION = (ROOT / "VERSION").read_text().strip()

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("ip") is None,
                                reason="needs root, unshare and ip for a network namespace")

IN_NAMESPACE = r"""
set -eu
ip link set lo up
if python3 -c 'import socket; socket.create_connection(("pypi.org", 443), timeout=3)' 2>/dev/null; then
  echo "the namespace reaches the network" >&2; exit 90
fi
bash "$BUNDLE/install.sh" "$TARGET"
"$TARGET/run.sh" --port "$PORT" > "$TARGET/logs/dashboard.log" 2>&1 &
trap 'kill %1' EXIT
"$TARGET/current/venv/bin/python" "$TARGET/current/app/deploy/smoke.py" "http://127.0.0.1:$PORT" secretary demo
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bundle")
    arch = platform.machine()
    result = subprocess.run(["bash", str(ROOT / "deploy" / "bundle.sh"), str(out)], capture_output=True, text=True,
                            env={**os.environ, "ARCHES": arch}, timeout=1200)
    assert result.returncode == 0, result.stdout + result.stderr
    archive = out / f"warroom-{VERSION}-linux-{arch}.tar.gz"
    assert archive.exists(), sorted(p.name for p in out.iterdir())
    return archive


def test_bundle_holds_the_app_its_wheels_and_checksums(bundle, tmp_path):
    with tarfile.open(bundle) as tar:
        names = tar.getnames()
        tar.extractall(tmp_path, filter="data")
    top = {n.split("/")[0] for n in names}
    assert top == {bundle.name.removesuffix(".tar.gz")}, "one folder"
    folder = tmp_path / top.pop()
    assert (folder / "install.sh").exists() and (folder / "app" / "dashboard.py").exists()
    assert not (folder / "app" / "tests").exists(), "tests are not shipped"
    wheels = {p.name.split("-")[0].lower() for p in (folder / "wheels").glob("*.whl")}
    assert {"streamlit", "duckdb", "polars", "plotly", "pip"} <= wheels
    sums = (folder / "SHA256SUMS").read_text().splitlines()
    listed = {line.split("  ", 1)[1] for line in sums}
    files = {"./" + str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and p.name != "SHA256SUMS"}
    assert listed == files, "every file has its checksum"
    check = subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout


def test_installs_and_serves_with_no_network(bundle, tmp_path):
    with tarfile.open(bundle) as tar:
        tar.extractall(tmp_path / "unpacked", filter="data")
    (folder,) = (tmp_path / "unpacked").iterdir()
    target = tmp_path / "opt" / "warroom"
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "BUNDLE": str(folder), "TARGET": str(target),
           "PORT": str(_free_port()), "LANG": "C.UTF-8"}
    result = subprocess.run(["unshare", "-n", "bash", "-c", IN_NAMESPACE], capture_output=True, text=True,
                            env=env, timeout=1200)
    log = (target / "logs" / "dashboard.log")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:] + \
        (log.read_text()[-3000:] if log.exists() else "")
    assert "已安装" in result.stdout
    assert "总览 · 全县" in result.stdout and "[退出登录]" in result.stdout, "signed in, the home page rendered"
    assert (target / "current").resolve() == target / "releases" / VERSION
    assert oct((target / "data").stat().st_mode & 0o777) == "0o700"


def test_a_damaged_bundle_refuses_to_install(bundle, tmp_path):
    with tarfile.open(bundle) as tar:
        tar.extractall(tmp_path, filter="data")
    (folder,) = tmp_path.iterdir()
    with open(folder / "app" / "dashboard.py", "a") as f:
        f.write("\n# changed on the way\n")
    result = subprocess.run(["bash", str(folder / "install.sh"), str(tmp_path / "target")], capture_output=True,
                            text=True)
    assert result.returncode != 0 and "校验不符" in result.stderr
    assert not (tmp_path / "target" / "current").exists()
