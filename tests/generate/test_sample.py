"""The bundled sample is exactly what `sample_lines` writes, and it keeps the contract.

Regenerate it after changing a fixture or the generator, from the repository root:

    .venv/bin/python -c "from pathlib import Path; from rulesengine.events.generate import sample_lines; \\
        lines = ''.join(line + '\\n' for line in sample_lines(Path('tests/flows'))); \\
        Path('rulesengine/sample/sample.jsonl').write_text(lines, encoding='utf-8')"
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from rulesengine.events.generate import SAMPLE_COUNT, SHAPES, sample_lines

from .contract import events_of, problems

FLOWS = Path(__file__).parents[1] / "flows"
SAMPLE = resources.files("rulesengine.sample") / "sample.jsonl"


def test_shipped_sample_is_what_sample_lines_writes() -> None:
    expected = "".join(f"{line}\n" for line in sample_lines(FLOWS))
    assert SAMPLE.read_text(encoding="utf-8") == expected


def test_sample_holds_every_fixture_then_generated_interactions() -> None:
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    events = events_of(lines)
    assert problems(events) == {}
    ids = {event["interaction"] for event in events}
    fixtures = {path.stem for path in FLOWS.glob("*.jsonl")}
    assert fixtures <= ids
    assert len(ids - fixtures) == SAMPLE_COUNT
    assert lines[0].startswith("# C1 ")
    flows = {e["data"]["flow"] for e in events if e.get("data")}
    assert flows == set(SHAPES)
