"""The coverage fixtures: a small site layer with an `or`, a `|`, a rule always beaten, a rule
never matching and a tie, and three interactions, as scripted events and as rule test cases.

What each rule did, counted by hand (the agents are the only parties the rules are about:
i1.a1 routed and answered, i2.a1 routed and declined, i3.a1 routed and answered, i3.a2
transferred to and answered):

| rule | seen | decided | lost | tied | branches taken |
|---|---|---|---|---|---|
| site.beaten | 4 | 0 | 3 (site.answered wins) | 0 | |
| site.caller | 4 | 0 | 0 | 1 (i3.a2, with site.brought_in) | |
| site.never | 4 | 0 | 0 | 0 | |
| site.answered | 4 | 4 | 0 | 0 | accepted 3, rejected 1 |
| site.brought_in | 4 | 3 | 0 | 1 | route 3, transfer 1, conference 0 |
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from rulesengine.cli import main
from tests.interactions import Script

SITE_RULES = """\
vocabulary role: Answerer, Caller
vocabulary role_reason: Unspecified
vocabulary result: Completed, Other, Dropped
vocabulary result_reason: Unspecified
vocabulary record: IRF

rule site.brought_in  "An agent routed, transferred or conferenced to"
  for agent
  when intent == route or intent == transfer or intent == conference
  set role Answerer

rule site.caller  "A transferred agent: ties with site.brought_in"
  for agent
  when intent == transfer
  set role Caller

rule site.answered  "An agent who answered, or declined"
  for agent
  match invited (accepted | rejected) _*
  set result Completed

rule site.beaten  "An agent who answered: site.answered always wins"
  for agent
  match invited accepted _*
  set result Other
  priority -1

rule site.never  "A pulling agent: none in the fixtures"
  for agent
  when intent == pull
  set result Dropped
  priority 5
"""

#: how the three cases begin: the chat queued, routed and offered to Agent1
_OFFERED = ("+0s created chat", "+0s q1 entered queue Chat_In", "+1s s1 entered strategy ChatRouting by q1",
            "+1s q1 left", "+2s a1 invited agent Agent1 by s1 intent route visibility conference", "+2s s1 left")


def _case(name: str, *events: str) -> str:
    """A case of `SITE_TESTS`: Agent1 offered the chat, then `events`; a1 expected Answerer/Completed
    (i3.a2 ties on its role, and a tie's Unspecified is no word an expectation may use)."""
    lines = [f'case "{name}"', "  events", *(f"    {event}" for event in (*_OFFERED, *events)),
             "  expect", "    a1: Answerer/Completed"]
    return "\n".join(lines) + "\n"


SITE_TESTS = "\n".join([
    _case("routed and answered", "+5s a1 accepted", "+5m a1 left", "+5m ended"),
    _case("routed and declined", "+5s a1 rejected", "+6s ended"),
    _case("transferred", "+5s a1 accepted", "+3m a2 invited agent Agent2 by a1 intent transfer", "+3m4s a2 accepted",
          "+3m4s a1 left", "+7m31s a2 left", "+7m31s ended"),
])

#: per rule: parties of its kinds seen, decided, lost, tied, then each branch taken
HAND_COUNTED = {
    "site.answered": [4, 4, 0, 0, 3, 1],
    "site.beaten": [4, 0, 3, 0],
    "site.brought_in": [4, 3, 0, 1, 3, 1, 0],
    "site.caller": [4, 0, 0, 1],
    "site.never": [4, 0, 0, 0],
}
#: parties of the three interactions: a queue, a strategy and the agents
PARTIES = 10


def scripts() -> list[Script]:
    """The interactions of `SITE_TESTS`, scripted."""
    answered = Script("i1").routed("a1").accept("a1").leave("a1").end()
    declined = Script("i2").routed("a1").reject("a1").end()
    transferred = (Script("i3").routed("a1").accept("a1").invite("a2", "a1", "transfer").accept("a2")
                   .leave("a1").leave("a2").end())
    return [answered, declined, transferred]


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder, the current one, with site.rules, site.rulestest and events.jsonl."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "site.rules").write_text(SITE_RULES, encoding="utf-8")
    (tmp_path / "site.rulestest").write_text(SITE_TESTS, encoding="utf-8")
    lines = [orjson.dumps(event) for script in scripts() for event in script.events]
    (tmp_path / "events.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    return tmp_path


@pytest.fixture
def rulesengine(capsys: pytest.CaptureFixture[str]):
    """Run the command line in-process: (exit code, stdout, stderr)."""
    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err
    return run
