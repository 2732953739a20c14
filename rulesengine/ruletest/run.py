"""Running a case: its events through the event stage, decided by the rules, compared.

Compact events are read by the very checks a JSON-lines file gets (`events.read`,
`events.assemble`), so a bad event is the usual E-diagnostic, moved to the word of
the test file's line that wrote the field at fault. Expectations name a party by id
or a resource by name (`Agent1#2`: its second stay); the values they expect must be
words of the rules' vocabularies.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import attrs
import orjson

from rulesengine.decide.decider import Decider
from rulesengine.decide.decision import UNSPECIFIED, Decision
from rulesengine.decide.explain import PartyExplanation, explain_interaction
from rulesengine.diagnostics import Diagnostic, did_you_mean, error
from rulesengine.events.assemble import Assembler, Interaction, Rejection, assemble, assemble_lines
from rulesengine.events.read import InputError, field_column, parse_line
from rulesengine.language.vocabulary import Vocabulary
from rulesengine.model.interaction import InteractionModel, Party
from rulesengine.ruletest.cases import EVENTS_FILE, UNKNOWN_TARGET, UNKNOWN_WORD, Case, CaseFile, Expectation, Word
from rulesengine.ruletest.compact import Made, records
from rulesengine.runtime.pipeline import model_of

PASSED, FAILED, ERROR = "passed", "failed", "error"


@attrs.frozen
class Mismatch:
    """An expectation the rules do not meet: what they gave, and why."""

    expectation: Expectation
    party: Party = attrs.field(eq=False)
    decision: Decision
    explanation: PartyExplanation

    @property
    def got(self) -> str:
        """What the rules gave, written the way the expectation is (with the record if it has one)."""
        return self.decision.descriptor + (f" {self.decision.record}" if self.expectation.record else "")


@attrs.frozen
class CaseResult:
    case: Case
    mismatches: tuple[Mismatch, ...] = ()
    #: problems with the case itself (its events, names, words): it could not be judged
    problems: tuple[Diagnostic, ...] = ()

    @property
    def status(self) -> str:
        return ERROR if self.problems else FAILED if self.mismatches else PASSED


def slug(name: str) -> str:
    """The interaction id of a case that names none: its name in lower case, `_` between words."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "case"


def run_file(case_file: CaseFile, decider: Decider, vocabulary: Vocabulary | None,
             folder: Path | None = None) -> list[CaseResult]:
    """Every case of a file; events files are found in `folder` (by default the file's own)."""
    lines = case_file.text.splitlines()
    results = [run_case(case, decider, vocabulary, folder or Path(case_file.path).parent)
               for case in case_file.cases]
    return [attrs.evolve(result, problems=tuple(_with_line(d, case_file.path, lines) for d in result.problems))
            for result in results]


def _with_line(diagnostic: Diagnostic, path: str, lines: Sequence[str]) -> Diagnostic:
    """A diagnostic about the test file with the text of its line, for the caret."""
    where = diagnostic.position
    if diagnostic.source_line is not None or where is None or where.path != path or where.line > len(lines):
        return diagnostic
    return attrs.evolve(diagnostic, source_line=lines[where.line - 1])


def run_case(case: Case, decider: Decider, vocabulary: Vocabulary | None, folder: Path) -> CaseResult:
    """Decide the case's interaction and compare each expectation with what its party got."""
    words = _unknown_words(case.expectations, vocabulary)
    interaction, problems = _interaction(case, folder)
    if interaction is None or words:
        return CaseResult(case, (), (*problems, *words))
    model = model_of(interaction)
    targets, problems = _targets(case.expectations, model)
    if problems:
        return CaseResult(case, (), tuple(problems))
    decisions = dict(zip(model.parties, decider.decide(model), strict=True))
    failing = [(expectation, party) for expectation, party in targets
               if not meets(expectation, decisions[party])]
    if not failing:
        return CaseResult(case)
    explained = dict(zip(model.parties, explain_interaction(decider, model), strict=True))
    return CaseResult(case, tuple(Mismatch(expectation, party, decisions[party], explained[party])
                                  for expectation, party in failing))


def meets(expectation: Expectation, decision: Decision) -> bool:
    wanted = (expectation.role.value.text, _reason(expectation.role.reason),
              expectation.result.value.text, _reason(expectation.result.reason))
    got = (decision.resource_role, decision.role_reason, decision.technical_result, decision.result_reason)
    return wanted == got and (expectation.record is None or expectation.record.text == decision.record)


def _reason(word: Word | None) -> str:
    return word.text if word else UNSPECIFIED


# ---- events --------------------------------------------------------------------------------

def _interaction(case: Case, folder: Path) -> tuple[Interaction | None, list[Diagnostic]]:
    """The case's one interaction, read and checked by the event stage, or why there is none."""
    if case.events_file is not None:
        return _from_file(case, folder / case.events_file.text)
    assert case.events is not None
    made, problems = records(case.events, case.interaction or slug(case.name), case.start)
    if problems:
        return None, problems
    lines = [parse_line(orjson.dumps(m.record), m.line.offset.position.path, m.line.offset.position.line)
             for m in made]
    return _one(case, assemble_lines(lines, Assembler()), _Places(made))


def _from_file(case: Case, path: Path) -> tuple[Interaction | None, list[Diagnostic]]:
    assert case.events_file is not None
    try:
        return _one(case, list(assemble([str(path)])), None)
    except InputError as problem:
        return None, [error(EVENTS_FILE, f"cannot read events: {problem}", case.events_file.position)]


def _one(case: Case, items: Iterable[Interaction | Rejection], places: _Places | None,
         ) -> tuple[Interaction | None, list[Diagnostic]]:
    interactions, problems = [], []
    for item in items:
        if isinstance(item, Rejection):
            problems += [places.moved(d) if places else d for d in item.diagnostics]
        else:
            interactions.append(item)
    if problems:
        return None, problems
    if len(interactions) != 1:
        where = case.events_file.position if case.events_file else case.position
        return None, [error(EVENTS_FILE, f"a case tests one interaction; its events make {len(interactions)}",
                            where, hint="give every event the same interaction, ended by interaction.ended")]
    return interactions[0], []


@attrs.frozen
class _Places:
    """Where in the test file each field of each made record is written."""

    made: Sequence[Made]

    def moved(self, diagnostic: Diagnostic) -> Diagnostic:
        """The event stage's diagnostic about a made record, under the word that wrote the field."""
        where = diagnostic.position
        found = [m for m in self.made if where is not None and m.line.offset.position.line == where.line
                 and m.line.offset.position.path == where.path]
        if not found or where is None:
            return diagnostic
        made = found[0]
        raw = orjson.dumps(made.record)
        columns = sorted((field_column(raw, field), field) for field in made.record)
        at = [field for column, field in columns if column <= where.col]
        word = made.places.get(at[-1] if at else "event", made.line.offset)
        return attrs.evolve(diagnostic, position=word.position, source_line=made.line.source_line)


# ---- expectations --------------------------------------------------------------------------

def _vocabulary_words(expectation: Expectation) -> list[tuple[str, Word | None]]:
    """Each word of an expectation with the vocabulary it belongs to."""
    return [("role", expectation.role.value), ("role_reason", expectation.role.reason),
            ("result", expectation.result.value), ("result_reason", expectation.result.reason),
            ("record", expectation.record)]


def _unknown_words(expectations: Sequence[Expectation], vocabulary: Vocabulary | None) -> list[Diagnostic]:
    if vocabulary is None:
        return []
    problems = []
    for expectation in expectations:
        for slot, word in _vocabulary_words(expectation):
            known = vocabulary.values.get(slot, frozenset())
            if word is not None and word.text not in known:
                hint = did_you_mean(word.text, known) or (f"the {slot} vocabulary: {', '.join(sorted(known))}"
                                                          if known else f"the rules declare no {slot} vocabulary")
                problems.append(error(UNKNOWN_WORD, f"unknown {slot.replace('_', ' ')} {word.text!r}",
                                      word.position, hint=hint))
    return problems


def _targets(expectations: Sequence[Expectation], model: InteractionModel,
             ) -> tuple[list[tuple[Expectation, Party]], list[Diagnostic]]:
    """Each expectation's party, or why its target names none."""
    found, problems = [], []
    for expectation in expectations:
        party = target_party(expectation.target.text, model)
        if party is None:
            problems.append(_unknown_target(expectation.target, model))
        else:
            found.append((expectation, party))
    return found, problems


def target_party(target: str, model: InteractionModel) -> Party | None:
    """A party by id (`a1` or whole), else a resource's first stay (`Agent1`) or n-th (`Agent1#2`)."""
    name, mark, number = target.partition("#")
    if not mark:
        for party in model.parties:
            if party.id in (target, f"{model.id}.{target}"):
                return party
    if mark and not number.isdigit():
        return None
    stays = [party for party in model.parties if party.resource == name]
    index = int(number) - 1 if mark else 0
    return stays[index] if 0 <= index < len(stays) else None


def _unknown_target(target: Word, model: InteractionModel) -> Diagnostic:
    short = {str(party.id).removeprefix(f"{model.id}."): party for party in model.parties}
    stays = Counter(party.resource for party in model.parties)
    name, mark, number = target.text.partition("#")
    if mark and name in stays:
        message = (f"no stay #{number} of {name!r}: it has {stays[name]}" if number.isdigit()
                   else f"bad stay {target.text!r}: write {name}#N, N counting from 1")
        hint = None
    else:
        message = f"no party or resource {target.text!r} in the case's interaction"
        hint = did_you_mean(name, [*short, *stays]) or f"its parties: {', '.join(short)}"
    return error(UNKNOWN_TARGET, message, target.position, hint=hint)
