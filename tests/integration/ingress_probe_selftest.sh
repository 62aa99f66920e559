#!/usr/bin/env bash
# Checks tests/integration/ingress_probe.py against a real proxy, on loopback only: Caddy
# (/usr/bin/caddy, admin API on a unix socket in a temp dir, HTTP on 127.0.0.1:$BASE) in front of
# two tiny Python upstreams (127.0.0.1:$BASE+1 answers "v1 a", $BASE+2 "v2 b"; /cgi-bin/slow
# answers after 2 s).
#
#   1. While the probe runs, Caddy is switched from v1's upstream to v2's (`caddy reload`): the
#      probe must report zero failures, v1 then v2 and nothing after v2, with a slow request in
#      flight across the switch that succeeded.
#   2. Negative control: Caddy back on v1, the probe running, the v1 upstream is killed (by its
#      PID, SIGKILL) while slow requests are in flight, with no switch first: the probe must
#      report failures (502s from Caddy).
#
#   3. Then RELOADS (default 10) more switches v1 <-> v2, 0.3 s apart, under load: zero failures.
#   4. The probe's own rules, no Caddy: an upstream on $BASE+3 that closes each keep-alive
#      connection right after its answer (no "Connection: close"), and that drops a slow request
#      on a reused connection after 1 s with a reset and no byte of answer. The fast workers must
#      see no failure (idle closes and stale resends are not failures); the keep-alive slow
#      worker must see failures (a dropped request is not a stale connection), the fresh one none.
#   5. The kinds of failure, same upstream: a body that is not "VERSION NAME", a 500, an answer
#      that never comes (--timeout 1), an answer cut short of its Content-Length (whose part
#      would parse): each counted as its kind, no ready file (no worker had a 200), stopped by
#      --max-seconds. And bad arguments exit 2.
#
# Caddy on Linux binds each config's listener anew with SO_REUSEPORT; at a reload the old
# socket is closed, and the kernel resets the connections still in its accept queue (a fresh
# connection gets "connection reset" before any byte of the answer: about one reload in two here)
# unless net.ipv4.tcp_migrate_req=1 (Linux 5.14+), which moves them to the new socket. So, as
# root, the script runs itself in a network namespace of its own (unshare --net: only its own
# loopback) with tcp_migrate_req=${MIGRATE:-1}; MIGRATE=0 shows the resets (case 1 or 3 fails).
# The ingress proxy containers need the same sysctl (docker run --sysctl
# net.ipv4.tcp_migrate_req=1, a namespaced sysctl) for "zero failed requests" across reloads.
#
# Every process it starts is stopped by its PID; ports BASE..BASE+3 (BASE=18180 unless set);
# KEEP=1 keeps the probe outputs and logs (they are kept anyway when it fails).
# Exits 0 when the expectations hold, 1 otherwise. Needs Debian's caddy, python3, iproute2.
set -euo pipefail

if [ "${INGRESS_SELFTEST_NETNS:-}" != 1 ] && [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
  # unshare execs bash: the PID stays this script's.
  exec env INGRESS_SELFTEST_NETNS=1 unshare --net -- "$BASH" "$0" "$@"
fi
if [ "${INGRESS_SELFTEST_NETNS:-}" = 1 ]; then
  ip link set lo up
  sysctl -qw "net.ipv4.tcp_migrate_req=${MIGRATE:-1}" ||
    echo "selftest: cannot set net.ipv4.tcp_migrate_req: Caddy reloads may reset new connections"
else
  echo "selftest: not root: runs in this network namespace," \
    "net.ipv4.tcp_migrate_req=$(cat /proc/sys/net/ipv4/tcp_migrate_req 2>/dev/null || echo '?')"
fi

HERE=$(cd "$(dirname "$0")" && pwd)
PROBE="$HERE/ingress_probe.py"
CADDY=${CADDY:-/usr/bin/caddy}
PY=${PYTHON:-python3}
BASE=${BASE:-18180}
PROXY=$BASE V1=$((BASE + 1)) V2=$((BASE + 2)) TRICKY=$((BASE + 3))
W=$(mktemp -d /tmp/ingress-probe-selftest.XXXXXX)
CADDY_PID="" V1_PID="" V2_PID="" TRICKY_PID="" PROBE_PID=""

log() { echo "selftest: $*"; }
fail() { echo "selftest: FAIL: $*" >&2; exit 1; }

stop() {  # pid: TERM, then KILL after 5 s; only our own children
  local pid=$1
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  stop "$PROBE_PID"; stop "$CADDY_PID"; stop "$V1_PID"; stop "$V2_PID"; stop "$TRICKY_PID"
  if [ "$rc" != 0 ] || [ -n "${KEEP:-}" ]; then
    log "logs and probe outputs kept in $W"
  else
    rm -rf "$W"
  fi
  exit "$rc"
}
trap cleanup EXIT

for p in "$PROXY" "$V1" "$V2" "$TRICKY"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then fail "127.0.0.1:$p is in use; set BASE"; fi
done

cat >"$W/upstream.py" <<'EOF'
import http.server, sys, time
port, body = int(sys.argv[1]), (sys.argv[2] + "\n").encode()
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK wait
    def do_GET(self):
        if self.path.startswith("/cgi-bin/slow"):
            time.sleep(2)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", port), H)
s.daemon_threads = True
s.serve_forever()
EOF

caddy_config() {  # upstream port -> Caddy JSON
  cat <<EOF
{"admin": {"listen": "unix/$W/admin.sock"},
 "logging": {"logs": {"default": {"level": "WARN"}}},
 "storage": {"module": "file_system", "root": "$W/data"},
 "apps": {"http": {"servers": {"ingress": {
   "listen": ["127.0.0.1:$PROXY"],
   "automatic_https": {"disable": true},
   "routes": [{"match": [{"host": ["app.test"]}],
               "handle": [{"handler": "reverse_proxy", "upstreams": [{"dial": "127.0.0.1:$1"}]}]}]}}}}}
EOF
}
caddy_config "$V1" >"$W/v1.json"
caddy_config "$V2" >"$W/v2.json"

answers() {  # expected body
  [ "$(curl -s --max-time 2 -H 'Host: app.test' "http://127.0.0.1:$PROXY/")" = "$1" ]
}
wait_until() {  # tenths, command...
  local n=$1; shift
  for _ in $(seq "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}
now() { date +%s.%N; }
reload() { "$CADDY" reload --config "$1" --address "unix/$W/admin.sock" >>"$W/reload.log" 2>&1; }

start_upstream() {  # port body -> pid in $!
  "$PY" "$W/upstream.py" "$1" "$2" >>"$W/upstream-$1.log" 2>&1 &
}
start_upstream "$V1" "v1 a"; V1_PID=$!
start_upstream "$V2" "v2 b"; V2_PID=$!
HOME=$W XDG_DATA_HOME=$W/data XDG_CONFIG_HOME=$W/config \
  "$CADDY" run --config "$W/v1.json" >"$W/caddy.log" 2>&1 &
CADDY_PID=$!
wait_until 100 answers "v1 a" || fail "Caddy did not answer v1 a on 127.0.0.1:$PROXY; see $W/caddy.log"

run_probe() {  # name [port] -> PROBE_PID
  rm -f "$W/$1.stop" "$W/$1.ready"
  "$PY" "$PROBE" --url "http://127.0.0.1:${2:-$PROXY}/" --host-header app.test --workers 6 \
    --slow-workers 2 --slow-path /cgi-bin/slow --max-seconds 60 --stop-file "$W/$1.stop" \
    --ready-file "$W/$1.ready" --out "$W/$1.json" 2>"$W/$1.log" &
  PROBE_PID=$!
  wait_until 200 test -f "$W/$1.ready" || fail "probe $1 never ready; see $W/$1.log"
}
finish_probe() {  # name
  touch "$W/$1.stop"
  wait "$PROBE_PID" || fail "probe $1 exited $?"
  PROBE_PID=""
  cat "$W/$1.log"
}

# 1. A switch under load: zero failures, v1 then v2.
log "1: switch v1 -> v2 under load"
run_probe switch
sleep 1.5
T_SWITCH0=$(now)
reload "$W/v2.json" || fail "caddy reload to v2 failed; see $W/reload.log"
T_SWITCH1=$(now)
wait_until 50 answers "v2 b" || fail "Caddy did not switch to v2"
sleep 3
finish_probe switch
"$PY" - "$W/switch.json" "$T_SWITCH0" "$T_SWITCH1" <<'EOF' || fail "switch: expectations not met (see above)"
import json, sys
r = json.load(open(sys.argv[1]))
s0 = float(sys.argv[2]) - r["started_epoch"]
s1 = float(sys.argv[3]) - r["started_epoch"]
across = [q for q in r["slow_requests"] if q["t0"] < s0 and q["t1"] > s1]
print(f"  total {r['total']} ok {r['ok']} failed {r['failed']} stale_retries {r['stale_retries']} idle_closed {r['idle_closed']} "
      f"versions {r['version_order']} transitions {r['transitions_total']} reversals {r['reversals']} "
      f"final {r['final_version']} switch at t={s0:.3f}..{s1:.3f} s; "
      f"slow requests across it: {[(q['t0'], q['t1'], q['version'], q['ok']) for q in across]}")
print(f"  versions {json.dumps(r['versions'])}")
print(f"  latency fast p50 {r['latency_ms']['fast']['p50']} p99 {r['latency_ms']['fast']['p99']} ms, "
      f"slow p50 {r['latency_ms']['slow']['p50']} ms; {r['requests_per_s']} req/s")
bad = []
if r["failed"] != 0:
    bad.append(f"{r['failed']} failed: {r['failures'][:5]}")
if r["version_order"] != ["v1", "v2"] or r["final_version"] != "v2":
    bad.append(f"versions {r['version_order']}, final {r['final_version']}")
if r["versions"].get("v1", {}).get("last_t", 1e9) > s1 + 2.5:
    bad.append("v1 still answered a request sent 2.5 s after the switch")
if not [q for q in across if q["ok"]]:
    bad.append("no successful slow request in flight across the switch")
if not r["ready"] or r["stopped_by"] != "stop-file":
    bad.append(f"ready {r['ready']}, stopped by {r['stopped_by']}")
for b in bad:
    print("  expected otherwise:", b)
sys.exit(1 if bad else 0)
EOF
log "1: ok"

# 2. Negative control: the upstream dies under load, nothing switched first: failures reported.
log "2: kill the v1 upstream (PID $V1_PID) with slow requests in flight, no switch"
reload "$W/v1.json" || fail "caddy reload to v1 failed"
wait_until 50 answers "v1 a" || fail "Caddy did not switch back to v1"
run_probe kill
sleep 1
T_KILL=$(now)
kill -9 "$V1_PID"; wait "$V1_PID" 2>/dev/null || true; V1_PID=""
sleep 2
finish_probe kill
"$PY" - "$W/kill.json" "$T_KILL" <<'EOF' || fail "negative control: expectations not met (see above)"
import json, sys
r = json.load(open(sys.argv[1]))
k = float(sys.argv[2]) - r["started_epoch"]
inflight = [q for q in r["slow_requests"] if q["t0"] < k < q["t1"]]
print(f"  total {r['total']} ok {r['ok']} failed {r['failed']} by_status {r['by_status']} "
      f"5xx {r['status_5xx']} kinds {r['failures_by_kind']} kill at t={k:.3f} s; "
      f"slow requests in flight then: {[(q['t0'], q['version'], q['ok']) for q in inflight]}")
bad = []
if r["failed"] == 0 or r["zero_failed"]:
    bad.append("no failure reported")
if r["status_5xx"] == 0:
    bad.append("no 5xx counted")
if not inflight or any(q["ok"] for q in inflight):
    bad.append("slow requests in flight at the kill should have failed")
if r["failures"] and min(f["t"] for f in r["failures"]) < k - 2.5:
    bad.append("failures before the kill")
for b in bad:
    print("  expected otherwise:", b)
sys.exit(1 if bad else 0)
EOF
log "2: ok"

# 3. Many switches under load: zero failures; stale keep-alive connections are retried.
RELOADS=${RELOADS:-10}
log "3: $RELOADS switches v1 <-> v2 under load"
start_upstream "$V1" "v1 a"; V1_PID=$!
wait_until 50 answers "v1 a" || fail "v1 upstream did not come back"
run_probe storm
for _ in $(seq "$RELOADS"); do
  reload "$W/v2.json" || fail "caddy reload to v2 failed"
  sleep 0.3
  reload "$W/v1.json" || fail "caddy reload to v1 failed"
  sleep 0.3
done
finish_probe storm
"$PY" - "$W/storm.json" <<'EOF' || fail "switches: expectations not met (see above)"
import json, sys
r = json.load(open(sys.argv[1]))
print(f"  total {r['total']} ok {r['ok']} failed {r['failed']} stale_retries {r['stale_retries']} idle_closed {r['idle_closed']} "
      f"kinds {r['failures_by_kind']} transitions {r['transitions_total']} "
      f"fast p99 {r['latency_ms']['fast']['p99']} ms")
bad = []
if r["failed"] != 0:
    bad.append(f"{r['failed']} failed: {r['failures'][:3]}")
if set(r["version_order"]) != {"v1", "v2"}:
    bad.append(f"versions {r['version_order']}")
for b in bad:
    print("  expected otherwise:", b)
sys.exit(1 if bad else 0)
EOF
log "3: ok"

# 4. The probe's rules on stale connections and dropped requests, against a tricky upstream.
log "4: idle closes and stale resends are not failures; a dropped slow request is"
cat >"$W/tricky.py" <<'EOF'
import socket, struct, sys, threading, time
def serve(c):
    n, buf = 0, b""
    try:
        while True:
            while b"\r\n\r\n" not in buf:
                d = c.recv(4096)
                if not d:
                    return
                buf += d
            head, buf = buf.split(b"\r\n\r\n", 1)
            path = head.split(b" ")[1].decode()
            n += 1
            if path == "/short":  # parses as "VERSION NAME", but 5 of the 20 bytes it promised
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\nv1 ab")
                return
            if path == "/hang":
                time.sleep(30)
                return
            if path in ("/bad-body", "/status500"):
                body = b"not one line\nof two words\n" if path == "/bad-body" else b"v1 err\n"
                code = b"500 Internal Server Error" if path == "/status500" else b"200 OK"
                c.sendall(b"HTTP/1.1 %s\r\nContent-Length: %d\r\n\r\n%s" % (code, len(body), body))
                continue
            if path.startswith("/cgi-bin/slow"):
                if n >= 2:  # a request on a reused connection: dropped, nothing answered
                    time.sleep(1)
                    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    return
                time.sleep(2)
            body = b"v1 tricky\n"
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            if not path.startswith("/cgi-bin/slow"):
                return  # closes a keep-alive connection as idle, without saying so
    finally:
        c.close()
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(128)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF
"$PY" "$W/tricky.py" "$TRICKY" >"$W/tricky.log" 2>&1 &
TRICKY_PID=$!
wait_until 50 curl -sf "http://127.0.0.1:$TRICKY/" || fail "tricky upstream did not answer"
run_probe tricky "$TRICKY"
sleep 4
finish_probe tricky
"$PY" - "$W/tricky.json" <<'EOF' || fail "probe rules: expectations not met (see above)"
import json, sys
r = json.load(open(sys.argv[1]))
fast = [f for f in r["failures"] if f["worker"] < 6]
slow_ka = [f for f in r["failures"] if f["worker"] == 6]
slow_fresh = [f for f in r["failures"] if f["worker"] == 7]
print(f"  total {r['total']} ok {r['ok']} failed {r['failed']} stale_retries {r['stale_retries']} "
      f"idle_closed {r['idle_closed']} kinds {r['failures_by_kind']}; failures: fast {len(fast)}, "
      f"slow keep-alive {len(slow_ka)}, slow fresh {len(slow_fresh)}"
      + (f"; e.g. {slow_ka[0]['detail']}" if slow_ka else ""))
bad = []
if fast:
    bad.append(f"fast workers failed: {fast[:3]}")
if r["stale_retries"] + r["idle_closed"] == 0:
    bad.append("no idle close or stale resend seen")
if not slow_ka or any(f["kind"] != "connection" for f in slow_ka):
    bad.append("the dropped slow requests on the reused connection are not failures")
if slow_fresh:
    bad.append(f"the fresh slow worker failed: {slow_fresh[:3]}")
for b in bad:
    print("  expected otherwise:", b)
sys.exit(1 if bad else 0)
EOF
log "4: ok"

# 5. Each kind of failure; no ready file without a 200 everywhere; --max-seconds; exit 2.
log "5: body, status, timeout and cut-short failures; bad arguments"
"$PY" "$PROBE" --url "http://127.0.0.1:$TRICKY/bad-body" --url "http://127.0.0.1:$TRICKY/status500" \
  --url "http://127.0.0.1:$TRICKY/hang" --url "http://127.0.0.1:$TRICKY/short" --workers 4 --slow-workers 0 --timeout 1 --max-seconds 2.5 \
  --ready-file "$W/kinds.ready" --out "$W/kinds.json" 2>"$W/kinds.log" || fail "probe kinds exited $?"
[ ! -e "$W/kinds.ready" ] || fail "a ready file with no 200 at all"
rc=0; "$PY" "$PROBE" --url "http://192.0.2.1/" --out "$W/bad.json" 2>"$W/bad.log" || rc=$?
if [ "$rc" != 2 ] || [ -e "$W/bad.json" ]; then
  fail "an address off loopback and the lab: exit $rc, not 2"
fi
rc=0; "$PY" "$PROBE" --url "http://127.0.0.1:$TRICKY/" --workers 0 --slow-workers 0 \
  --out "$W/bad.json" 2>>"$W/bad.log" || rc=$?
[ "$rc" = 2 ] || fail "no worker at all: exit $rc, not 2"
"$PY" - "$W/kinds.json" <<'EOF' || fail "failure kinds: expectations not met (see above)"
import json, sys
r = json.load(open(sys.argv[1]))
print(f"  total {r['total']} ok {r['ok']} failed {r['failed']} kinds {r['failures_by_kind']} "
      f"by_status {r['by_status']} 5xx {r['status_5xx']} ready {r['ready']} "
      f"stopped by {r['stopped_by']} in {r['duration_s']} s")
bad = []
k = r["failures_by_kind"]
if r["ok"] != 0 or r["failed"] != r["total"]:
    bad.append("every request should have failed")
if not (k.get("body") and k.get("status") and k.get("timeout")):
    bad.append(f"kinds {k}: body, status and timeout each expected")
if r["by_status"].get("500", 0) != k.get("status") or r["status_5xx"] != k.get("status"):
    bad.append("the 500s are not counted by status")
if r["ready"] or r["stopped_by"] != "max-seconds":
    bad.append(f"ready {r['ready']}, stopped by {r['stopped_by']}")
if any(f["kind"] == "timeout" and not 0.9 < f["latency_ms"] / 1000 < 2 for f in r["failures"]):
    bad.append("a timeout not after about --timeout 1 s")
if not any(f["kind"] == "connection" and "cut short" in f["detail"] for f in r["failures"]):
    bad.append("the answer cut short is not a connection failure")
if not any(f["kind"] == "body" and f["detail"].startswith("not one line") for f in r["failures"]):
    bad.append("the body failure does not keep the body's first characters")
for b in bad:
    print("  expected otherwise:", b)
sys.exit(1 if bad else 0)
EOF
log "5: ok"
echo "ingress_probe_selftest: 5 passed, 0 failed"
