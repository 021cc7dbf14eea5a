#!/usr/bin/env bash
# Install (or upgrade) the dashboard from this offline bundle, with no network: bash install.sh TARGET
#
# TARGET/releases/<version>/  the app and its own Python environment (venv), one folder per release
# TARGET/current              -> the release in use; TARGET/previous names the one before (rollback.sh)
# TARGET/data/                databases and the account/整改 stores: shared by every release, never touched here
# TARGET/run.sh [--db FILE] [--port N] [--address A] [--base-url-path P]   start the dashboard
# TARGET/rollback.sh          go back to the previous release (the data stays as it is)
set -euo pipefail

TARGET=${1:?用法：bash install.sh 安装目录}
HERE=$(cd "$(dirname "$0")" && pwd)
{ read -r VERSION; read -r ARCH; read -r PYVER; } < "$HERE/BUNDLE"

say() { printf '%s\n' "$*"; }
die() { printf '安装失败：%s\n' "$*" >&2; exit 1; }

# 1. The bundle is whole: every file against its checksum.
(cd "$HERE" && sha256sum --quiet -c SHA256SUMS) || die "安装包文件校验不符（下载或拷贝不完整），请重新拷贝安装包。"

# 2. The machine fits the bundle.
[ "$(uname -m)" = "$ARCH" ] || die "本安装包适用于 $ARCH，这台服务器是 $(uname -m)；请使用 warroom-$VERSION-linux-$(uname -m).tar.gz。"
PY=""
for candidate in ${PYTHON:-} "python$PYVER" python3; do
  if command -v "$candidate" >/dev/null 2>&1 && \
     [ "$("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" = "$PYVER" ]; then
    PY=$(command -v "$candidate"); break
  fi
done
[ -n "$PY" ] || die "需要 Python $PYVER（含 venv 模块）。请安装系统软件包 python$PYVER（UOS/Debian 另装 python$PYVER-venv），或用 PYTHON=/路径/python$PYVER 指定。"

# 3. The release: its own venv, installed from the bundled wheels only.
mkdir -p "$TARGET"
TARGET=$(cd "$TARGET" && pwd)
RELEASE="$TARGET/releases/$VERSION"
if [ -e "$RELEASE" ]; then
  [ "$(readlink "$TARGET/current" 2>/dev/null)" = "releases/$VERSION" ] && { say "版本 $VERSION 已安装并在使用中，无需重复安装。"; exit 0; }
  rm -rf "$RELEASE"  # a half-finished earlier attempt, or a release not in use: install it afresh
fi
STAGING="$TARGET/releases/.$VERSION.installing"
rm -rf "$STAGING"
mkdir -p "$STAGING"
say "正在安装 $VERSION（$ARCH，Python $PYVER）到 $RELEASE ……"
"$PY" -m venv --without-pip "$STAGING/venv"
PIP_WHEEL=$(ls "$HERE"/wheels/pip-*.whl | head -n1)
export PIP_NO_INDEX=1 PIP_FIND_LINKS="$HERE/wheels" PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_CONFIG_FILE=/dev/null
"$STAGING/venv/bin/python" "$PIP_WHEEL/pip" install -q "$PIP_WHEEL"
"$STAGING/venv/bin/python" -m pip install -q -r "$HERE/requirements.lock"
cp -a "$HERE/app" "$STAGING/app"
cp "$HERE/BUNDLE" "$STAGING/BUNDLE"
# Moved as a whole once complete (run.sh calls venv/bin/python -m ..., which works from the new place).
mv "$STAGING" "$RELEASE"
"$RELEASE/venv/bin/python" -c "import streamlit, duckdb, polars, plotly" || die "Python 依赖安装后无法导入。"

# 4. Shared folders (owner-only: they hold personal data), scripts, and the switch.
install -d -m 700 "$TARGET/data" "$TARGET/logs"
cp "$RELEASE/app/deploy/run.sh" "$TARGET/run.sh.new" && chmod 755 "$TARGET/run.sh.new" && mv -f "$TARGET/run.sh.new" "$TARGET/run.sh"
cp "$RELEASE/app/deploy/rollback.sh" "$TARGET/rollback.sh.new" && chmod 755 "$TARGET/rollback.sh.new" && mv -f "$TARGET/rollback.sh.new" "$TARGET/rollback.sh"
OLD=$(readlink "$TARGET/current" 2>/dev/null || true)
ln -sfn "releases/$VERSION" "$TARGET/current.new" && mv -Tf "$TARGET/current.new" "$TARGET/current"
if [ -n "$OLD" ] && [ "$OLD" != "releases/$VERSION" ]; then printf '%s\n' "$OLD" > "$TARGET/previous"; fi
say "已安装 $VERSION。启动：$TARGET/run.sh [--db 数据库文件] [--port 端口]"
[ -n "$OLD" ] && [ "$OLD" != "releases/$VERSION" ] && say "上一版本 ${OLD#releases/} 保留；如需回退：$TARGET/rollback.sh"

# 5. What cannot travel as a wheel: say which exports need it.
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  say "提示：未找到 Chromium 浏览器。地图 PNG/PDF 导出与季讲评 PPT 中的地图图片不可用（其余功能正常）。"
  say "      请安装系统软件包 chromium（UOS/Debian：apt install chromium；麒麟/openEuler：yum install chromium）。"
fi
if ! fc-list :lang=zh 2>/dev/null | grep -qi "Noto Sans CJK" && \
   [ ! -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ]; then
  say "提示：未找到思源黑体（Noto Sans CJK）。周调度通报 PDF 不可用，图片中的中文可能显示为方框。"
  say "      请安装系统软件包 fonts-noto-cjk（UOS/Debian）或 google-noto-sans-cjk-ttc-fonts（麒麟/openEuler）。"
fi
