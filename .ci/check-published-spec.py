"""Validates the request bodies the SDK sent in the tests (tests/suite/wire_samples.rs, and
a whole hny-keys lifecycle in tests/suite/cli.rs) against the request schemas of
Honeycomb's published document, spec/api-keys.yaml: a second validator beside the one in
the tests. The crate's deviations (spec/overlay.yaml) change what it reads and how its
generated request types look; what it sends must still be what the published document
accepts.

usage: python3 .ci/check-published-spec.py spec/api-keys.yaml SAMPLES_DIR
Exit 1 when a body does not validate.
"""
import json
import pathlib
import sys

import jsonschema
import yaml

spec = yaml.safe_load(pathlib.Path(sys.argv[1]).read_text())
samples = sorted(pathlib.Path(sys.argv[2]).glob("*.json"))
if not samples:
    sys.exit(f"no samples in {sys.argv[2]}: run `cargo test --all-features --test suite wire_samples::` first")

failed = 0
for path in samples:
    sample = json.loads(path.read_text())
    schema = {"$ref": f"#/components/schemas/{sample['schema']}", "components": spec["components"]}
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(sample["body"]))
    status = "ok" if not errors else "INVALID"
    print(f"{status:8} {path.stem} against {sample['schema']}")
    for e in errors:
        failed += 1
        print(f"         {e.json_path}: {e.message}")
sys.exit(1 if failed else 0)
