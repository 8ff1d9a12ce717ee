"""The JSON of `mus-verify check all --json` keeps every field it had (issue 11: fields are added, never
removed or renamed).

`data/check_all_fields.json` was recorded from `mus-verify check all --json` at commit 3c215e8, before
the restructure: for each check, every key path through the result's nested objects. Maps keyed by
data (histogram bins: every key an integer, e.g. true radius -> count) are pinned as one field, since
their keys depend on the drawn seed vector, not on the schema.
"""

from __future__ import annotations

import json
from pathlib import Path

from mus_verify.cli import main

PINNED = json.loads((Path(__file__).parent / "data" / "check_all_fields.json").read_text())


def key_paths(obj: object, prefix: str = "") -> set[str]:
    paths: set[str] = set()
    if isinstance(obj, dict):
        data_map = bool(obj) and all(str(k).lstrip("-").isdigit() for k in obj)
        if data_map:
            return paths
        for key, value in obj.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            paths.add(path)
            paths |= key_paths(value, path)
    return paths


def test_key_paths_stop_at_data_maps() -> None:
    assert key_paths({"a": {"b": 1}, "h": {"0": {"1": 2}, "3": 4}}) == {"a", "a.b", "h"}


def test_check_all_json_keeps_every_field(capsys) -> None:
    code = main(["check", "all", "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 0
    assert set(PINNED["top"]) <= set(document)
    by_name = {r["name"]: r for r in document["results"]}
    assert set(PINNED["results"]) <= set(by_name), f"checks missing from check all: {sorted(set(PINNED['results']) - set(by_name))}"
    for name, paths in PINNED["results"].items():
        missing = set(paths) - key_paths(by_name[name])
        assert not missing, f"{name}: fields removed or renamed: {sorted(missing)}"
