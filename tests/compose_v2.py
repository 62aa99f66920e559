"""Debian's docker-compose 1.29 prints `config` in an older shape than Compose v2 (which berth
follows). v2_document() rewrites 1.29's document into v2's shape; each step is one documented
difference between the two (docs/config.md, "Compared with docker-compose 1.29"). Used by
tests/config_compare.py."""
import os, re, shlex

# ---------------------------------------------------------------- Compose's value syntaxes

GO_UNITS = {"ns": 1, "us": 10**3, "µs": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9,
            "h": 3600 * 10**9}


def parse_duration(text):
    total, pos = 0, 0
    for m in re.finditer(r"(\d+(?:\.\d*)?)(ns|us|µs|ms|s|m|h)", text):
        assert m.start() == pos, f"bad duration {text!r}"
        total += round(float(m.group(1)) * GO_UNITS[m.group(2)])
        pos = m.end()
    assert pos == len(text) and pos, f"bad duration {text!r}"
    return total


def go_duration(ns):
    """Go's time.Duration.String(), written independently of berth's C++ one."""
    if ns == 0:
        return "0s"
    if ns < 10**9:
        for unit, size in (("ns", 1), ("µs", 10**3), ("ms", 10**6)):
            if ns < size * 1000:
                whole, frac = divmod(ns, size)
                digits = f"{frac:0{len(str(size)) - 1}d}".rstrip("0") if size > 1 else ""
                return f"{whole}{'.' + digits if digits else ''}{unit}"
    seconds, frac = divmod(ns, 10**9)
    digits = f"{frac:09d}".rstrip("0")
    out = f"{seconds % 60}{'.' + digits if digits else ''}s"
    if seconds >= 60:
        out = f"{seconds // 60 % 60}m" + out
    if seconds >= 3600:
        out = f"{seconds // 3600}h" + out
    return out


def parse_bytes(text):
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b)?", str(text).strip().lower())
    assert m, f"bad byte value {text!r}"
    return int(float(m.group(1)) * 1024 ** " kmgtp".index(m.group(2) or " "))


def number(value):
    f = float(value)
    return int(f) if f.is_integer() else f


def long_port(text):
    text, _, proto = str(text).partition("/")
    parts = text.split(":")
    port = {"mode": "ingress"}
    if len(parts) == 3:
        port["host_ip"] = parts[0]
    port["target"] = int(parts[-1])
    if len(parts) >= 2 and parts[-2]:
        port["published"] = parts[-2]
    port["protocol"] = proto or "tcp"
    return port


def long_volume(text):
    parts = text.split(":")
    if len(parts) == 1:
        return {"type": "volume", "target": parts[0]}
    kind = "bind" if parts[0][:1] in "/.~" else "volume"
    vol = {"type": kind, "source": parts[0], "target": parts[1]}
    if len(parts) == 3 and "ro" in parts[2].split(","):
        vol["read_only"] = True
    return vol


# ---------------------------------------------------------------- 1.29 -> v2 shape

def v2_service(svc):
    """One service as Compose v2 prints it, from what 1.29 printed. Each step is a documented
    difference between the two (docs/config.md)."""
    for key in ("command", "entrypoint"):  # v2 splits strings like a shell; JSON has null
        if isinstance(svc.get(key), str):
            svc[key] = shlex.split(svc[key])
        svc.setdefault(key, None)
    if "build" in svc:  # v2 fills the default Dockerfile name
        svc["build"].setdefault("dockerfile", "Dockerfile")
    ports = []
    for p in svc.get("ports", []):  # v2: long syntax, published a string, mode and protocol set
        if isinstance(p, dict):
            p = dict(p)
            if "published" in p:
                p["published"] = str(p["published"])
            p.setdefault("mode", "ingress")
            p.setdefault("protocol", "tcp")
            ports.append(p)
        else:
            ports.append(long_port(p))
    if ports:
        svc["ports"] = ports
    if "volumes" in svc:  # v2: long syntax; short binds get create_host_path, volumes `volume: {}`
        vols = []
        for v in svc["volumes"]:
            if isinstance(v, str):
                v = long_volume(v)
                v.update({"bind": {"create_host_path": True}} if v["type"] == "bind" else
                         {"volume": {}} if v["type"] == "volume" else {})
            vols.append(v)
        svc["volumes"] = vols
    hc = svc.get("healthcheck")
    if hc:
        if isinstance(hc.get("test"), str):  # v2: a string test is CMD-SHELL
            hc["test"] = ["CMD-SHELL", hc["test"]]
        if hc.get("test") == ["NONE"] and hc.get("disable") is None:
            # 1.29 rewrites `disable: true` as test [NONE]; v2 prints what was written.
            hc.pop("test")
            hc["disable"] = True
    for dep in svc.get("depends_on", {}).values():  # v2 prints required: true
        dep.setdefault("required", True)
    for s in svc.get("secrets", []):  # v2 fills a secret's default target
        s.setdefault("target", "/run/secrets/" + s["source"])
    if "extra_hosts" in svc:  # v2: host=ip, sorted
        svc["extra_hosts"] = sorted(h.replace(":", "=", 1) for h in svc["extra_hosts"])
    if not svc.get("networks") and not svc.get("network_mode"):  # v2: the default network
        svc["networks"] = {"default": None}
    for net, cfg in list(svc.get("networks", {}).items()):
        if cfg == {}:  # `net: {}` and `net: null` say the same; berth's model keeps no difference
            svc["networks"][net] = None
    convert_units(svc)
    drop_defaults(svc)
    return svc


DURATIONS = [("healthcheck", "interval"), ("healthcheck", "timeout"),
             ("healthcheck", "start_period"), ("stop_grace_period",)]


def convert_units(svc):
    """v2 writes durations as Go does, memory as a string of bytes, CPUs as a number."""
    paths = list(DURATIONS)
    for section in ("update_config", "rollback_config"):
        paths += [("deploy", section, "delay"), ("deploy", section, "monitor")]
    for path in paths:
        parent = svc
        for key in path[:-1]:
            parent = parent.get(key) or {}
        if path[-1] in parent:
            parent[path[-1]] = go_duration(parse_duration(str(parent[path[-1]])))
    resources = svc.get("deploy", {}).get("resources", {})
    for amounts in resources.values():
        if "memory" in amounts:
            amounts["memory"] = str(parse_bytes(amounts["memory"]))
        if "cpus" in amounts:
            amounts["cpus"] = number(amounts["cpus"])


# Values equal to Compose's defaults: berth's model cannot tell them from "not written", so
# berth leaves them out (docs/config.md).
DEFAULTS = {("restart",): "no", ("deploy", "replicas"): 1, ("deploy", "mode"): "replicated"}
for _section in ("update_config", "rollback_config"):
    DEFAULTS.update({("deploy", _section, "parallelism"): 1,
                     ("deploy", _section, "failure_action"): "pause",
                     ("deploy", _section, "order"): "stop-first",
                     ("deploy", _section, "monitor"): "5s",
                     ("deploy", _section, "delay"): "0s"})


def drop_defaults(svc):
    for key in [k for k, v in svc.items() if v is False and k != "init"]:  # flags: false
        del svc[key]
    for path, value in DEFAULTS.items():
        parent = svc
        for key in path[:-1]:
            parent = parent.get(key) if isinstance(parent.get(key), dict) else {}
        if parent.get(path[-1]) == value:
            del parent[path[-1]]
    deploy = svc.get("deploy", {})
    for key in [k for k, v in deploy.items() if v == {}]:
        del deploy[key]
    if deploy == {} and "deploy" in svc:
        del svc["deploy"]


def project_name(compose_file):
    m = re.search(r"^name:\s*(\S+)", open(compose_file).read(), re.M)
    raw = m.group(1) if m else os.path.basename(os.path.dirname(compose_file))
    return re.sub(r"[^a-z0-9_-]", "", raw.lower())


def v2_document(doc, name, profiles):
    """The whole document as v2 prints it: `name`, enabled services only, resources named."""
    doc.pop("version", None)  # obsolete; v2 does not print it
    doc = {"name": name, **doc}
    services = {}
    for sname, svc in doc.get("services", {}).items():
        wanted = svc.get("profiles")
        if not wanted or set(wanted) & set(profiles):  # v2 prints enabled services only
            services[sname] = v2_service(svc)
    doc["services"] = services
    if any("default" in (s.get("networks") or {}) for s in services.values()):
        doc.setdefault("networks", {}).setdefault("default", {})
    for kind in ("networks", "volumes", "secrets", "configs"):  # v2 names every resource
        for key, cfg in (doc.get(kind) or {}).items():
            cfg = doc[kind][key] = cfg or {}
            cfg.setdefault("name", key if cfg.get("external") else f"{name}_{key}")
    return doc
