"""Validates the request bodies the SDK sent in tests/suite/wire_samples.rs against the schemas
of Honeycomb's published spec (reference data kept outside this repository).

usage: python3 .ci/check-published-spec.py PUBLISHED_SPEC.yaml SAMPLES_DIR
Exit 1 when a body does not validate. Deliberate deviations are listed in spec/README.md;
none of them concerns a request body the SDK sends.
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
