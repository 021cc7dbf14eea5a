#!/usr/bin/env bash
# Go back to the release installed before the current one (TARGET/previous); the data folder is untouched.
# Restart the service afterwards: systemctl restart warroom (or warroom@*).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
[ -s "$HERE/previous" ] || { echo "没有记录上一版本，无法回退。已安装的版本：$(ls "$HERE/releases")" >&2; exit 2; }
PREV=$(cat "$HERE/previous")
[ -d "$HERE/$PREV" ] || { echo "上一版本 $PREV 已不存在。" >&2; exit 2; }
CUR=$(readlink "$HERE/current")
ln -sfn "$PREV" "$HERE/current.new" && mv -Tf "$HERE/current.new" "$HERE/current"
printf '%s\n' "$CUR" > "$HERE/previous"
echo "已回退到 ${PREV#releases/}（原版本 ${CUR#releases/} 保留，可再次运行本脚本换回）。请重启服务。"
