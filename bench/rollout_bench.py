#!/usr/bin/env python3
"""Rolling updates on the lab: berth's overhead over the health waits, and time to roll back.

Usage (as root, from the repository, after scripts/setup.sh built build/cmd/berth):
    python3 bench/rollout_bench.py            # 3 SSH lab hosts (10.231.203.0/24), 12 replicas
Env: BERTH=path (default build/cmd/berth), HEALTH_DELAY=seconds a new replica takes to become
ready (default 2).

For parallelism 1, 3 and 6: a start-first update of 12 replicas (4 per host), each new replica
ready HEALTH_DELAY seconds after it starts (health check every 0.5 s; failures before
that do not count: start_period), monitor 1 s, no delay
between batches. The health wait of a batch is the longest `replica_healthy.elapsed_ms` of its
replicas (from start to healthy plus monitor, as berth measured it); berth's overhead is the
apply's wall time minus the sum of those waits, over that sum. Then a version whose health check
fails: the time from the first `replica_failed` event to `rollback_finished` (the old version
serving again). Prints a markdown table.
"""
import datetime, json, os, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BERTH = os.environ.get("BERTH", os.path.join(ROOT, "build", "cmd", "berth"))
LAB = os.path.join(ROOT, "tests", "lab", "lab")
NET = "203"
DELAY = float(os.environ.get("HEALTH_DELAY", "2"))


def stack(version, parallelism, health='["CMD", "test", "-f", "/tmp/ready"]', start_period="60s"):
    return f"""name: rollbench
services:
  web:
    image: berth-test/busybox:latest
    command: ["sh", "-c", "sleep {DELAY}; touch /tmp/ready; exec sleep 1000000"]
    stop_signal: SIGKILL
    labels: {{version: "{version}"}}
    healthcheck: {{test: {health}, interval: 500ms, timeout: 2s, retries: 1,
                  start_period: {start_period}}}
    deploy:
      replicas: 12
      placement: {{max_replicas_per_node: 4}}
      update_config: {{parallelism: {parallelism}, order: start-first, monitor: 1s,
                       failure_action: rollback}}
      rollback_config: {{parallelism: {parallelism}, order: start-first}}
"""


def when(event):
    return datetime.datetime.fromisoformat(event["time"].replace("Z", "+00:00")).timestamp()


def apply(work, base, text):
    with open(os.path.join(work, "compose.yaml"), "w") as f:
        f.write(text)
    start = time.monotonic()
    p = subprocess.run(base + ["apply", "--yes", "--json"], cwd=work, capture_output=True, text=True)
    wall = time.monotonic() - start
    events = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    return p.returncode, wall, events, p.stderr


def health_waits(events):
    """Sum over batches of the longest replica_healthy elapsed_ms in each batch, in seconds."""
    total, batch_max = 0.0, 0.0
    for e in events:
        if e["event"] == "batch_started":
            total += batch_max
            batch_max = 0.0
        elif e["event"] == "replica_healthy":
            batch_max = max(batch_max, e.get("elapsed_ms", 0) / 1000.0)
    return total + batch_max


def main():
    work = tempfile.mkdtemp(prefix="berth-rollbench-")
    d = os.path.join(work, "lab")
    subprocess.run([LAB, "up", "3", "--dir", d, "--net", NET], check=True, stdout=subprocess.DEVNULL)
    try:
        subprocess.run([LAB, "image", "--dir", d], check=True, stdout=subprocess.DEVNULL)
        base = [BERTH, "-i", os.path.join(d, "berth.hosts.yaml")]
        for line in open(os.path.join(d, "ssh_options")).read().split():
            base += ["--ssh-option", line]
        rows = ["| parallelism | batches | apply wall | health waits (sum) | berth overhead |",
                "|---|---|---|---|---|"]
        version = 0
        for par in (1, 3, 6):
            version += 1
            code, _, _, err = apply(work, base, stack(version, par))
            if code != 0:
                sys.exit(f"initial apply failed ({code}): {err[-2000:]}")
            version += 1
            code, wall, events, err = apply(work, base, stack(version, par))
            if code != 0:
                sys.exit(f"update failed ({code}): {err[-2000:]} {events[-1] if events else ''}")
            waits = health_waits(events)
            batches = sum(1 for e in events if e["event"] == "batch_started")
            rows.append(f"| {par} | {batches} | {wall:.2f} s | {waits:.2f} s | "
                        f"{(wall - waits) / waits * 100:.1f} % |")
            print(rows[-1], file=sys.stderr, flush=True)
        code, wall, events, err = apply(work, base, stack(version + 1, 3, '["CMD", "false"]', "0s"))
        failed = [when(e) for e in events if e["event"] == "replica_failed"]
        finished = [when(e) for e in events if e["event"] == "rollback_finished"]
        if code != 6 or not failed or not finished:
            sys.exit(f"the failing version did not roll back (exit {code}): {err[-2000:]}")
        rows.append("")
        rows.append(f"Failing version, parallelism 3: first replica_failed to rollback_finished "
                    f"{finished[-1] - failed[0]:.2f} s (exit {code}; apply wall {wall:.2f} s).")
        subprocess.run(base + ["destroy", "--yes"], cwd=work, capture_output=True)
        print("\n".join(rows))
    finally:
        subprocess.run([LAB, "down", "--dir", d], stdout=subprocess.DEVNULL)


if __name__ == "__main__":
    main()
