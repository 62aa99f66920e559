#!/usr/bin/env python3
"""End-to-end `berth plan --offline` at fleet scale: generated inventory and stack files.

Usage: python3 bench/offline_plan.py [HOSTS] [SERVICES] [REPLICAS_PER_SERVICE]
Default 1000 hosts, 100 services x 1000 replicas (100,000 replicas). Prints wall, CPU, RSS.
"""
import os, resource, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BERTH = os.environ.get("BERTH", os.path.join(ROOT, "build", "cmd", "berth"))
hosts = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
services = int(sys.argv[2]) if len(sys.argv) > 2 else 100
replicas = int(sys.argv[3]) if len(sys.argv) > 3 else 1000

with tempfile.TemporaryDirectory() as d:
    with open(os.path.join(d, "hosts.yaml"), "w") as f:
        f.write("hosts:\n")
        for i in range(hosts):
            f.write(f"  h{i:05d}:\n    address: ssh://root@192.0.2.1\n    labels: {{zone: z{i % 3}}}\n"
                    f"    capacity: {{cpus: 16, memory: 64GiB}}\n")
    with open(os.path.join(d, "compose.yaml"), "w") as f:
        f.write("name: fleet\nservices:\n")
        seed = 12345
        for s in range(services):
            seed = (seed * 6364136223846793005 + 1442695040888963407) % 2**64
            cpu_milli = 16 + (seed >> 33) % 144          # 0.1-1 % of 16 CPUs
            mem_mib = 66 + (seed >> 13) % 590             # 0.1-1 % of 64 GiB
            f.write(f"  s{s:04d}:\n    image: app:{s}\n    deploy:\n      replicas: {replicas}\n"
                    f"      resources:\n        reservations: {{cpus: \"{cpu_milli / 1000:.3f}\", memory: {mem_mib}M}}\n")
    walls, cpus, rss = [], [], 0
    for _ in range(5):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.monotonic()
        r = subprocess.run([BERTH, "plan", "--offline", "--json", "-i", os.path.join(d, "hosts.yaml")],
                           cwd=d, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        walls.append(time.monotonic() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        rss = max(rss, after.ru_maxrss)
        if r.returncode not in (0, 2):
            sys.exit(r.stderr.decode()[-2000:])
    print(f"| plan --offline, {services * replicas} replicas on {hosts} hosts | "
          f"{statistics.median(walls):.2f} s | {statistics.median(cpus):.2f} s CPU | {rss // 1024} MiB |")
