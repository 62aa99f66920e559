#!/usr/bin/env python3
"""berth sync on the lab: an in-sync watch cycle on 1 and 16 hosts, and webhook to serving.

Usage (as root, from the repository, after scripts/setup.sh built build/cmd/berth):
    python3 bench/sync_bench.py               # 16 SSH lab hosts (10.231.41.0/24)
Env: BERTH=path (default build/cmd/berth), LAB_NET (default 41), CYCLES (default 15).

For 1 and 16 hosts: a local bare repository holds a stack of one service with one replica per
host (spread) and the inventory of those hosts; a one-shot sync deploys it, then
`sync --watch --interval 1s --json` runs. The first watch cycle opens the SSH connections; the
next CYCLES cycles are in sync (a fetch with no new commit, an observe of every host over the
kept connections, a no-op plan): their `duration_ms` (measured by berth from fetch to
decision) gives the median and max. Then, on 1 host with `--listen`, a commit changing an
environment variable is pushed and `POST /hook` sent (GitHub signature): the time from the
POST to the watch's `converged` line for that commit (the replicas recreated and started; the
service has no health check, so started is serving), median of 5. Prints a markdown table.
"""
import hashlib, hmac, json, os, shutil, statistics, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BERTH = os.environ.get("BERTH", os.path.join(ROOT, "build", "cmd", "berth"))
LAB = os.path.join(ROOT, "tests", "lab", "lab")
NET = os.environ.get("LAB_NET", "41")
CYCLES = int(os.environ.get("CYCLES", "15"))
GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.org"]


def stack(hosts, version):
    return f"""name: syncbench
services:
  web:
    image: berth-test/busybox:latest
    command: ["sleep", "1000000"]
    stop_signal: SIGKILL
    environment: {{VERSION: "{version}"}}
    deploy:
      replicas: {hosts}
      placement: {{max_replicas_per_node: 1}}
      update_config: {{parallelism: {hosts}, monitor: 0s}}
"""


def inventory(lab, hosts):
    lines = open(os.path.join(lab, "berth.hosts.yaml")).read().splitlines()
    out, keep = [], True
    for line in lines:
        if line.startswith("  h") and line.rstrip().endswith(":"):
            keep = int(line.strip()[1:-1]) <= hosts
        if keep:
            out.append(line)
    return "\n".join(out) + "\n"


def commit(work, text, inv, message):
    with open(os.path.join(work, "compose.yaml"), "w") as f:
        f.write(text)
    with open(os.path.join(work, "berth.hosts.yaml"), "w") as f:
        f.write(inv)
    subprocess.run(GIT + ["-C", work, "add", "-A"], check=True)
    subprocess.run(GIT + ["-C", work, "commit", "-qm", message], check=True)
    subprocess.run(GIT + ["-C", work, "push", "-q", "origin", "HEAD:main"], check=True)
    return subprocess.run(["git", "-C", work, "rev-parse", "HEAD"], capture_output=True,
                          text=True, check=True).stdout.strip()


class Watch:
    def __init__(self, args, cwd):
        self.out = open(os.path.join(cwd, "watch.out"), "w+")
        self.err = open(os.path.join(cwd, "watch.err"), "w+")
        self.p = subprocess.Popen(args, cwd=cwd, stdout=self.out, stderr=self.err)

    def cycles(self):
        self.out.seek(0)
        return [json.loads(l) for l in self.out.read().splitlines() if l.strip()]

    def wait_for(self, ready, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if ready():
                return True
            time.sleep(0.01)
        return False

    def port(self):
        self.err.seek(0)
        for line in self.err.read().splitlines():
            if "listening on 127.0.0.1:" in line:
                return int(line.split("127.0.0.1:")[1].split()[0])
        return None

    def stop(self):
        self.p.terminate()
        self.p.wait(60)


def setup(base, lab, hosts):
    work = tempfile.mkdtemp(prefix=f"berth-syncbench-{hosts}-")
    repo, clone = os.path.join(work, "repo.git"), os.path.join(work, "work")
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", repo], check=True)
    subprocess.run(["git", "init", "-q", "-b", "main", clone], check=True)
    subprocess.run(["git", "-C", clone, "remote", "add", "origin", repo], check=True)
    inv = inventory(lab, hosts)
    commit(clone, stack(hosts, 0), inv, "v0")
    sync = base + ["sync", "--repo", repo, "--cache-dir", os.path.join(work, "cache")]
    p = subprocess.run(sync, cwd=work, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"first sync on {hosts} hosts failed ({p.returncode}): {p.stdout} {p.stderr}")
    return work, clone, inv, sync


def in_sync_cycles(base, lab, hosts):
    work, clone, _, sync = setup(base, lab, hosts)
    w = Watch(sync + ["--watch", "--interval", "1s", "--json"], work)
    try:
        if not w.wait_for(lambda: len(w.cycles()) >= CYCLES + 1, CYCLES * 5 + 60):
            sys.exit(f"watch on {hosts} hosts: {w.cycles()[-1:]}")
        cycles = w.cycles()[1:CYCLES + 1]
        bad = [c for c in cycles if c["result"] != "in_sync"]
        if bad:
            sys.exit(f"not in sync: {bad[0]}")
        ms = [c["duration_ms"] / 1000 for c in cycles]
        return statistics.median(ms), max(ms)
    finally:
        w.stop()
        subprocess.run(base + ["destroy", "--yes"], cwd=clone, capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


def webhook_to_serving(base, lab):
    work, clone, inv, sync = setup(base, lab, 1)
    secret = "bench-secret"
    with open(os.path.join(work, "secret"), "w") as f:
        f.write(secret)
    w = Watch(sync + ["--watch", "--interval", "1h", "--json", "--listen", "127.0.0.1:0",
                      "--hook-secret-file", os.path.join(work, "secret")], work)
    try:
        if not w.wait_for(lambda: w.port() and w.cycles(), 60):
            sys.exit("the watch did not start")
        times = []
        for version in range(1, 6):
            sha = commit(clone, stack(1, version), inv, f"v{version}")
            body = b'{"ref":"refs/heads/main"}'
            sig = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            req = urllib.request.Request(f"http://127.0.0.1:{w.port()}/hook", data=body,
                                         headers={"X-Hub-Signature-256": sig}, method="POST")
            start = time.monotonic()
            urllib.request.urlopen(req, timeout=10).read()
            done = lambda: any(c["commit"] == sha and c["result"] == "converged"
                               for c in w.cycles())
            if not w.wait_for(done, 120):
                sys.exit(f"v{version} did not converge: {w.cycles()[-1:]}")
            times.append(time.monotonic() - start)
        return statistics.median(times), max(times)
    finally:
        w.stop()
        subprocess.run(base + ["destroy", "--yes"], cwd=clone, capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


def main():
    lab = tempfile.mkdtemp(prefix="berth-syncbench-lab-")
    subprocess.run([LAB, "up", "16", "--dir", lab, "--net", NET], check=True,
                   stdout=subprocess.DEVNULL)
    try:
        subprocess.run([LAB, "image", "--dir", lab], check=True, stdout=subprocess.DEVNULL)
        base = [BERTH]
        for line in open(os.path.join(lab, "ssh_options")).read().split():
            base += ["--ssh-option", line]
        rows = ["| measure | median | max |", "|---|---|---|"]
        for hosts in (1, 16):
            med, top = in_sync_cycles(base, lab, hosts)
            rows.append(f"| in-sync watch cycle, {hosts} host{'s' if hosts > 1 else ''} "
                        f"({CYCLES} cycles) | {med:.3f} s | {top:.3f} s |")
            print(rows[-1], file=sys.stderr, flush=True)
        med, top = webhook_to_serving(base, lab)
        rows.append(f"| webhook to serving, 1 host, 1 replica (5 pushes) | {med:.3f} s | {top:.3f} s |")
        print("\n".join(rows))
    finally:
        subprocess.run([LAB, "down", "--dir", lab], stdout=subprocess.DEVNULL)
        shutil.rmtree(lab, ignore_errors=True)


if __name__ == "__main__":
    main()
