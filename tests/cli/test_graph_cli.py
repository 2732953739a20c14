"""`rulesengine graph`: diagrams of interactions as a user draws them."""

from __future__ import annotations

import json
import re
from pathlib import Path

from rulesengine.cli import main

FLOWS = Path(__file__).parent.parent / "flows"
TRANSFER = str(FLOWS / "c03_transfer.jsonl")
#: the statements a diagram may hold; free text has no raw `;` `:` `#` (only entity codes)
_TEXT = r"(?:[^:;#\n]|#\d+;)+"
MERMAID_STATEMENT = re.compile(rf"sequenceDiagram|    (%% .*|participant \w+ as {_TEXT}|"
                               rf"\w+->>\w+: {_TEXT}|Note over \w+: {_TEXT})")


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
        "C->>P1: chat submitted to",
        "P1->>P2: pulled by",
        "P2->>P3: routes to (route, conference)",
        "P3->>P4: invites (transfer)",
    ]
    assert "Note over P3: left" in out and out.index("Note over P4: accepted") < out.index("Note over P3: left")
    assert out == snapshot


def test_every_line_of_a_mermaid_diagram_is_a_known_statement(capsys):
    """Only statements of the sequence diagram syntax, with no character that ends one early."""
    for path in sorted(FLOWS.glob("*.jsonl")):
        assert main(["graph", str(path)]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert [line for line in lines if not MERMAID_STATEMENT.fullmatch(line)] == []


def test_dot_names_relations_on_edges(capsys):
    assert main(["graph", TRANSFER, "--format", "dot"]) == 0
    out = capsys.readouterr().out
    assert out.startswith('digraph "c03_transfer" {')
    assert '"c03_transfer.a1" -> "c03_transfer.a2" [label="invited (transfer)"];' in out
    assert '[label="Agent1\\nagent c03_transfer.a1", shape=box]' in out


def test_json_is_one_object_per_interaction(capsys):
    assert main(["graph", TRANSFER, str(FLOWS / "c01_routed_completed.jsonl"), "--format", "json"]) == 0
    documents = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [d["interaction"] for d in documents] == ["c03_transfer", "c01_routed_completed"]
    relations = [(r["relation"], r["intent"]) for r in documents[0]["relations"]]
    assert relations == [("pulled", None), ("routed", "route"), ("invited", "transfer")]


def test_one_interaction_of_many(capsys):
    assert main(["graph", "--sample", "--interaction", "c05_conference"]) == 0
    out = capsys.readouterr().out
    assert out.count("sequenceDiagram") == 1 and "invites (conference" in out


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
    assert "Note over P3: revoked (time#59;out later)" in out
    assert [line for line in out.splitlines() if not MERMAID_STATEMENT.fullmatch(line)] == []
