#!/usr/bin/env bash
# README command 1: install, build, make sure a Docker engine answers, deploy examples/hello.
. "$(dirname "$0")/common.sh"
install_packages
build berth

SOCK=/var/run/docker.sock
if ! curl -sf --unix-socket "$SOCK" http://docker/_ping >/dev/null 2>&1; then
  echo "berth: no Docker engine answers on $SOCK; starting Debian's dockerd"
  nohup dockerd >/var/log/berth-dockerd.log 2>&1 &
  echo $! >/run/berth-dockerd.pid
  for _ in $(seq 300); do curl -sf --unix-socket "$SOCK" http://docker/_ping >/dev/null 2>&1 && break; sleep 0.1; done
  curl -sf --unix-socket "$SOCK" http://docker/_ping >/dev/null || { echo "dockerd did not start; see /var/log/berth-dockerd.log" >&2; exit 1; }
  echo "berth: dockerd runs as pid $(cat /run/berth-dockerd.pid) (stop it with: kill \$(cat /run/berth-dockerd.pid))"
fi

bash "$ROOT/examples/prepare.sh"
cd "$ROOT/examples/hello"
"$BUILD/cmd/berth" plan
"$BUILD/cmd/berth" apply --yes
"$BUILD/cmd/berth" ps
echo
echo "berth: examples/hello runs. Look at it:  curl http://127.0.0.1:8080/"
echo "       its replicas:  (cd examples/hello && $BUILD/cmd/berth ps)"
echo "       remove it:     (cd examples/hello && $BUILD/cmd/berth destroy --yes)"
