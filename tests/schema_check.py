#!/usr/bin/python3
"""The JSON Schemas in schemas/ are valid, every example inventory and stack validates, and
bad inventories are rejected (so the schemas can fail)."""
import glob, json, os, sys
import jsonschema, yaml

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
inventory = json.load(open(os.path.join(root, "schemas", "inventory.schema.json")))
xberth = json.load(open(os.path.join(root, "schemas", "x-berth.schema.json")))
for s in (inventory, xberth):
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
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
