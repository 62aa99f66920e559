#!/usr/bin/env python3
"""berth vs docker-compose on the same lab engines, in one run (docs/design.md, Performance).

Usage (as root, from the repository, after scripts/setup.sh built build/cmd/berth):
    python3 bench/berth_vs_compose.py local   # one engine, unix socket: berth vs docker-compose
    python3 bench/berth_vs_compose.py ssh     # over SSH: 1/4/8/16 lab hosts, and docker-compose over ssh
    python3 bench/berth_vs_compose.py fanout  # no-op plan on 1/4/8/16 SSH hosts vs one bare ssh handshake
                                              # and one to each host at once; stream-local and dial-stdio
                                              # (FANOUT_HOSTS="1" for some rows only, BENCH_RUNS=N loops)
Prints a markdown table (medians; CPU = user+sys of the measured process; RSS = peak).
"""
import os, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BERTH = os.environ.get("BERTH", os.path.join(ROOT, "build", "cmd", "berth"))
LAB = os.path.join(ROOT, "tests", "lab", "lab")
SERVICES = 20


def stack_file(directory):
    lines = ["services:"]
    for i in range(SERVICES):
        lines += [f"  s{i:02d}:", "    image: berth-test/busybox:latest",
                  "    command: [\"sleep\", \"1000000\"]", "    stop_signal: SIGKILL",
                  f"    environment: {{INDEX: \"{i}\"}}"]
    path = os.path.join(directory, "compose.yaml")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def timed(argv, env=None, cwd=None):
    """Wall time, CPU (user+sys) and peak RSS of this one command (os.wait4: its own rusage)."""
    start = time.monotonic()
    p = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.monotonic() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode not in (0, 2):
        sys.exit(f"failed ({p.returncode}): {' '.join(argv)}\n{err.decode()[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def timed_together(argvs):
    """Wall time of running these commands all at once, until the last ends."""
    start = time.monotonic()
    procs = [subprocess.Popen(a, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) for a in argvs]
    codes = [p.wait() for p in procs]
    if any(codes):
        sys.exit(f"failed ({codes}): {' '.join(argvs[0])}")
    return time.monotonic() - start


def median_of(runs, argv, env=None, cwd=None, between=None):
    walls, cpus, rss = [], [], 0  # rss: the largest peak over the runs, KiB
    for _ in range(runs):
        if between:
            between()
        w, c, m = timed(argv, env, cwd)
        walls.append(w); cpus.append(c); rss = max(rss, m)
    return statistics.median(walls), statistics.median(cpus), rss


def lab(*args):
    subprocess.run([LAB, *args], check=True, stdout=subprocess.DEVNULL)


def row(name, berth, peer=None):
    ratio = f"{berth[0] / peer[0]:.3f}x" if peer else "-"
    peer_text = f"{peer[0]:.3f} s" if peer else "-"
    return f"| {name} | {berth[0]:.3f} s | {berth[1]:.3f} s | {berth[2] // 1024} MiB | {peer_text} | {ratio} |"


def bench_local(work):
    d = os.path.join(work, "lab")
    lab("up", "1", "--no-ssh", "--dir", d, "--net", "201")
    try:
        lab("image", "--dir", d)
        sock = f"unix://{d}/h1.sock"
        inv = os.path.join(work, "hosts.yaml")
        with open(inv, "w") as f:
            f.write(f"hosts:\n  h1:\n    address: {sock}\n")
        stack_file(work)
        b = [BERTH, "-p", "twenty", "-i", inv]
        env = dict(os.environ, DOCKER_HOST=sock)
        dc = ["docker-compose", "-p", "twenty", "-f", os.path.join(work, "compose.yaml")]
        bdown = lambda: subprocess.run(b + ["destroy", "--yes"], cwd=work, capture_output=True)
        cdown = lambda: subprocess.run(dc + ["down"], env=env, capture_output=True)
        out = ["| step (20 services, one engine) | berth | berth CPU | berth peak RSS | docker-compose | ratio |",
               "|---|---|---|---|---|---|"]
        cold_b = median_of(5, b + ["apply", "--yes"], cwd=work, between=bdown)
        noop_plan = median_of(20, b + ["plan"], cwd=work)
        noop_apply = median_of(20, b + ["apply", "--yes"], cwd=work)
        destroy_b = median_of(5, b + ["destroy", "--yes"], cwd=work,
                              between=lambda: subprocess.run(b + ["apply", "--yes"], cwd=work, capture_output=True))
        bdown()
        cold_c = median_of(5, dc + ["up", "-d"], env=env, between=cdown)
        noop_c = median_of(10, dc + ["up", "-d"], env=env)
        down_c = median_of(5, dc + ["down"], env=env,
                           between=lambda: subprocess.run(dc + ["up", "-d"], env=env, capture_output=True))
        out.append(row("cold apply vs `up -d` (5 runs)", cold_b, cold_c))
        out.append(row("no-op plan vs no-op `up -d` (20/10 runs)", noop_plan, noop_c))
        out.append(row("no-op apply vs no-op `up -d` (20/10 runs)", noop_apply, noop_c))
        out.append(row("destroy vs `down` (5 runs)", destroy_b, down_c))
        print("\n".join(out))
    finally:
        lab("down", "--dir", d)


def bench_ssh(work):
    d = os.path.join(work, "lab")
    lab("up", "16", "--dir", d, "--net", "202")
    try:
        lab("image", "--dir", d)
        stack_file(work)
        opts = []
        for line in open(os.path.join(d, "ssh_options")).read().split():
            opts += ["--ssh-option", line]
        out = ["| hosts | no-op plan (10 runs) | berth CPU | cold apply (3 runs) | berth CPU |",
               "|---|---|---|---|---|"]
        for n in (() if os.environ.get("BENCH_COMPOSE_ONLY") else (1, 4, 8, 16)):
            inv = os.path.join(work, f"hosts{n}.yaml")
            with open(inv, "w") as f:
                f.write("hosts:\n" + "".join(f"  h{i}:\n    address: ssh://root@10.231.202.{10 + i}\n"
                                             for i in range(1, n + 1)))
            b = [BERTH, "-p", "twenty", "-i", inv, *opts]
            down = lambda: subprocess.run(b + ["destroy", "--yes"], cwd=work, capture_output=True)
            cold = median_of(3, b + ["apply", "--yes", "--strategy", "spread"], cwd=work, between=down)
            noop = median_of(10, b + ["plan", "--strategy", "spread"], cwd=work)
            down()
            out.append(f"| {n} | {noop[0]:.3f} s | {noop[1]:.3f} s | {cold[0]:.3f} s | {cold[1]:.3f} s |")
            print(out[-1], file=sys.stderr, flush=True)
        # docker-compose over ssh to h1, with a private HOME holding the lab's ssh settings.
        home = os.path.join(work, "home")
        os.makedirs(os.path.join(home, ".ssh"), exist_ok=True)
        with open(os.path.join(home, ".ssh", "config"), "w") as f:
            f.write(f"Host 10.231.202.11\n  IdentityFile {d}/id_ed25519\n  UserKnownHostsFile {d}/known_hosts\n  StrictHostKeyChecking yes\n")
        subprocess.run(["cp", f"{d}/known_hosts", os.path.join(home, ".ssh", "known_hosts")], check=True)
        # paramiko reads $HOME/.ssh (the ssh binary would read the real home's).
        env = dict(os.environ, HOME=home, DOCKER_HOST="ssh://root@10.231.202.11",
                   COMPOSE_PARAMIKO_SSH="1")
        dc = ["docker-compose", "-p", "twenty", "-f", os.path.join(work, "compose.yaml")]
        cold_c = median_of(1, dc + ["up", "-d"], env=env)
        noop_c = median_of(3, dc + ["up", "-d"], env=env)
        subprocess.run(dc + ["down"], env=env, capture_output=True)
        out.append("")
        out.append(f"docker-compose 1.29 over ssh to one host: cold `up -d` {cold_c[0]:.2f} s (1 run), "
                   f"no-op `up -d` {noop_c[0]:.2f} s (median of 3).")
        print("\n".join(out))
    finally:
        lab("down", "--dir", d)


def proc_cpu(pid):
    """utime+stime+cutime+cstime of a process, seconds (reaped descendants included)."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def remote_cpu(d, n):
    """CPU of the first n lab hosts' sshd (with every session and dial-stdio under it) and dockerd."""
    total = 0.0
    for i in range(1, n + 1):
        for f in ("sshd.pid", "dockerd.pid"):
            try:
                total += proc_cpu(int(open(os.path.join(d, f"h{i}", f)).read()))
            except (OSError, ValueError):
                pass
    return total


def bench_fanout(work, runs=int(os.environ.get("BENCH_RUNS", "10"))):
    # FANOUT_HOSTS=1 (or "1 4"): only those rows, e.g. to time one host with more runs.
    sizes = [int(n) for n in os.environ.get("FANOUT_HOSTS", "1 4 8 16").split()]
    d = os.path.join(work, "lab")
    net = 203
    lab("up", str(max(sizes)), "--dir", d, "--net", str(net))
    try:
        lab("image", "--dir", d)
        stack_file(work)
        opts, ssh_o = [], []
        for line in open(os.path.join(d, "ssh_options")).read().split():
            opts += ["--ssh-option", line]
            ssh_o += ["-o", line]
        def bare_to(i):
            return ["ssh", *ssh_o, "-o", "ControlMaster=no", "-o", "BatchMode=yes",
                    f"root@10.231.{net}.{10 + i}", "true"]
        bare = bare_to(1)
        results = {}
        for transport, allow in (("stream-local", "yes"), ("dial-stdio", "no")):
            for i in range(1, max(sizes) + 1):
                lab("ssh-streamlocal", f"h{i}", allow, "--dir", d)
            for n in sizes:
                inv = os.path.join(work, f"hosts{n}.yaml")
                with open(inv, "w") as f:
                    f.write("hosts:\n" + "".join(f"  h{i}:\n    address: ssh://root@10.231.{net}.{10 + i}\n"
                                                 for i in range(1, n + 1)))
                b = [BERTH, "-p", "twenty", "-i", inv, *opts]
                seen = subprocess.run(b + ["hosts", "--json"], cwd=work, capture_output=True, text=True).stdout
                assert seen.count(f'"ssh {transport}"') == n, seen
                subprocess.run(b + ["apply", "--yes", "--strategy", "spread"], cwd=work, capture_output=True)
                walls, cpus, hs, alls = [], [], [], []
                remote = 0.0
                for _ in range(runs):  # interleaved, so all see the same machine load
                    hs.append(timed(bare)[0])
                    alls.append(timed_together([bare_to(i) for i in range(1, n + 1)]))
                    time.sleep(0.3)  # let each host's sshd reap the bare sessions first
                    before = remote_cpu(d, n)
                    w, c, _ = timed(b + ["plan", "--strategy", "spread"], cwd=work)
                    walls.append(w); cpus.append(c)
                    time.sleep(0.3)  # and the plan's
                    remote += remote_cpu(d, n) - before
                remote = remote / runs / n
                results[(transport, n)] = (statistics.median(walls), statistics.median(cpus),
                                           statistics.median(hs), remote, statistics.median(alls))
                r = results[(transport, n)]
                print(f"{transport} n={n}: plan {r[0]:.3f} s, handshake {r[2]:.3f} s", file=sys.stderr, flush=True)
            subprocess.run([BERTH, "-p", "twenty", "-i", os.path.join(work, f"hosts{max(sizes)}.yaml"), *opts,
                            "destroy", "--yes"], cwd=work, capture_output=True)
        out = [f"| hosts | transport | no-op plan ({runs} runs) | bare ssh handshake | plan / handshake "
               "| plan / 1-host plan | one bare handshake to each host, all at once | plan / that "
               "| berth CPU (with ssh) | remote CPU per host (sshd + dockerd) |",
               "|---|---|---|---|---|---|---|---|---|---|"]
        for n in sizes:
            for transport in ("stream-local", "dial-stdio"):
                w, c, h, rc, together = results[(transport, n)]
                one = results[(transport, 1)][0]
                out.append(f"| {n} | {transport} | {w:.3f} s | {h:.3f} s | {w / h:.2f}x | {w / one:.2f}x "
                           f"| {together:.3f} s | {w / together:.2f}x | {c:.3f} s | {rc:.3f} s |")
        print("\n".join(out))
    finally:
        lab("down", "--dir", d)


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "local"
    with tempfile.TemporaryDirectory() as work:
        {"local": bench_local, "ssh": bench_ssh, "fanout": bench_fanout}[mode](work)
