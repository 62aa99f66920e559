#!/usr/bin/env bash
# README command 2: install, build, run every test. Integration tests build their own lab of
# Docker hosts (tests/lab/lab) and tear it down; this script also removes any lab a crashed test
# left behind.
. "$(dirname "$0")/common.sh"
install_packages
build

cleanup() {
  for d in /tmp/berth-itest-*; do
    [ -f "$d/lab.env" ] && "$ROOT/tests/lab/lab" down --dir "$d" >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT
cd "$BUILD"
ctest --output-on-failure -j2
