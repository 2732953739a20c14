"""The language reference's examples load, and every diagnostic code is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rulesengine.decide.ruleset import default_layer, load_layers
from rulesengine.diagnostics import Severity
from rulesengine.language import syntax
from rulesengine.language.parse import parse

ROOT = Path(__file__).parents[2]
LANGUAGE = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
ERRORS = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
EXAMPLES = re.findall(r"```rules\n(.*?)```", LANGUAGE, flags=re.DOTALL)


def test_the_reference_has_examples():
    assert len(EXAMPLES) >= 10


@pytest.mark.parametrize("number", range(len(EXAMPLES)))
def test_example_parses_and_prints_back(number):
    tree, problems = parse(EXAMPLES[number], f"language.md example {number}")
    assert problems == ()
    assert tree.rules or tree.params or tree.vocabularies or tree.facts or tree.settings or tree.disabled
    for rule in tree.rules:
        again, _ = parse(syntax.show_rule(rule), "again.rules")
        assert again.rules == (rule,)
    for fact in tree.facts:
        again, _ = parse(syntax.show_fact(fact), "again.rules")
        assert again.facts == (fact,)


def test_the_examples_load_over_the_defaults_one_layer_each():
    layers = [default_layer(), *([(f"example{n}.rules", text)] for n, text in enumerate(EXAMPLES))]
    loaded = load_layers(layers, {})
    errors = [d.render() for d in loaded.diagnostics if d.severity is Severity.ERROR]
    assert errors == []
    assert loaded.params["short_engagement"].source_text.startswith("set at example")


def test_every_code_the_engine_emits_is_documented():
    sources = "".join(path.read_text(encoding="utf-8")
                      for path in (ROOT / "rulesengine").glob("**/*.py"))
    emitted = set(re.findall(r'"(R\d{3})"', sources))
    documented = set(re.findall(r"^## (R\d{3}) ", ERRORS, flags=re.MULTILINE))
    assert emitted and emitted == documented
