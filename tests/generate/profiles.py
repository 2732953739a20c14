"""What the generator's tests share: the fixtures every shape follows, and a profile that
brings in every shape, the optional ones included."""

from __future__ import annotations

from pathlib import Path

import orjson

from rulesengine.events.generate import ALL_SHAPES, Profile

#: the documented flows' fixtures (the default mix), then those of the shapes only a profile brings in
FLOWS = Path(__file__).parents[1] / "flows"
PROFILE_FLOWS = Path(__file__).parent / "flows"
FIXTURES = sorted([*FLOWS.glob("*.jsonl"), *PROFILE_FLOWS.glob("*.jsonl")])
EVERY_SHAPE = Profile(weights=dict.fromkeys(ALL_SHAPES, 1))


def expected_rows() -> dict[str, list[dict]]:
    """Shape id → the rows its fixture is documented (or, for a profile shape, expected) to give."""
    documented = orjson.loads((FLOWS / "documented.json").read_bytes())
    expected = orjson.loads((PROFILE_FLOWS / "expected.json").read_bytes())
    return ({flow: entry["documented"] for flow, entry in documented.items()}
            | {flow: entry["expected"] for flow, entry in expected.items()})
