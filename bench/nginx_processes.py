"""The Monday rush through nginx: 1 process vs 2 (issue 19 §4), measured with bench/load_test.py.

    python bench/nginx_processes.py --db /tmp/x/county.duckdb [--processes 1 2] [--sessions 30] [--duration 180]

Each configuration: N dashboard processes over the same data folder, nginx in front with the shipped location
block, then `bench/load_test.py --url <nginx>` (protocol client, 30 sessions). All sessions of the load test
come from 127.0.0.1, so the benchmark balances by connection (round robin) instead of the shipped
`hash $remote_addr` (which would send one address to one process); the protocol client never uploads or
downloads, the only requests that need stickiness. Prints one line per configuration with the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from deploy.local_cluster import cluster  # noqa: E402


def run(db: Path, processes: int, args) -> dict:
    with tempfile.TemporaryDirectory(prefix="warroom-nginx-") as folder, \
            cluster(db, Path(folder), n=processes, balance="") as running:
        out = Path(folder) / "results"
        before = os.getloadavg()
        cmd = [sys.executable, str(ROOT / "bench" / "load_test.py"), "--db", str(db), "--url", running.proxy,
               "--sessions", str(args.sessions), "--duration", str(args.duration), "--label",
               f"nginx-{processes}p", "--out", str(out)]
        subprocess.run(cmd, cwd=ROOT, check=False, stdout=subprocess.DEVNULL)
        after = os.getloadavg()
        (result,) = [json.loads(p.read_text()) for p in out.glob("*.json")]
    return {"processes": processes, "views": result.get("views"), "errors": result.get("errors"),
            "p50": result.get("p50_s"), "p95": result.get("p95_s"), "load_before": before[0], "load_after": after[0]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--duration", type=float, default=180)
    args = parser.parse_args()
    rows = [run(args.db, n, args) for n in args.processes]
    print("| processes | views | errors | p50 s | p95 s | load avg (1 min) before → after |")
    print("| ---: | ---: | ---: | ---: | ---: | --- |")
    for r in rows:
        print(f"| {r['processes']} | {r['views']} | {r['errors']} | {r['p50']} | {r['p95']} | "
              f"{r['load_before']:.1f} → {r['load_after']:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
