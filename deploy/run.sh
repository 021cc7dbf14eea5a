#!/usr/bin/env bash
# Start the dashboard of the installed release: TARGET/run.sh [--db FILE] [--port N] [--address A] [--base-url-path P]
# With no --db (and no WARROOM_DB) it builds and serves the demo county. Flags override the environment:
# WARROOM_DB, WARROOM_PORT (8501), WARROOM_ADDRESS (0.0.0.0), WARROOM_BASE_URL_PATH (e.g. zhanshi behind nginx).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
DB=${WARROOM_DB:-}
PORT=${WARROOM_PORT:-8501}
ADDRESS=${WARROOM_ADDRESS:-0.0.0.0}
BASE=${WARROOM_BASE_URL_PATH:-}
while [ $# -gt 0 ]; do
  case "$1" in
    --db) DB=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    --address) ADDRESS=$2; shift 2 ;;
    --base-url-path) BASE=$2; shift 2 ;;
    *) echo "未知参数：$1（可用：--db 文件 --port 端口 --address 地址 --base-url-path 路径）" >&2; exit 2 ;;
  esac
done
if [ -n "$DB" ]; then
  case "$DB" in /*) ;; *) DB="$PWD/$DB" ;; esac
  export WARROOM_DB="$DB"
fi
# Edited ranking weights live with the data, not in a release folder that the next upgrade replaces.
export WARROOM_WEIGHTS=${WARROOM_WEIGHTS:-$HERE/data/weights.toml}
umask 077  # databases, stores and uploads hold personal data: owner-only
cd "$HERE/current/app"
exec "$HERE/current/venv/bin/python" -m streamlit run dashboard.py \
  --server.port "$PORT" --server.address "$ADDRESS" --server.baseUrlPath "$BASE"
