"""The Monday rush through nginx: 1 process vs 2 (issue 19 §4), measured with bench/load_test.py.

    python bench/nginx_processes.py --db /tmp/x/county.duckdb [--processes 1 2] [--sessions 30] [--duration 180]
    python bench/nginx_processes.py --db … --processes 2 --out DIR -- --publish-during EXPORT --publish-at 0.2

Arguments after `--` go to bench/load_test.py unchanged (publish during the run, think time, seed …); its
report (RSS summed over the processes) is kept under --out.

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


def run(db: Path, processes: int, args, extra: list[str]) -> dict:
    with tempfile.TemporaryDirectory(prefix="warroom-nginx-") as folder, \
            cluster(db, Path(folder), n=processes, balance="", app=args.app_dir) as running:
        out = Path(args.out) if args.out else Path(folder) / "results"
        label = f"{args.label}-nginx-{processes}p" if args.label else f"nginx-{processes}p"
        before = os.getloadavg()
        cmd = [sys.executable, str(ROOT / "bench" / "load_test.py"), "--db", str(db), "--url", running.proxy,
               "--server-pid", *map(str, running.pids), "--warm-sessions", str(processes), "--sessions", str(args.sessions),
               "--duration", str(args.duration), "--label", label, "--out", str(out), "--app-dir", str(args.app_dir),
               *extra]
        subprocess.run(cmd, cwd=ROOT, check=False, stdout=subprocess.DEVNULL)
        after = os.getloadavg()
        (result,) = [json.loads(p.read_text()) for p in out.glob(f"load-{label}-*.json")][-1:]
    return {"processes": processes, "views": result.get("views"), "errors": result.get("errors"),
            "p50": result.get("p50_s"), "p95": result.get("p95_s"), "load_before": before[0], "load_after": after[0],
            "rss_peak": result["rss_mb"].get("peak")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--duration", type=float, default=180)
    parser.add_argument("--out", default=None, help="keep load_test.py's reports here (default: discarded)")
    parser.add_argument("--label", default=None)
    parser.add_argument("--app-dir", type=Path, default=ROOT,
                        help="the source tree the processes run and publish with (default: this one)")
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    args = parser.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    rows = [run(args.db, n, args, extra) for n in args.processes]
    print("| processes | views | errors | p50 s | p95 s | RSS peak MB (all processes) | load avg (1 min) before → after |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for r in rows:
        print(f"| {r['processes']} | {r['views']} | {r['errors']} | {r['p50']} | {r['p95']} | {r['rss_peak']} | "
              f"{r['load_before']:.1f} → {r['load_after']:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
