#!/usr/bin/env python3
"""A bounded HTTP load loop that proves or disproves "zero failed requests" through berth's
ingress while replicas are switched (docs/ingress.md; used by the ingress integration test and
bench/ingress_bench.py). Python 3 standard library only.

    ingress_probe.py --url http://10.231.K.11/ [--url ...] --out PATH.json
        [--host-header app.test] [--workers 6] [--slow-workers 2] [--slow-path /cgi-bin/slow]
        [--max-seconds 300] [--max-requests N] [--timeout 10] [--stale-window 0.5]
        [--pause 0] [--stop-file PATH] [--ready-file PATH]

Workers. --workers fast workers loop over each URL's own path, --slow-workers more loop over
--slow-path (the server takes ~2 s to answer it, so that slow requests are in flight at every
switch); workers are spread round-robin over the URLs. In each group, even-numbered workers keep
one HTTP/1.1 connection alive and reuse it, odd-numbered ones open a fresh connection per
request (Connection: close). Every request has --timeout seconds (socket operations and the
whole request). Only the URLs given are contacted (no redirects are followed), and only
loopback (127.0.0.0/8, ::1, localhost) or the lab's 10.231.0.0/16 are accepted as hosts.

Stale keep-alive connections. Before reusing a keep-alive connection the worker looks whether
the server already closed it while idle (readable with nothing to read: counted as
"idle_closed", and a new connection is opened: nothing was sent). When a reused connection fails
before a single byte of the answer arrived and within --stale-window seconds (0.5) of sending
(the request could not be sent, or the peer closed or reset the connection with no status line:
the server had closed it as idle as the request crossed), the worker reconnects and sends the
request once more, as every HTTP client does for an idempotent GET (RFC 9112, 9.3.1). That is a
"stale retry", not a failure; the resent request's outcome is what counts. Any other error is a
failure: a fresh connection that fails, a reset after part of the answer, a reset later than
the window (the server had the request: a slow request dropped while draining), a second
failure. Odd-numbered workers never reuse a connection, so never retry.

A failure is: a connection error (kind "connect" when connecting failed, "connection" after it,
an answer shorter than its Content-Length too), "timeout", a status other than 200 ("status"),
or a body that is not one line "VERSION NAME" ("body"). Each is recorded (time, url, kind,
status, first 200 characters of the body or the error), up to 1000 of them; the counts are
always complete.

Ready and stop. Once every worker has had one 200, --ready-file is written (so a test waits for
that, not for a sleep). The probe stops at --max-seconds, at --max-requests, as soon as
--stop-file exists (polled every 50 ms), or on SIGTERM/SIGINT; requests in flight then are
finished (within --timeout) and counted. Then it writes --out atomically (temp file + rename)
and exits 0, whatever it measured: the test reads the JSON. Bad arguments: exit 2.

Output (times: "t" seconds since the probe started, monotonic; "epoch" wall clock):
  total, ok, failed, zero_failed (failed == 0 < total), by_status {code: n} (complete answers),
  status_5xx, stale_retries, idle_closed, failures_by_kind, failures [{t, epoch, url, kind,
  status, detail, worker, latency_ms}] (by the time each request was sent), failures_truncated,
  stale [{t, url, worker, error}], per_url {url: {total, ok, failed}},
  versions {V: {count, first_t, last_t, first_epoch, last_epoch}} (by the time each request was
  sent), names {NAME: n}, version_names {V: {NAME: n}}, version_order (versions by first seen),
  transitions [{t, from, to}] (the union of all 200s ordered by the time each request was sent,
  runs of one version collapsed; at most 2000) and transitions_total, reversals (transitions
  back to a version first seen earlier than the current one: expected while two versions serve
  side by side, as in a rolling update), overlaps [{from, to, seconds}] (for each version in
  version_order and the next, how long the earlier one still answered after the next was first
  seen), final_version, latency_ms {fast, slow, all: {count, min, p50, p90, p99, p999, max, mean,
  histogram [[upper_ms, n], ...]}} (200s only), requests_per_s, slow_requests [{t0, t1, version,
  ok}] (at most 2000), ready, ready_t, started_epoch, duration_s, stopped_by, workers_stuck
  (still running --timeout + 5 s after the stop), args.
"""
import argparse
import http.client
import io
import ipaddress
import json
import os
import re
import select
import signal
import socket
import sys
import tempfile
import threading
import time
import urllib.parse

BODY_RE = re.compile(r"^(\S+) (\S+)\r?\n?$")
MAX_FAILURES = 1000
MAX_STALE = 1000
MAX_TRANSITIONS = 2000
MAX_SLOW = 2000
MAX_BODY = 64 * 1024
LAB_NET = ipaddress.ip_network("10.231.0.0/16")


class CountingRaw(io.RawIOBase):
    """The socket's reader, counting the bytes of the answer received."""

    def __init__(self, raw):
        super().__init__()
        self.raw = raw
        self.received = 0

    def readable(self):
        return True

    def readinto(self, b):
        n = self.raw.readinto(b)
        if n:
            self.received += n
        return n

    def close(self):
        try:
            self.raw.close()
        finally:
            super().close()


class CountingResponse(http.client.HTTPResponse):
    def __init__(self, sock, *args, **kwargs):
        super().__init__(sock, *args, **kwargs)
        self.fp.close()  # the one HTTPResponse made; the socket stays open
        self.counter = CountingRaw(sock.makefile("rb", buffering=0))
        self.fp = io.BufferedReader(self.counter)


class Connection(http.client.HTTPConnection):
    """An HTTPConnection that tells whether any byte of the last answer arrived."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.last_counter = None
        self.response_class = self._response

    def _response(self, sock, *args, **kwargs):
        r = CountingResponse(sock, *args, **kwargs)
        self.last_counter = r.counter
        return r

    def answer_bytes(self):
        return self.last_counter.received if self.last_counter else 0


class Failure(Exception):
    def __init__(self, kind, detail, status=None):
        super().__init__(detail)
        self.kind, self.detail, self.status = kind, detail, status


class Target:
    def __init__(self, url, path):
        u = urllib.parse.urlsplit(url)
        self.host = u.hostname
        self.port = u.port or 80
        self.path = path
        self.url = urllib.parse.urlunsplit(("http", u.netloc, path, "", ""))


def target_path(url, override=None):
    if override:
        return override
    u = urllib.parse.urlsplit(url)
    return (u.path or "/") + ("?" + u.query if u.query else "")


def check_url(url):
    u = urllib.parse.urlsplit(url)
    if u.scheme != "http" or not u.hostname:
        return f"--url {url}: only http://HOST[:PORT]/PATH"
    if u.hostname == "localhost":
        return None
    try:
        ip = ipaddress.ip_address(u.hostname)
    except ValueError:
        return (f"--url {url}: give an address, not a name "
                "(only loopback or the lab's 10.231.0.0/16)")
    if not (ip.is_loopback or (ip.version == 4 and ip in LAB_NET)):
        return f"--url {url}: {ip} is neither loopback nor the lab's 10.231.0.0/16"
    try:
        _ = u.port
    except ValueError:
        return f"--url {url}: bad port"
    return None


class Probe:
    def __init__(self, args):
        self.args = args
        self.t0 = time.monotonic()
        self.epoch0 = time.time()
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.nworkers = args.workers + args.slow_workers
        self.had_ok = set()
        self.ready_t = None
        self.requests = 0  # started, for --max-requests
        self.stopped_by = None
        self.results = []

    def now(self):
        return time.monotonic() - self.t0

    def note_ok(self, worker):
        with self.lock:
            if worker in self.had_ok:
                return
            self.had_ok.add(worker)
            if len(self.had_ok) < self.nworkers or self.ready_t is not None:
                return
            self.ready_t = self.now()
        if self.args.ready_file:
            write_atomic(self.args.ready_file, f"{self.ready_t:.3f}\n")

    def take_request(self):
        with self.lock:
            if self.args.max_requests and self.requests >= self.args.max_requests:
                if self.stopped_by is None:
                    self.stopped_by = "max-requests"
                self.stop.set()
                return False
            self.requests += 1
            return True

    def headers(self, keepalive):
        h = {"Connection": "keep-alive" if keepalive else "close",
             "User-Agent": "berth-ingress-probe"}
        if self.args.host_header:
            h["Host"] = self.args.host_header
        return h

    def once(self, conn, target, keepalive):
        """One GET on conn; returns (status, body) or raises Failure. Stale is a Failure of kind
        'stale' only when the connection was reused and no byte of the answer came back."""
        reused = conn.sock is not None
        sent = time.monotonic()
        try:
            if conn.sock is None:
                try:
                    conn.connect()
                except socket.timeout as e:
                    raise Failure("timeout", f"connect: {e!r}")
                except OSError as e:
                    raise Failure("connect", f"connect: {e!r}")
            conn.last_counter = None
            sent = time.monotonic()
            conn.request("GET", target.path, headers=self.headers(keepalive))
            resp = conn.getresponse()
            chunks, size = [], 0
            while True:  # read(n) may return less than there is: read to the end
                c = resp.read(16384)
                if not c:
                    break
                chunks.append(c)
                size += len(c)
                if size > MAX_BODY:
                    conn.close()
                    raise Failure("body", f"answer longer than {MAX_BODY} bytes", resp.status)
            if resp.length:  # read(n) ends quietly where a Content-Length answer was cut
                conn.close()
                raise Failure("connection", f"answer cut short: {size} of {size + resp.length} "
                                            f"bytes: {b''.join(chunks)[:150]!r}", resp.status)
            body = b"".join(chunks)
            if resp.will_close or not keepalive:
                conn.close()
            return resp.status, body
        except Failure:
            raise
        except socket.timeout as e:
            conn.close()
            raise Failure("timeout", repr(e))
        except (OSError, http.client.HTTPException) as e:
            got = conn.answer_bytes()
            waited = time.monotonic() - sent
            conn.close()
            if reused and got == 0 and waited <= self.args.stale_window:
                raise Failure("stale", f"{e!r} {waited * 1000:.1f} ms after sending")
            raise Failure("connection", f"{e!r} after {got} byte(s) of the answer, "
                                        f"{waited:.3f} s after sending"
                                        + (" on a reused connection" if reused else ""))

    def worker(self, index, target, keepalive, slow):
        conn = None
        out = {"index": index, "slow": slow, "keepalive": keepalive, "url": target.url,
               "total": 0, "ok": 0, "by_status": {}, "failures": [], "nfail_by_kind": {},
               "stale": [], "nstale": 0, "idle_closed": 0, "oks": [], "lat": [],
               "slow_requests": []}
        timeout = self.args.timeout
        first = True
        while not self.stop.is_set() and self.take_request():
            # --pause between a worker's requests keeps the load bounded, so that on a lab
            # sharing the machine's cores the load does not starve the engines under test.
            if not first and self.args.pause > 0 and self.stop.wait(self.args.pause):
                break
            first = False
            if conn is None or not keepalive:
                conn = Connection(target.host, target.port, timeout=timeout)
            elif conn.sock is not None and closed_by_peer(conn.sock):
                out["idle_closed"] += 1
                conn.close()
            t_start = self.now()
            m_start = time.monotonic()
            status = None
            try:
                try:
                    status, body = self.once(conn, target, keepalive)
                except Failure as f:
                    if f.kind != "stale":
                        raise
                    out["nstale"] += 1
                    if len(out["stale"]) < MAX_STALE:
                        out["stale"].append({"t": round(self.now(), 4), "url": target.url,
                                             "worker": index, "error": f.detail[:200]})
                    status, body = self.once(conn, target, keepalive)
                latency = time.monotonic() - m_start
                out["by_status"][status] = out["by_status"].get(status, 0) + 1
                if latency > timeout:
                    raise Failure("timeout", f"answered after {latency:.1f}s", status)
                text = body.decode("utf-8", "replace")
                if status != 200:
                    raise Failure("status", text[:200], status)
                m = BODY_RE.match(text)
                if not m:
                    raise Failure("body", text[:200], status)
                version, name = m.group(1), m.group(2)
            except Failure as f:
                kind = "connection" if f.kind == "stale" else f.kind  # stale twice: a failure
                out["total"] += 1
                out["nfail_by_kind"][kind] = out["nfail_by_kind"].get(kind, 0) + 1
                if len(out["failures"]) < MAX_FAILURES:
                    out["failures"].append({
                        "t": round(t_start, 4), "epoch": round(self.epoch0 + t_start, 4),
                        "url": target.url, "kind": kind, "status": f.status,
                        "detail": f.detail[:200], "worker": index,
                        "latency_ms": round((time.monotonic() - m_start) * 1000, 2)})
                if slow and len(out["slow_requests"]) < MAX_SLOW:
                    out["slow_requests"].append({"t0": round(t_start, 4),
                                                 "t1": round(self.now(), 4),
                                                 "version": None, "ok": False})
                continue
            out["total"] += 1
            out["ok"] += 1
            out["oks"].append((t_start, version, name))
            out["lat"].append(latency * 1000)
            if slow and len(out["slow_requests"]) < MAX_SLOW:
                out["slow_requests"].append({"t0": round(t_start, 4), "t1": round(self.now(), 4),
                                             "version": version, "ok": True})
            self.note_ok(index)
        if conn is not None:
            conn.close()
        with self.lock:
            self.results.append(out)

    def run(self):
        a = self.args
        threads = []
        for i in range(self.nworkers):
            slow = i >= a.workers
            j = i - a.workers if slow else i
            url = a.url[i % len(a.url)]
            target = Target(url, target_path(url, a.slow_path if slow else None))
            t = threading.Thread(target=self.worker, args=(i, target, j % 2 == 0, slow),
                                 daemon=True)
            threads.append(t)
        for t in threads:
            t.start()
        deadline = self.t0 + a.max_seconds
        while not self.stop.is_set():
            if a.stop_file and os.path.exists(a.stop_file):
                self.stopped_by = self.stopped_by or "stop-file"
                break
            if time.monotonic() >= deadline:
                self.stopped_by = self.stopped_by or "max-seconds"
                break
            self.stop.wait(0.05)
        self.stop.set()
        t_stop = self.now()
        for t in threads:
            t.join(timeout=a.timeout + 5)
        stuck = sum(1 for t in threads if t.is_alive())
        return self.report(t_stop, stuck)

    def report(self, t_stop, stuck):
        a = self.args
        with self.lock:
            results = list(self.results)
        total = sum(r["total"] for r in results)
        ok = sum(r["ok"] for r in results)
        by_status, by_kind, per_url = {}, {}, {}
        failures, stale, slow_requests = [], [], []
        nstale = idle_closed = 0
        for r in results:
            for k, v in r["by_status"].items():
                by_status[str(k)] = by_status.get(str(k), 0) + v
            for k, v in r["nfail_by_kind"].items():
                by_kind[k] = by_kind.get(k, 0) + v
            failures += r["failures"]
            stale += r["stale"]
            nstale += r["nstale"]
            idle_closed += r["idle_closed"]
            slow_requests += r["slow_requests"]
            u = per_url.setdefault(r["url"], {"total": 0, "ok": 0, "failed": 0})
            u["total"] += r["total"]
            u["ok"] += r["ok"]
            u["failed"] += r["total"] - r["ok"]
        failures.sort(key=lambda f: f["t"])
        stale.sort(key=lambda s: s["t"])
        slow_requests.sort(key=lambda s: s["t0"])

        oks = sorted((o for r in results for o in r["oks"]), key=lambda o: o[0])
        versions, names, version_names = {}, {}, {}
        for t, v, n in oks:
            e = versions.get(v)
            if e is None:
                versions[v] = e = {"count": 0, "first_t": round(t, 4), "last_t": 0.0}
            e["count"] += 1
            e["last_t"] = round(t, 4)
            names[n] = names.get(n, 0) + 1
            vn = version_names.setdefault(v, {})
            vn[n] = vn.get(n, 0) + 1
        for e in versions.values():
            e["first_epoch"] = round(self.epoch0 + e["first_t"], 4)
            e["last_epoch"] = round(self.epoch0 + e["last_t"], 4)
        order = sorted(versions, key=lambda v: versions[v]["first_t"])
        rank = {v: i for i, v in enumerate(order)}
        transitions, reversals, current = [], 0, None
        for t, v, _ in oks:
            if v == current:
                continue
            if current is not None:
                if rank[v] < rank[current]:
                    reversals += 1
                if len(transitions) < MAX_TRANSITIONS:
                    transitions.append({"t": round(t, 4), "from": current, "to": v})
            current = v
        overlaps = [{"from": a, "to": b,
                     "seconds": round(max(0.0, versions[a]["last_t"] - versions[b]["first_t"]), 4)}
                    for a, b in zip(order, order[1:])]
        n_transitions = sum(1 for i in range(1, len(oks)) if oks[i][1] != oks[i - 1][1])

        fast_lat = sorted(x for r in results if not r["slow"] for x in r["lat"])
        slow_lat = sorted(x for r in results if r["slow"] for x in r["lat"])
        all_lat = sorted(fast_lat + slow_lat)
        failed = total - ok
        return {
            "total": total, "ok": ok, "failed": failed,
            "zero_failed": failed == 0 and total > 0,
            "by_status": dict(sorted(by_status.items())),
            "status_5xx": sum(v for k, v in by_status.items() if k.startswith("5")),
            "stale_retries": nstale,
            "idle_closed": idle_closed,
            "failures_by_kind": by_kind,
            "failures": failures, "failures_truncated": failed > len(failures),
            "stale": stale,
            "per_url": per_url,
            "versions": versions, "names": names, "version_names": version_names,
            "version_order": order,
            "transitions": transitions, "transitions_total": n_transitions,
            "reversals": reversals,
            "overlaps": overlaps,
            "final_version": oks[-1][1] if oks else None,
            "latency_ms": {"fast": stats(fast_lat), "slow": stats(slow_lat), "all": stats(all_lat)},
            "requests_per_s": round(total / t_stop, 1) if t_stop > 0 else None,
            "slow_requests": slow_requests,
            "ready": self.ready_t is not None,
            "ready_t": round(self.ready_t, 4) if self.ready_t is not None else None,
            "started_epoch": round(self.epoch0, 4),
            "duration_s": round(t_stop, 3),
            "stopped_by": self.stopped_by,
            "workers_stuck": stuck,
            "args": {"url": a.url, "host_header": a.host_header, "workers": a.workers,
                     "slow_workers": a.slow_workers, "slow_path": a.slow_path,
                     "max_seconds": a.max_seconds, "max_requests": a.max_requests,
                     "timeout": a.timeout, "stale_window": a.stale_window},
        }


def closed_by_peer(sock):
    """An idle keep-alive connection is readable only if the server closed it (or sent bytes
    it should not have): either way it is not reused."""
    try:
        r, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(r)


def percentile(sorted_xs, q):
    if not sorted_xs:
        return None
    i = min(len(sorted_xs) - 1, max(0, int(round(q * (len(sorted_xs) - 1)))))
    return round(sorted_xs[i], 3)


def stats(xs):
    """xs sorted, in ms. Histogram buckets: upper bounds 0.1 ms .. 20 s, about 4 per decade."""
    if not xs:
        return {"count": 0}
    bounds = []
    b = 0.1
    while b < 20000:
        for m in (1, 2, 5):
            bounds.append(round(b * m, 3))
        b *= 10
    hist, i = [], 0
    for ub in bounds + [float("inf")]:
        n = 0
        while i < len(xs) and xs[i] <= ub:
            n += 1
            i += 1
        if n:
            hist.append([ub if ub != float("inf") else None, n])
    return {"count": len(xs), "min": round(xs[0], 3), "p50": percentile(xs, 0.50),
            "p90": percentile(xs, 0.90), "p99": percentile(xs, 0.99),
            "p999": percentile(xs, 0.999), "max": round(xs[-1], 3),
            "mean": round(sum(xs) / len(xs), 3), "histogram": hist}


def write_atomic(path, text):
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=d, prefix="." + os.path.basename(path) + ".")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", action="append", required=True,
                   help="entry point, http://ADDR[:PORT]/PATH; repeat for more")
    p.add_argument("--host-header", default=None)
    p.add_argument("--workers", type=int, default=6)
    p.add_argument("--slow-workers", type=int, default=2)
    p.add_argument("--slow-path", default="/cgi-bin/slow")
    p.add_argument("--max-seconds", type=float, default=300)
    p.add_argument("--max-requests", type=int, default=5_000_000, help="0: no count limit")
    p.add_argument("--timeout", type=float, default=10)
    p.add_argument("--stale-window", type=float, default=0.5,
                   help="a reused connection failing with no answer later than this: a failure")
    p.add_argument("--pause", type=float, default=0,
                   help="seconds each worker waits between its requests (0: none)")
    p.add_argument("--stop-file")
    p.add_argument("--ready-file")
    p.add_argument("--out", required=True)
    a = p.parse_args(argv)
    errors = [e for e in (check_url(u) for u in a.url) if e]
    if a.workers < 0 or a.slow_workers < 0 or a.workers + a.slow_workers < 1:
        errors.append("--workers and --slow-workers: not negative, at least one worker in all")
    if not 0 < a.max_seconds <= 3600:
        errors.append("--max-seconds: more than 0, at most 3600")
    if not 0 <= a.stale_window <= a.timeout:
        errors.append("--stale-window: from 0 to --timeout")
    if not 0 <= a.pause <= 10:
        errors.append("--pause: from 0 to 10 seconds")
    if a.max_requests < 0:
        errors.append("--max-requests: not negative")
    if not 0 < a.timeout <= 120:
        errors.append("--timeout: more than 0, at most 120")
    if a.slow_workers and not a.slow_path.startswith("/"):
        errors.append("--slow-path: starts with /")
    if a.max_requests == 0:
        a.max_requests = None
    for e in errors:
        print(f"ingress_probe: {e}", file=sys.stderr)
    if errors:
        sys.exit(2)
    return a


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    probe = Probe(args)

    def on_signal(signum, _frame):
        probe.stopped_by = probe.stopped_by or f"signal {signum}"
        probe.stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    result = probe.run()
    write_atomic(args.out, json.dumps(result, indent=1) + "\n")
    s = result
    print(f"ingress_probe: {s['total']} requests, {s['ok']} ok, {s['failed']} failed, "
          f"{s['stale_retries']} stale retries, {s['idle_closed']} idle closed, "
          f"versions {s['version_order']}, "
          f"p99 {s['latency_ms']['fast'].get('p99')} ms, {s['duration_s']} s ({s['stopped_by']})",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
