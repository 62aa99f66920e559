#!/usr/bin/env bash
# Puts Debian's static busybox into the examples' image context (not committed: it is a binary).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=/bin/busybox
[ -x "$src" ] || { echo "install busybox-static first (apt-get install busybox-static)" >&2; exit 1; }
cp "$src" "$here/_image/busybox"
