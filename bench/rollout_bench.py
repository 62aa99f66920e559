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
apply's wall time minus the sum of those waits, over that sum; it is shown again without the
engine's own container starts (per batch the longest POST /containers/ID/start, from the
BERTH_TRACE lines), which berth cannot make shorter, and split by what berth was waiting on
(where_time_goes()): engine calls, SSH connections, or nothing (berth alone). Then a version whose health check
fails: the time from the first `replica_failed` event to `rollback_finished` (the old version
serving again). Prints a markdown table.
"""
import datetime, json, os, re, shutil, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BERTH = os.environ.get("BERTH", os.path.join(ROOT, "build", "cmd", "berth"))
LAB = os.path.join(ROOT, "tests", "lab", "lab")
NET = os.environ.get("LAB_NET", "203")
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
    began = time.time()
    start = time.monotonic()
    env = dict(os.environ, BERTH_TRACE="1")
    p = subprocess.run(base + ["apply", "--yes", "--json"], cwd=work, capture_output=True, text=True,
                       env=env)
    wall = time.monotonic() - start
    events = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    events.append({"event": "_process", "began": began, "ended": began + wall})
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


TRACE = re.compile(r"^berth trace: (\d+) \S+ POST \S+/containers/\S+/start -> 2\d\d .*total ([\d.]+) ms")


def engine_starts(events, trace_text):
    """Sum over batches of the longest container start (POST /containers/ID/start, as the
    engine took it: BERTH_TRACE lines) that ended within the batch, in seconds."""
    marks = [when(e) for e in events if e["event"] == "batch_started"]
    longest = [0.0] * len(marks)
    for line in trace_text.splitlines():
        m = TRACE.match(line)
        if not m:
            continue
        end = int(m.group(1)) / 1000.0
        b = sum(1 for t in marks if t <= end) - 1
        if b >= 0:
            longest[b] = max(longest[b], float(m.group(2)) / 1000.0)
    return sum(longest)


TRACE_ANY = re.compile(r"^berth trace: (\d+) (\S+) .*\(channel ([\d.]+) ms, total ([\d.]+) ms")


def covered(intervals):
    """Total length of the union of (start, end) intervals."""
    total, end = 0.0, None
    for a, b in sorted(intervals):
        if end is None or a > end:
            total += b - a
            end = b
        elif b > end:
            total += b - end
            end = b
    return total


def where_time_goes(events, trace_text):
    """Splits an apply's wall time by what berth was waiting on, from the events and the
    BERTH_TRACE lines: health waits (each replica from replica_started to replica_healthy),
    Engine API calls outside them (each from when it had a channel to its end), the SSH
    connections (process start to the first call on the last host to have a channel: a host's
    first call waits for its handshake) outside both, and berth alone: the time when nothing at
    all was in flight (its own work: loading, planning, bookkeeping, and any gap between steps)."""
    proc = next(e for e in events if e["event"] == "_process")
    started, health = {}, []
    for e in events:
        slot = (e.get("service"), e.get("slot"))
        if e["event"] == "replica_started":
            started[slot] = when(e)
        elif e["event"] == "replica_healthy" and slot in started:
            health.append((started[slot], when(e)))
    engine, first = [], {}
    for line in trace_text.splitlines():
        m = TRACE_ANY.match(line)
        if m:
            end = int(m.group(1)) / 1000.0
            begin = end - float(m.group(4)) / 1000.0 + float(m.group(3)) / 1000.0
            engine.append((begin, end))
            first[m.group(2)] = min(first.get(m.group(2), end), begin)
    ssh = [(proc["began"], max(first.values()))] if first else []
    wall = proc["ended"] - proc["began"]
    h = covered(health)
    he = covered(health + engine)
    hes = covered(health + engine + ssh)
    return {"health": h, "engine": he - h, "ssh": hes - he, "alone": wall - hes}


def main():
    work = tempfile.mkdtemp(prefix="berth-rollbench-")
    d = os.path.join(work, "lab")
    subprocess.run([LAB, "up", "3", "--dir", d, "--net", NET], check=True, stdout=subprocess.DEVNULL)
    try:
        subprocess.run([LAB, "image", "--dir", d], check=True, stdout=subprocess.DEVNULL)
        base = [BERTH, "-i", os.path.join(d, "berth.hosts.yaml")]
        bare = ["ssh", "-o", "ControlMaster=no", "-o", "BatchMode=yes"]
        for line in open(os.path.join(d, "ssh_options")).read().split():
            base += ["--ssh-option", line]
            bare += ["-o", line]
        bare += [f"root@10.231.{NET}.11", "true"]
        rows = ["| parallelism | batches | apply wall | health waits (sum) | overhead "
                "| engine's container starts | overhead without them "
                "| engine calls outside health waits | SSH connections | one bare handshake just before "
                "| berth alone | berth alone / waits |",
                "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        version = 0
        for par in (1, 3, 6):
            version += 1
            code, _, _, err = apply(work, base, stack(version, par))
            err = "\n".join(l for l in err.splitlines() if not l.startswith("berth trace:"))
            if code != 0:
                sys.exit(f"initial apply failed ({code}): {err[-2000:]}")
            version += 1
            began = time.monotonic()  # the same load as the update's own connections will see
            subprocess.run(bare, check=True, stdin=subprocess.DEVNULL, capture_output=True)
            handshake = time.monotonic() - began
            code, wall, events, err = apply(work, base, stack(version, par))
            if code != 0:
                sys.exit(f"update failed ({code}): {err[-2000:]} {events[-2:-1]}")
            waits = health_waits(events)
            batches = sum(1 for e in events if e["event"] == "batch_started")
            t = where_time_goes(events, err)
            starts = engine_starts(events, err)
            rows.append(f"| {par} | {batches} | {wall:.2f} s | {waits:.2f} s | "
                        f"{(wall - waits) / waits * 100:.1f} % | {starts:.2f} s | "
                        f"{(wall - waits - starts) / waits * 100:.1f} % | "
                        f"{t['engine']:.2f} s | {t['ssh']:.2f} s | {handshake:.2f} s | {t['alone']:.2f} s | "
                        f"{t['alone'] / waits * 100:.1f} % |")
            print(rows[-1], file=sys.stderr, flush=True)
        code, wall, events, err = apply(work, base, stack(version + 1, 3, '["CMD", "false"]', "0s"))
        err = "\n".join(l for l in err.splitlines() if not l.startswith("berth trace:"))
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
        shutil.rmtree(work, ignore_errors=True)  # compose.yaml; the lab's own files went with it


if __name__ == "__main__":
    main()
