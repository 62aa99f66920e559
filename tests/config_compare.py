#!/usr/bin/python3
"""`berth config --json` prints what `docker compose config` prints.

For every stack in examples/*/compose.yaml and tests/compose_corpus/*/compose.yaml, Debian's
docker-compose 1.29 (`docker-compose config`, YAML, no engine needed) and `berth config --json`
are run on the same file. 1.29's output is first brought to the shape Compose v2 prints, by the
rules in tests/compose_v2.py (each a documented difference between the two Compose versions),
then every key path is compared. A path both print must have the same value and type; a path only one of
them prints fails unless ONLY_BERTH / ONLY_COMPOSE lists it with its reason. Values berth masks
are not compared. docs/config.md describes the same differences for users.

It also checks that `berth config` (YAML) is the same document as `berth config --json`, and,
with a self-test, that the comparison fails on documents with a broken shape.
Usage: config_compare.py BERTH_BINARY [-v]"""
import concurrent.futures, json, os, re, subprocess, sys
import yaml

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from compose_v2 import project_name, v2_document  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MASKED = "(sensitive)"  # planner/spec.h kMasked
# Extra runs beyond the default one per directory: (directory, profiles).
PROFILE_RUNS = [("tests/compose_corpus/profiles", ["debug"])]

# Paths only berth prints, and why.
ONLY_BERTH = [
    (r"^x-berth\.strategy$", "berth's own setting, under x-berth"),
    (r"^services\.[^.]+\.x-berth\.", "berth's own service settings (ingress), normalized"),
    (r"^services\.[^.]+\.volumes\.\d+\.bind\.create_host_path$",
     "berth prints v2's short-syntax normalization for every bind, long syntax too"),
    (r"^services\.[^.]+\.volumes\.\d+\.volume$",
     "berth prints v2's short-syntax normalization (`volume: {}`) for long syntax too"),
    (r"^secrets\.[^.]+\.environment$",
     "1.29 has no `environment:` secrets (Compose 2.23 added them): it reads `file: /dev/null`"),
]
# Paths only docker-compose prints (after compose_v2), and why.
ONLY_COMPOSE = [
    (r"^secrets\.[^.]+\.file$", "the /dev/null 1.29 reads instead of an `environment:` secret"),
]

# ---------------------------------------------------------------- comparison

def flatten(value, prefix="", out=None):
    out = {} if out is None else out
    if isinstance(value, dict) and value:
        for k, v in value.items():
            flatten(v, f"{prefix}.{k}" if prefix else str(k), out)
    elif isinstance(value, list) and value:
        for i, v in enumerate(value):
            flatten(v, f"{prefix}.{i}", out)
    else:
        out[prefix] = value
    return out


def allowed(path, rules):
    return any(re.search(pattern, path) for pattern, _ in rules)


def compare(compose_doc, berth_doc):
    """Differences as (path, compose value, berth value); "-" marks a path one side lacks."""
    c, b = flatten(compose_doc), flatten(berth_doc)
    diffs = []
    for path in sorted(set(c) | set(b)):
        if path not in b:
            if not allowed(path, ONLY_COMPOSE):
                diffs.append((path, c[path], "-"))
        elif path not in c:
            if not allowed(path, ONLY_BERTH):
                diffs.append((path, "-", b[path]))
        elif b[path] != MASKED and (type(c[path]) is not type(b[path]) or c[path] != b[path]):
            diffs.append((path, c[path], b[path]))
    return diffs


def run(cmd, stdin=None, cwd=None):
    env = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root")}
    p = subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=env, cwd=cwd)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()}")
    return p.stdout


def in_top_level_secrets(text, offset):
    """Whether `offset` is inside the top-level `secrets:` section of a Compose file."""
    section = None
    for m in re.finditer(r"^(\S[^:]*):", text[:offset], flags=re.M):
        section = m.group(1)
    return section == "secrets"


def documents(berth, directory, profiles):
    compose_file = os.path.join(directory, "compose.yaml")
    # 1.29 refuses the top-level `name:` that v2 and berth read: give it the file without it.
    text = re.sub(r"^name:.*$", "", open(compose_file).read(), flags=re.M)
    # 1.29 knows no `environment:` secrets: it gets `file: /dev/null` (ONLY_COMPOSE says so).
    text = re.sub(r"^(\s+)environment: (\w+)(\s*#.*)?$", lambda m: m.group(1) + "file: /dev/null"
                  if in_top_level_secrets(text, m.start()) else m.group(0), text, flags=re.M)
    flags = [a for p in profiles for a in ("--profile", p)]
    # Read from stdin, 1.29 resolves relative paths against its working directory.
    compose = yaml.safe_load(run(["docker-compose", "-f", "-", "--project-directory", directory,
                                  *flags, "config"], stdin=text, cwd=directory))
    berth_doc = json.loads(run([berth, "-f", compose_file, *flags, "config", "--json"]))
    # The YAML form is the same document, less the JSON-only `null` commands.
    berth_yaml = yaml.safe_load(run([berth, "-f", compose_file, *flags, "config"]))
    expected = json.loads(json.dumps(berth_doc))
    for svc in expected["services"].values():
        for key in ("command", "entrypoint"):
            if svc[key] is None:
                del svc[key]
    if berth_yaml != expected:
        raise RuntimeError(f"{compose_file}: `berth config` and `berth config --json` differ")
    return v2_document(compose, project_name(compose_file), profiles), berth_doc


def self_test(compose_doc, berth_doc):
    """The comparison must fail when berth's shape is broken."""
    def broken(edit):
        doc = json.loads(json.dumps(berth_doc))
        edit(doc)
        return compare(compose_doc, doc)
    svc = "web"  # has ports, environment and an image
    checks = {
        "published as a number": lambda d: d["services"][svc]["ports"][0].update(
            published=int(d["services"][svc]["ports"][0]["published"])),
        "environment as a list": lambda d: d["services"][svc].update(
            environment=[f"{k}={v}" for k, v in d["services"][svc]["environment"].items()]),
        "a missing key": lambda d: d["services"][svc].pop("image"),
    }
    return [what for what, edit in checks.items() if not broken(edit)]


def main():
    berth, verbose = sys.argv[1], "-v" in sys.argv
    cases = [(os.path.dirname(p), []) for p in sorted(
        [os.path.join(ROOT, "examples", d, "compose.yaml") for d in os.listdir(
            os.path.join(ROOT, "examples"))] +
        [os.path.join(ROOT, "tests", "compose_corpus", d, "compose.yaml") for d in os.listdir(
            os.path.join(ROOT, "tests", "compose_corpus"))]) if os.path.exists(p)]
    cases += [(os.path.join(ROOT, d), profiles) for d, profiles in PROFILE_RUNS]
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:  # 1.29 starts slowly
        docs = list(pool.map(lambda case: documents(berth, *case), cases))
    failed = 0
    for (directory, profiles), (compose_doc, berth_doc) in zip(cases, docs):
        label = os.path.relpath(directory, ROOT) + "".join(f" --profile {p}" for p in profiles)
        diffs = compare(compose_doc, berth_doc)
        compared = len(set(flatten(compose_doc)) & set(flatten(berth_doc)))
        print(f"{'FAIL' if diffs else 'ok'}: {label}: {compared} key paths agree"
              if not diffs else f"FAIL: {label}: {len(diffs)} differences")
        for path, c, b in diffs:
            print(f"    {path}: docker-compose {json.dumps(c)}  berth {json.dumps(b)}")
        if verbose and not diffs:
            print(json.dumps(compose_doc, indent=1))
        failed += bool(diffs)
        if label == "tests/compose_corpus/web-db":
            missed = self_test(compose_doc, berth_doc)
            for what in missed:
                print(f"FAIL: self-test: a berth document with {what} was not caught")
            if not missed:
                print("ok: self-test: broken berth documents are caught")
            failed += bool(missed)
    print(f"{len(cases) - failed} of {len(cases)} stacks agree")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
