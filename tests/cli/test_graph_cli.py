"""`rulesengine graph`: diagrams of interactions as a user draws them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from rulesengine.cli import main

FLOWS = Path(__file__).parent.parent / "flows"
TRANSFER = str(FLOWS / "c03_transfer.jsonl")
#: the statements a diagram may hold; free text has no raw `;` `:` `#` (only entity codes)
_TEXT = r"(?:[^:;#\n]|#\d+;)+"
MERMAID_STATEMENT = re.compile(rf"sequenceDiagram|    (%% .*|participant \w+ as {_TEXT}|"
                               rf"\w+->>\w+: {_TEXT}|Note over \w+: {_TEXT}|rect rgb\(\d+, \d+, \d+\)|"
                               rf"    Note over \w+: {_TEXT}|end)")


def test_transfer_flow_as_a_mermaid_sequence_diagram(capsys, snapshot):
    assert main(["graph", TRANSFER, "--format", "mermaid"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "sequenceDiagram"
    assert [line.strip() for line in lines if "participant" in line] == [
        "participant C as Customer",
        "participant P1 as Chat_In (queue)",
        "participant P2 as ChatRouting (strategy)",
        "participant P3 as Agent1 (agent)",
        "participant P4 as Agent2 (agent)",
    ]
    arrows = [line.strip() for line in lines if "->>" in line]
    assert arrows == [
        "C->>P1: +0s submits the chat to",
        "P1->>P2: +1s pulled by",
        "P2->>P3: +2s routes to",
        "P3->>P4: +3m00s transfers to",
    ]
    assert out.index("Note over P4: +3m04s accepts") < out.index("Note over P3: +3m04s leaves")
    # each party's answer right after the step that ended it, on a background of its own
    left = lines.index("    Note over P3: +3m04s leaves")
    assert lines[left + 1:left + 4] == [
        "    rect rgb(214, 240, 214)", "        Note over P3: RoutedTo/Transferred (IRF)", "    end"]
    assert lines[-5:] == [
        "    Note over P4: +7m31s leaves",
        "    rect rgb(214, 240, 214)", "        Note over P4: ReceivedTransfer/Completed (IRF)", "    end",
        "    Note over C: +7m31s interaction ends"]
    assert out == snapshot


@pytest.mark.parametrize("flow", ["c02_invitation_revoked", "c07_consultation", "c08b_consult_through_queue",
                                  "x06_transfer_through_queue", "x08_customer_left_on_hold"])
def test_flow_diagrams(flow, capsys, snapshot):
    """Withdrawn invitations, coach mode, requests through a queue, a strategy met twice, a hold."""
    assert main(["graph", str(FLOWS / f"{flow}.jsonl")]) == 0
    assert capsys.readouterr().out == snapshot


def test_every_line_of_a_mermaid_diagram_is_a_known_statement(capsys):
    """Only statements of the sequence diagram syntax, with no character that ends one early."""
    for path in sorted(FLOWS.glob("*.jsonl")):
        assert main(["graph", str(path)]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert [line for line in lines if not MERMAID_STATEMENT.fullmatch(line)] == []


def test_dot_names_relations_on_edges_and_outcomes_on_nodes(capsys):
    assert main(["graph", TRANSFER, "--format", "dot"]) == 0
    out = capsys.readouterr().out
    assert out.startswith('digraph "c03_transfer" {')
    assert '"c03_transfer.a1" -> "c03_transfer.a2" [label="+3m00s transfers to"];' in out
    assert '[label="Agent1\\nagent c03_transfer.a1\\nRoutedTo/Transferred (IRF)", shape=box]' in out
    assert main(["graph", TRANSFER, "--format", "dot", "--no-rules"]) == 0
    assert '[label="Agent1\\nagent c03_transfer.a1", shape=box]' in capsys.readouterr().out


def test_json_is_one_object_per_interaction(capsys):
    assert main(["graph", TRANSFER, str(FLOWS / "c01_routed_completed.jsonl"), "--format", "json"]) == 0
    documents = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [d["interaction"] for d in documents] == ["c03_transfer", "c01_routed_completed"]
    relations = [(r["relation"], r["intent"]) for r in documents[0]["relations"]]
    assert relations == [("pulled", None), ("routed", "route"), ("invited", "transfer")]
    assert documents[0]["parties"][2]["decision"] == {
        "resource_role": "RoutedTo", "role_reason": "Unspecified", "technical_result": "Transferred",
        "result_reason": "Unspecified", "record": "IRF",
        "rule": "agent.routed_to + agent.transferred + record.handling",
        "rule_at": "rules/chat.rules:13 + rules/chat.rules:46 + rules/chat.rules:155"}


def test_json_without_rules_has_no_decisions(capsys):
    assert main(["graph", TRANSFER, "--format", "json", "--no-rules"]) == 0
    (document,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [party["decision"] for party in document["parties"]] == [None] * 4


def test_one_interaction_of_many(capsys):
    assert main(["graph", "--sample", "--interaction", "c05_conference"]) == 0
    out = capsys.readouterr().out
    assert out.count("sequenceDiagram") == 1 and "invites to a conference" in out


def test_unknown_interaction_suggests_a_close_one(capsys):
    assert main(["graph", TRANSFER, "--interaction", "c03_transfr"]) == 1
    assert capsys.readouterr().err == (
        "rulesengine: error: no interaction 'c03_transfr' in the input; did you mean 'c03_transfer'?\n")


def test_free_text_cannot_break_a_mermaid_statement(capsys, tmp_path):
    events = [json.loads(line) for line in (FLOWS / "c02_invitation_revoked.jsonl").read_text().splitlines()
              if line.startswith("{")]
    for event in events:
        if event.get("resource") == "Agent1":
            event["resource"] = "Sales;EU: #1"
        if event["event"] == "party.revoked":
            event["reason"] = "time;out\nlater"
    path = tmp_path / "odd.jsonl"
    path.write_text("".join(json.dumps(event) + "\n" for event in events))
    assert main(["graph", str(path)]) == 0
    out = capsys.readouterr().out
    assert "participant P3 as Sales#59;EU#58; #35;1 (agent)" in out
    assert "Note over P3: +32s invitation withdrawn (time#59;out later)" in out
    assert [line for line in out.splitlines() if not MERMAID_STATEMENT.fullmatch(line)] == []


def test_no_rules_draws_the_events_only(capsys):
    assert main(["graph", TRANSFER, "--no-rules"]) == 0
    out = capsys.readouterr().out
    assert "rect" not in out and "(IRF)" not in out and "(MSF)" not in out
    assert "    P3->>P4: +3m00s transfers to\n" in out


def test_no_rules_takes_no_rule_options(capsys):
    assert main(["graph", TRANSFER, "--no-rules", "--set", "short_engagement=5s"]) == 2
    assert capsys.readouterr().err == (
        "rulesengine graph: error: --no-rules draws no descriptors, so it takes no --rules, --set "
        "or --no-default-rules\n")


def test_descriptors_come_from_the_rule_layers_given(capsys, tmp_path):
    layer = tmp_path / "site.rules"
    layer.write_text(
        "extend vocabulary result_reason: Handled\n"
        "rule site.handled  \"Every agent who accepted\"\n"
        "  for agent\n"
        "  match invited accepted _*\n"
        "  set result Completed reason Handled\n"
        "  priority 50\n")
    assert main(["graph", TRANSFER, "--rules", str(layer)]) == 0
    out = capsys.readouterr().out
    assert "        Note over P3: RoutedTo/Completed [Handled] (IRF)\n" in out
    assert "        Note over P4: ReceivedTransfer/Completed [Handled] (IRF)\n" in out


def test_rules_that_do_not_load_stop_the_drawing(capsys, tmp_path):
    layer = tmp_path / "broken.rules"
    layer.write_text("rule site.broken\n  for agent\n  set role Nobody\n")
    assert main(["graph", TRANSFER, "--rules", str(layer)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and f"{layer}:" in captured.err


def test_the_cli_page_shows_the_diagram_graph_draws(capsys):
    page = (Path(__file__).parents[2] / "docs" / "cli.md").read_text(encoding="utf-8")
    (shown,) = re.findall(r"^```mermaid\n(.*?)^```$", page, flags=re.DOTALL | re.MULTILINE)
    assert main(["graph", TRANSFER]) == 0
    assert capsys.readouterr().out == shown


def test_rules_that_tie_are_reported_and_the_part_left_unspecified(capsys, tmp_path):
    layer = tmp_path / "tie.rules"
    layer.write_text("".join(
        f'rule site.{name}  "Every agent who accepted"\n  for agent\n  match invited accepted _*\n'
        f"  set result {result}\n  priority 50\n\n"
        for name, result in (("done", "Completed"), ("moved", "Transferred"))))
    assert main(["graph", str(FLOWS / "c01_routed_completed.jsonl"), "--rules", str(layer)]) == 1
    captured = capsys.readouterr()
    assert "        Note over P3: RoutedTo/Unspecified (IRF)\n" in captured.out
    assert ("rulesengine: error: R310 rules 'site.done' and 'site.moved' both match party "
            "'c01_routed_completed.a1'") in captured.err
