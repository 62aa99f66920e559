#!/usr/bin/python3
"""Validates a stream of berth events (`berth apply --json`, `destroy --json`) line by line.

    tests/validate_events.py FILE          # or - for stdin
    tests/validate_events.py --unfinished FILE

Every line must be one JSON object valid against schemas/events.schema.json. Unless
--unfinished (a run that was killed), the stream must not be empty and must end with its one
`done` event. Exit 0 when all is well; else 1, naming each bad line as FILE:LINE: why.
docs/output.md describes the events."""
import argparse, json, os, sys
import jsonschema

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA = os.path.join(ROOT, "schemas", "events.schema.json")


def problems(lines, name, unfinished=False):
    """Yields "NAME:LINE: why" for every problem of a stream given as a list of lines."""
    validator = jsonschema.Draft202012Validator(json.load(open(SCHEMA)))
    kinds = []
    for number, line in enumerate(lines, 1):
        where = f"{name}:{number}"
        try:
            event = json.loads(line)
        except ValueError as e:
            yield f"{where}: not JSON ({e}): {line[:80]!r}"
            continue
        errors = sorted(validator.iter_errors(event), key=lambda e: list(e.absolute_path))
        for error in errors:
            path = "/".join(str(p) for p in error.absolute_path) or "(the event)"
            yield f"{where}: {path}: {error.message}"
        kinds.append((where, event.get("event") if isinstance(event, dict) else None))
    if unfinished:
        return
    if not kinds:
        yield f"{name}: no events"
        return
    for where, kind in kinds[:-1]:
        if kind == "done":
            yield f"{where}: a done event before the end of the stream"
    if kinds[-1][1] != "done":
        yield f"{kinds[-1][0]}: the stream does not end with a done event"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", help="the JSON lines, or - for stdin")
    parser.add_argument("--unfinished", action="store_true",
                        help="the run was killed: no done event is expected")
    args = parser.parse_args()
    stream = sys.stdin if args.file == "-" else open(args.file, encoding="utf-8")
    lines = stream.read().splitlines()
    found = list(problems(lines, "stdin" if args.file == "-" else args.file, args.unfinished))
    for p in found:
        print(p, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
