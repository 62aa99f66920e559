#!/usr/bin/python3
"""The JSON Schemas in schemas/ are valid, every example inventory and stack validates, and
bad inventories are rejected (so the schemas can fail). The event stream the renderers write
(tests/unit/golden/progress_events.jsonl, which progress_test compares berth's output with)
validates line by line, and bad events are rejected, each for its own reason."""
import glob, json, os, sys
import jsonschema, yaml

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(root, "tests"))
import validate_events

inventory = json.load(open(os.path.join(root, "schemas", "inventory.schema.json")))
xberth = json.load(open(os.path.join(root, "schemas", "x-berth.schema.json")))
events = json.load(open(os.path.join(root, "schemas", "events.schema.json")))
for s in (inventory, xberth, events):
    jsonschema.Draft202012Validator.check_schema(s)
passed = failed = 0

def expect(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)

for path in glob.glob(os.path.join(root, "examples", "*", "berth.hosts.yaml")):
    errors = list(jsonschema.Draft202012Validator(inventory).iter_errors(yaml.safe_load(open(path))))
    expect(not errors, f"{path}: {[e.message for e in errors]}")
for path in glob.glob(os.path.join(root, "examples", "*", "compose.yaml")):
    errors = list(jsonschema.Draft202012Validator(xberth).iter_errors(yaml.safe_load(open(path))))
    expect(not errors, f"{path}: {[e.message for e in errors]}")
bad = [{"hosts": {"a": {"address": "http://x"}}}, {"hosts": {}}, {"hosts": {"a": {}}},
       {"hosts": {"a": {"address": "ssh://h", "cpu": 2}}}, {"nodes": {}}]
for doc in bad:
    expect(not jsonschema.Draft202012Validator(inventory).is_valid(doc), f"accepted {doc}")
expect(not jsonschema.Draft202012Validator(xberth).is_valid({"x-berth": {"strategy": "random"}}),
       "accepted strategy random")

golden = os.path.join(root, "tests", "unit", "golden", "progress_events.jsonl")
lines = open(golden).read().splitlines()
found = list(validate_events.problems(lines, golden))
expect(not found and len(lines) > 10, f"{golden}: {found}")
T = "2026-12-02T15:04:05.123Z"
report = {"ok": True, "interrupted": False, "hosts": [], "notes": [], "errors": []}
good = [{"event": "step", "time": T, "host": "h1", "message": "created network x"},
        {"event": "replica_waiting", "time": T, "host": "h1", "service": "web", "slot": "1",
         "elapsed_ms": 0},
        {"event": "done", "time": T, "message": "m", "result": "ok", "exit_code": 0,
         "report": report}]
for doc in good:
    expect(jsonschema.Draft202012Validator(events).is_valid(doc), f"rejected {doc}")
bad = [{"event": "step", "message": "no time"},
       {"event": "step", "time": "2026-12-02T15:04:05Z", "message": "no milliseconds"},
       {"event": "exploded", "time": T},
       {"event": "step", "time": T},  # a step says what it did
       {"event": "step", "time": T, "message": "m", "colour": "red"},
       {"event": "batch_started", "time": T, "host": "h1", "service": "web", "batch": 1,
        "batches": 2},
       {"event": "replica_started", "time": T, "host": "h1", "service": "web"},
       {"event": "replica_healthy", "time": T, "host": "h1", "service": "web", "slot": "1"},
       {"event": "done", "time": T, "message": "m", "result": "ok", "exit_code": 0},
       {"event": "done", "time": T, "message": "m", "result": "great", "exit_code": 0,
        "report": report},
       {"event": "step", "time": T, "message": "m", "result": "ok"},
       {"event": "plan", "time": T, "message": "m"},
       {"event": "done", "time": T, "message": "m", "result": "ok", "exit_code": 0,
        "report": {**report, "hosts": [{"host": "h1"}]}}]
for doc in bad:
    expect(not jsonschema.Draft202012Validator(events).is_valid(doc), f"accepted {doc}")
sync = json.load(open(os.path.join(root, "schemas", "sync.schema.json")))
jsonschema.Draft202012Validator.check_schema(sync)
cycle = {"event": "sync", "time": T, "commit": "0" * 40, "subject": "s", "result": "in_sync",
         "changes": 0, "drifted": 0, "duration_ms": 20, "kept_services": [], "exit_code": 0,
         "error": None}
expect(jsonschema.Draft202012Validator(sync).is_valid(cycle), "rejected a sync cycle")
expect(jsonschema.Draft202012Validator(sync).is_valid({**cycle, "commit": "", "result": "error",
                                                      "error": "cannot fetch"}),
       "rejected a failed fetch")
for bad_cycle in ({**cycle, "result": "fine"}, {**cycle, "commit": "abc"},
                  {k: v for k, v in cycle.items() if k != "duration_ms"}):
    expect(not jsonschema.Draft202012Validator(sync).is_valid(bad_cycle), f"accepted {bad_cycle}")
unfinished = [json.dumps(good[0])]
expect(list(validate_events.problems(unfinished, "s")), "accepted a stream without done")
expect(not list(validate_events.problems(unfinished, "s", unfinished=True)),
       "rejected an unfinished stream with --unfinished")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
