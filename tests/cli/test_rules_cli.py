"""`rulesengine rules list|show|export`: the rules in effect, reachable without opening the package."""

from __future__ import annotations

import json
from pathlib import Path

from rulesengine.cli import main
from rulesengine.decide.ruleset import load_rules

FLOWS = Path(__file__).parents[1] / "flows"
SITE = """\
param short_engagement: duration = 20s  "An engagement this short is worth a look"
rule site.quick  "Agents who barely handled the chat"  for agent  when engage < short_engagement
  set result Completed  priority 30
"""


def test_list_names_every_rule_fact_parameter_and_vocabulary_with_where(capsys, snapshot):
    assert main(["rules", "list"]) == 0
    out = capsys.readouterr().out
    loaded = load_rules()
    listed = [line.split()[0] for line in out.splitlines() if line.startswith("  ")]
    assert listed == sorted(r.id.text for r in loaded.rules) + sorted(loaded.facts) + sorted(loaded.vocabulary.values)
    assert "  agent.transferred            sets result  priority 10  rules/chat.rules:46" in out
    assert out == snapshot


def test_list_as_json_says_where_a_layer_set_a_parameter(capsys, tmp_path):
    site, tuned = tmp_path / "site.rules", tmp_path / "tuned.rules"
    site.write_text(SITE)
    tuned.write_text('set param short_engagement = 45s  "our agents answer fast"\n')
    assert main(["rules", "list", "--rules", str(site), "--rules", str(tuned), "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["parameters"] == [{"name": "short_engagement", "type": "duration", "value": "45s",
                                     "source": f"set at {tuned}:1",
                                     "doc": "An engagement this short is worth a look"}]
    assert main(["rules", "list", "--rules", str(site), "--set", "short_engagement=1m"]) == 0
    assert "  short_engagement  duration = 60s  --set  An engagement this short is worth a look" in (
        capsys.readouterr().out)
    assert {"id": "site.quick", "sets": ["result"], "priority": 30, "at": f"{site}:2",
            "description": "Agents who barely handled the chat"} in listed["rules"]
    assert listed["vocabulary"]["record"] == ["IRF", "MSF"]


def test_show_prints_a_rows_rules_as_written_from_its_rule_at(capsys):
    assert main(["run", str(FLOWS / "c03_transfer.jsonl")]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    [initiator] = [row for row in rows if row["party"].endswith(".a1")]
    assert main(["rules", "show", initiator["rule_at"]]) == 0
    by_place = capsys.readouterr().out
    assert main(["rules", "show", initiator["rule"]]) == 0
    by_id = capsys.readouterr().out
    assert by_place == by_id
    sections = by_place.split("\n\n")
    assert [section.splitlines()[0] for section in sections] == [
        f"# {place}" for place in initiator["rule_at"].split(" + ")]
    chat = (Path(__file__).parents[2] / "rulesengine" / "rules" / "chat.rules").read_text().splitlines()
    assert sections[1].splitlines()[1:] == chat[45:51]
    assert sections[1].splitlines()[1].startswith("rule agent.transferred ")


def test_show_a_fact_and_a_vocabulary(capsys):
    assert main(["rules", "show", "transfer_completed", "request"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# rules/facts.rules:48\nfact transfer_completed: bool")
    assert out.endswith("# vocabulary request\nconference, consult, inbound, pull, route, transfer\n")


def test_show_an_unknown_name_says_so_with_the_closest(capsys):
    assert main(["rules", "show", "agent.transfered", "origin"]) == 1
    out, err = capsys.readouterr()
    assert out.startswith("# rules/facts.rules:25\nfact origin: request")
    assert err == ("rulesengine rules show: error: no rule, fact, parameter or vocabulary 'agent.transfered' "
                   "in the rules in effect; did you mean 'agent.transferred'?\n")


def test_rules_that_do_not_load_are_reported_not_listed(capsys, tmp_path):
    site = tmp_path / "bad.rules"
    site.write_text('rule a.b "d" for agent when orign == route set role RoutedTo\n')
    assert main(["rules", "list", "--rules", str(site)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and f"{site}:1:29: error: R101 unknown name 'orign'" in err


def test_exported_defaults_give_the_same_rows_in_place_of_the_defaults(capsys, tmp_path):
    folder = tmp_path / "mine"
    assert main(["rules", "export", str(folder)]) == 0
    assert "use them in place of the defaults with --no-default-rules --rules" in capsys.readouterr().err
    assert sorted(p.name for p in folder.iterdir()) == ["chat.rules", "facts.rules", "vocabulary.rules"]
    flows = [str(path) for path in sorted(FLOWS.glob("*.jsonl"))]
    assert main(["run", *flows]) == 0
    default_rows = capsys.readouterr().out
    assert main(["run", *flows, "--no-default-rules", "--rules", str(folder)]) == 0
    own_rows = capsys.readouterr().out
    assert own_rows == default_rows.replace('"rules/', f'"{folder}/').replace(" + rules/", f" + {folder}/")


def test_export_leaves_existing_files_alone_unless_forced(capsys, tmp_path):
    (tmp_path / "chat.rules").write_text("# mine\n")
    assert main(["rules", "export", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (f"rulesengine rules export: error: {tmp_path / 'chat.rules'} already exists; "
                                       "--force replaces them\n")
    assert (tmp_path / "chat.rules").read_text() == "# mine\n"
    assert not (tmp_path / "facts.rules").exists()
    assert main(["rules", "export", str(tmp_path), "--force"]) == 0
    assert (tmp_path / "chat.rules").read_text().startswith("#") and (tmp_path / "facts.rules").exists()
