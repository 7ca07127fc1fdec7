"""The JSON Schema of a trajectory record, generated from the dataclasses (docs/record.schema.json).

``python -m magnet_graph.records.schema > docs/record.schema.json`` regenerates the shipped file; a
test checks that it is current and that every record of a real run validates against it.
"""

from __future__ import annotations

import json
from typing import Any

from .codec import schema_of
from .model import SCHEMA_VERSION, Record


def record_schema() -> dict[str, Any]:
    defs: dict[str, Any] = {}
    schema_of(Record, defs)
    body = defs.pop(Record.__name__)
    body["properties"]["schema_version"] = {"const": SCHEMA_VERSION}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"magnet-graph trajectory record, schema_version {SCHEMA_VERSION} (a trajectories.jsonl line)",
        **body,
        "$defs": defs,
    }


if __name__ == "__main__":
    print(json.dumps(record_schema(), indent=2, sort_keys=True))
