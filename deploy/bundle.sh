#!/usr/bin/env bash
# Build the offline bundles: bash deploy/bundle.sh OUTDIR
#
# Writes OUTDIR/warroom-<version>-linux-x86_64.tar.gz and OUTDIR/warroom-<version>-linux-aarch64.tar.gz
# (ARCHES="x86_64" limits the set). Run it on a machine that reaches the package index; the bundle then
# installs on the intranet with no network: unpack, `bash install.sh TARGET`, `TARGET/run.sh`.
# Each bundle holds the app, every wheel it needs for CPython 3.11 on manylinux (glibc >= 2.28, which some
# wheels such as pyproj need: Kylin V10 / UOS 20 / openEuler 22.03 and newer), install.sh, and SHA256SUMS.
set -euo pipefail

OUT=${1:?usage: bash deploy/bundle.sh OUTDIR}
ARCHES=${ARCHES:-"x86_64 aarch64"}
PYTHON_VERSION=3.11
REPO=$(cd "$(dirname "$0")/.." && pwd)
VERSION=$(tr -d '[:space:]' < "$REPO/VERSION")
PY=${PYTHON:-python3}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# The runtime requirements: requirements.txt up to its test section (tests and benchmarks are not shipped).
awk '/^# tests and benchmarks/{exit} /^[^#[:space:]]/{print}' "$REPO/requirements.txt" > "$WORK/requirements.lock"

platforms() {
  case "$1" in
    x86_64) echo manylinux2014_x86_64 manylinux_2_17_x86_64 manylinux_2_24_x86_64 manylinux_2_26_x86_64 \
                 manylinux_2_27_x86_64 manylinux_2_28_x86_64 ;;
    aarch64) echo manylinux2014_aarch64 manylinux_2_17_aarch64 manylinux_2_24_aarch64 manylinux_2_26_aarch64 \
                  manylinux_2_27_aarch64 manylinux_2_28_aarch64 ;;
    *) echo "unknown architecture: $1" >&2; exit 2 ;;
  esac
}

for ARCH in $ARCHES; do
  NAME="warroom-$VERSION-linux-$ARCH"
  DIR="$WORK/$NAME"
  mkdir -p "$DIR/app" "$DIR/wheels"
  # The app as committed (no generated databases, no tests; bench/ carries the smoke check's client).
  (cd "$REPO" && git ls-files -z --cached --others --exclude-standard -- . ':!tests' ':!.ci' | xargs -0 tar -cf - ) | tar -xf - -C "$DIR/app"
  cp "$WORK/requirements.lock" "$DIR/requirements.lock"
  args=(--only-binary=:all: --python-version "$PYTHON_VERSION" --implementation cp --abi "cp${PYTHON_VERSION/./}"
        --abi abi3 --abi none --platform any)
  for p in $(platforms "$ARCH"); do args+=(--platform "$p"); done
  echo "[$ARCH] downloading wheels ..."
  "$PY" -m pip download -q --disable-pip-version-check "${args[@]}" -r "$DIR/requirements.lock" -d "$DIR/wheels"
  # pip itself, for a target whose python3 has venv but no ensurepip (common on server distributions).
  "$PY" -m pip download -q --disable-pip-version-check "${args[@]}" "pip==$("$PY" -m pip --version | cut -d' ' -f2)" \
    -d "$DIR/wheels"
  cp "$REPO/deploy/install.sh" "$DIR/install.sh"
  printf '%s\n%s\n%s\n' "$VERSION" "$ARCH" "$PYTHON_VERSION" > "$DIR/BUNDLE"
  cp "$REPO/deploy/安装说明.txt" "$DIR/安装说明.txt"
  (cd "$DIR" && find . -type f ! -name SHA256SUMS -print0 | sort -z | xargs -0 sha256sum > SHA256SUMS)
  tar -C "$WORK" -czf "$OUT/$NAME.tar.gz" "$NAME"
  (cd "$OUT" && sha256sum "$NAME.tar.gz" > "$NAME.tar.gz.sha256")
  echo "[$ARCH] $OUT/$NAME.tar.gz ($(du -h "$OUT/$NAME.tar.gz" | cut -f1))"
done
