#!/usr/bin/env python3
"""Ingress on the lab: what the proxy costs, and failed requests during a rolling update.

The load comes from tests/integration/ingress_probe.py (its
--help and docstring say what it counts).

Usage (as root, from the repository):
    python3 bench/ingress_bench.py --lab /tmp/berth-lab --berth build/cmd/berth
        [--up] [--net 204] [--seconds 20] [--workers 6] [--parallelism 2] [--keep]
--lab DIR: a lab of 3 hosts or more (tests/lab/lab up 3 --dir DIR); with --up, the bench
builds one there (--net K) and takes it down at the end. The images berth-test/busybox and
berth-test/caddy are built on every host (tests/lab/lab image, caddy-image) unless --no-images.

  (a) A stack: service web, 12 replicas (at most 4 a host), behind x-berth.ingress {host:
      app.test, port: 8080, health: /up}, image berth-test/busybox:latest running
      `httpd -f -p 8080 -h /www` after writing /www/index.html ("VERSION $HOSTNAME"), /www/up and
      /www/cgi-bin/slow (answers after 2 s); the inventory says the proxy image is
      berth-test/caddy:latest and every host is a proxy host.
  (b) Requests/s and latency (p50, p99) through one proxy (http://10.231.K.11/, Host app.test)
      against straight to one replica's published port, --seconds each, --workers workers
      (half keep-alive, half a connection per request), no slow requests.
  (c) A start-first rolling update of the 12 replicas (VERSION=v1 -> v2) while the probe runs
      against every proxy (with slow requests in flight): failed requests (the claim: zero),
      stale keep-alive resends, the version transitions, the apply's wall time.

Prints a markdown table and the claim's verdict; exits 0 when it could measure, 1 when berth or
the lab failed (the claim failing is a figure, not an error: read "failed").

The client is Python on the same 2 cores as the lab's engines, proxies and replicas: requests/s
are the client's and the machine's limits as much as the proxy's. The ratio proxy/direct and
the p99s are what to compare, not the absolute numbers.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAB = os.path.join(ROOT, "tests", "lab", "lab")
PROBE = os.path.join(ROOT, "tests", "integration", "ingress_probe.py")
HOST_HEADER = "app.test"
REPLICAS = 12

STACK = os.path.join(ROOT, "tests", "integration", "ingress_web.yaml")  # shared with the test
ROUTE = "{host: app.test, port: 8080, health: /up, drain: 10s}"


def stack(version, parallelism):
    text = open(STACK).read()
    for key, value in {"@NAME@": "ingbench", "@VERSION@": version, "@REPLICAS@": str(REPLICAS),
                       "@PER_NODE@": "4", "@ROUTE@": ROUTE,
                       "@UPDATE@": f"{{parallelism: {parallelism}, order: start-first, "
                                   "monitor: 1s, failure_action: rollback}"}.items():
        text = text.replace(key, value)
    return text


def log(msg):
    print(f"ingress_bench: {msg}", file=sys.stderr, flush=True)


def lab_env(d):
    env = {}
    with open(os.path.join(d, "lab.env")) as f:
        for line in f:
            k, _, v = line.strip().partition("=")
            env[k] = v
    return env


def host_ip(net, name):  # as tests/lab/lab's ip_of
    return f"10.231.{net}.{10 + int(name.lstrip('h'))}"


def inventory(lab_dir, work, hosts):
    """The lab's inventory plus the proxy settings (docs/ingress.md, the inventory's ingress:)."""
    text = open(os.path.join(lab_dir, "berth.hosts.yaml")).read()
    # berth sets net.ipv4.tcp_migrate_req=1 on the proxy container itself (docs/ingress.md).
    text = (f"ingress: {{image: berth-test/caddy:latest, http_port: 80, "
            f"hosts: [{', '.join(hosts)}]}}\n" + text)
    path = os.path.join(work, "berth.hosts.yaml")
    with open(path, "w") as f:
        f.write(text)
    return path


def berth_base(berth, inv, lab_dir):
    base = [berth, "-i", inv]
    for line in open(os.path.join(lab_dir, "ssh_options")).read().split():
        base += ["--ssh-option", line]
    return base


def apply(work, base, text):
    with open(os.path.join(work, "compose.yaml"), "w") as f:
        f.write(text)
    start = time.monotonic()
    p = subprocess.run(base + ["apply", "--yes", "--json"], cwd=work, capture_output=True,
                       text=True)
    wall = time.monotonic() - start
    events = []
    for line in p.stdout.splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            pass
    return p.returncode, wall, events, p.stderr


def get(url, timeout=2):
    """One GET with Host app.test to a lab address; the body, or None."""
    req = urllib.request.Request(url, headers={"Host": HOST_HEADER})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.read().decode("utf-8", "replace")
    except OSError:
        return None


def wait_serving(urls, version, seconds):
    """Until every proxy URL answers `version` REPLICAS times in a row (bounded)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(all((get(u) or "").startswith(version + " ") for _ in range(REPLICAS))
               for u in urls):
            return True
        time.sleep(0.5)
    return False


def direct_url(work, base, net):
    """One web replica's published port, from `berth ps --json` (rows with host and ports)."""
    p = subprocess.run(base + ["ps", "--json"], cwd=work, capture_output=True, text=True)
    if p.returncode != 0:
        return None
    # The replicas publish only the ports berth assigned them (docs/ingress.md).
    for row in json.loads(p.stdout or "[]"):
        if row.get("service") == "web" and row.get("ports"):
            return f"http://{host_ip(net, row['host'])}:{row['ports'][0]}/"
    return None


def probe(work, name, urls, seconds, workers, slow_workers, stop_file=None, ready_file=None,
          wait=True):
    out = os.path.join(work, f"{name}.json")
    cmd = [sys.executable, PROBE, "--host-header", HOST_HEADER, "--workers", str(workers),
           "--slow-workers", str(slow_workers), "--slow-path", "/cgi-bin/slow",
           "--max-seconds", str(seconds), "--out", out]
    for u in urls:
        cmd += ["--url", u]
    if stop_file:
        cmd += ["--stop-file", stop_file]
    if ready_file:
        cmd += ["--ready-file", ready_file]
    err = open(os.path.join(work, f"{name}.log"), "w")
    p = subprocess.Popen(cmd, stderr=err)
    if not wait:
        return p, out
    if p.wait() != 0:
        sys.exit(f"ingress_bench: the probe failed; see {err.name}")
    return json.load(open(out))


def wait_file(path, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if os.path.exists(path):
            return True
        time.sleep(0.1)
    return False


def row(label, r):
    f = r["latency_ms"]["fast"]
    return (f"| {label} | {r['requests_per_s']} | {f.get('p50')} ms | {f.get('p99')} ms | "
            f"{r['failed']} of {r['total']} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lab", required=True, help="lab directory (tests/lab/lab --dir)")
    ap.add_argument("--berth", required=True, help="berth binary")
    ap.add_argument("--up", action="store_true", help="build a 3-host lab in --lab, down at the end")
    ap.add_argument("--net", default="204", help="with --up: the lab's 10.231.K.0/24")
    ap.add_argument("--no-images", action="store_true")
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--workers", type=int, default=6)
    ap.add_argument("--parallelism", type=int, default=2)
    ap.add_argument("--keep", action="store_true", help="leave the stack running")
    a = ap.parse_args()
    berth = os.path.abspath(a.berth)
    if not os.access(berth, os.X_OK):
        ap.error(f"--berth {a.berth}: not an executable")
    if a.up:
        subprocess.run([LAB, "up", "3", "--dir", a.lab, "--net", a.net], check=True,
                       stdout=subprocess.DEVNULL)
    elif not os.path.exists(os.path.join(a.lab, "lab.env")):
        ap.error(f"--lab {a.lab}: no lab runs there (tests/lab/lab up 3 --dir {a.lab}, or --up)")
    work = tempfile.mkdtemp(prefix="berth-ingbench-")
    base = None
    try:
        env = lab_env(a.lab)
        net, n = env["NET"], int(env["N"])
        if n < 3:
            sys.exit(f"ingress_bench: the lab in {a.lab} has {n} host(s); 3 are needed")
        hosts = [f"h{i}" for i in range(1, 4)]
        if not a.no_images:
            for what in ("image", "caddy-image"):
                subprocess.run([LAB, what, "--dir", a.lab], check=True, stdout=subprocess.DEVNULL)
        base = berth_base(berth, inventory(a.lab, work, hosts), a.lab)
        proxies = [f"http://{host_ip(net, h)}/" for h in hosts]

        # (a) the stack at v1, served by every proxy.
        log(f"(a) apply v1: {REPLICAS} replicas on {', '.join(hosts)}")
        code, wall, events, err = apply(work, base, stack("v1", a.parallelism))
        if code != 0:
            sys.exit(f"ingress_bench: apply v1 failed ({code}): {err[-2000:]}")
        # apply returns once every proxy loaded; the poll only confirms they answer v1.
        if not wait_serving(proxies, "v1", 60):
            sys.exit(f"ingress_bench: the proxies {proxies} do not all answer v1 (Host "
                     f"{HOST_HEADER}) a minute after the apply")
        log(f"(a) v1 applied in {wall:.1f} s and served by {len(proxies)} proxies")

        # (b) through a proxy against straight to one replica.
        rows = ["| path | requests/s | p50 | p99 | failed |", "|---|---|---|---|---|"]
        direct = direct_url(work, base, net)
        log(f"(b) {a.seconds:g} s through {proxies[0]}, then straight to {direct}")
        through = probe(work, "through", [proxies[0]], a.seconds, a.workers, 0)
        rows.append(row(f"through the proxy on h1 ({proxies[0]})", through))
        if direct:
            straight = probe(work, "direct", [direct], a.seconds, a.workers, 0)
            rows.append(row(f"straight to one replica ({direct})", straight))
            ratio = (through["requests_per_s"] / straight["requests_per_s"]
                     if straight["requests_per_s"] else None)
        else:
            rows.append("| straight to one replica | (no published port found in berth ps) | | | |")
            ratio = None

        # (c) the rolling update under load, against every proxy, slow requests in flight.
        log(f"(c) start-first update v1 -> v2, parallelism {a.parallelism}, probe on "
            f"{len(proxies)} proxies")
        stop = os.path.join(work, "update.stop")
        ready = os.path.join(work, "update.ready")
        p, out = probe(work, "update", proxies, 900, a.workers, 2, stop, ready, wait=False)
        if not wait_file(ready, 60):
            p.terminate()
            p.wait()
            sys.exit("ingress_bench: the probe never had a 200 on every worker")
        time.sleep(2)  # some v1 traffic before the update
        code, upd_wall, events, err = apply(work, base, stack("v2", a.parallelism))
        switched = wait_serving(proxies, "v2", 60) if code == 0 else False
        time.sleep(3)  # v2 only for a while: nothing goes back to v1
        open(stop, "w").close()
        if p.wait() != 0:
            sys.exit("ingress_bench: the probe failed; see update.log")
        upd = json.load(open(out))
        if code != 0:
            log(f"apply v2 failed ({code}): {err[-2000:]}")

        print("\n".join(rows))
        print()
        if ratio is not None:
            print(f"Through the proxy: {ratio * 100:.0f} % of the direct requests/s, p99 "
                  f"{through['latency_ms']['fast'].get('p99')} ms against "
                  f"{straight['latency_ms']['fast'].get('p99')} ms.")
        v = upd["versions"]
        names_v2 = len(upd["version_names"].get("v2", {}))
        print(f"Rolling update v1 -> v2 ({REPLICAS} replicas, start-first, parallelism "
              f"{a.parallelism}): apply {upd_wall:.1f} s (exit {code}); {upd['total']} requests "
              f"on {len(proxies)} proxies, {upd['failed']} failed "
              f"({upd['failures_by_kind']}, by status {upd['by_status']}), "
              f"{upd['stale_retries']} stale keep-alive resends, {upd['idle_closed']} idle closes; "
              f"versions {upd['version_order']} (v1 last seen "
              f"{v.get('v1', {}).get('last_t')} s, v2 first {v.get('v2', {}).get('first_t')} s, "
              f"{upd['transitions_total']} transitions while both served), final "
              f"{upd['final_version']}, {names_v2} v2 replicas answered; slow p50 "
              f"{upd['latency_ms']['slow'].get('p50')} ms.")
        held = (code == 0 and switched and upd["zero_failed"]
                and upd["final_version"] == "v2" and upd["version_order"] == ["v1", "v2"])
        print(f"Claim \"zero failed requests\" during the update: "
              f"{'HELD' if held else 'NOT HELD'}" + ("" if switched else
                                                       " (the proxies never all answered v2)"))
        with open(os.path.join(work, "summary.json"), "w") as f:
            json.dump({"through": through, "direct": straight if direct else None,
                       "update": upd, "update_apply_s": upd_wall, "update_exit": code}, f)
        log(f"probe outputs in {work}")
        return 0 if code == 0 else 1
    finally:
        if base and not a.keep:
            subprocess.run(base + ["destroy", "--yes"], cwd=work, capture_output=True)
        if a.up:
            subprocess.run([LAB, "down", "--dir", a.lab], stdout=subprocess.DEVNULL)
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
