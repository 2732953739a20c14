"""The published samples end to end: `convert` pinned as the JSON lines it writes, and
`run --from` giving the descriptors the mapping notes list for each sample.

The samples are copied under `samples/` with their licences: two Genesys Cloud conversation
records of the conversation-model-to-sql blueprint (MIT), and Twilio TaskRouter lifecycles
assembled from the payloads of twilio-taskrouter.js's test mocks (BSD-3-Clause).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rulesengine.cli import main
from tests.flows.test_flow_outcomes import JsonLinesSnapshot

SAMPLES = Path(__file__).parent / "samples"
GENESYS = SAMPLES / "genesys"
TWILIO = SAMPLES / "twilio"

#: the descriptors the mapping notes give for each sample (party id without its interaction)
DOCUMENTED = {
    (GENESYS / "gc_blueprint_conversation1.json", "genesys-cloud"): {
        "q1": "Received/Diverted [AnsweredByAgent]",
        "a1": "RoutedTo/CustomerAbandoned [AbandonedFromHold]",
    },
    (GENESYS / "gc_blueprint_conversation2.json", "genesys-cloud"): {
        "q1": "Received/Diverted [AnsweredByAgent]",
        "a1": "RoutedTo/Completed",
    },
    (TWILIO / "twilio_lifecycle_T1_transfer.input.json", "twilio-taskrouter"): {
        "q1": "Received/Diverted",
        "s1": "Puller/Routed",
        "WRxx0": "RoutedTo/Redirected [Rejected]",
        "q2": "Received/Diverted [AnsweredByAgent]",
        "s2": "Puller/Routed",
        "WRxx1": "RoutedTo/Transferred",
        "q3": "Received/Diverted [AnsweredByAgent]",
        "s3": "Puller/Routed",
        "WRxx2": "ReceivedTransfer/Completed",
    },
    (TWILIO / "twilio_lifecycle_T2_abandoned_in_queue.input.json", "twilio-taskrouter"): {
        "q1": "Received/CustomerAbandoned [AbandonedWhileQueued]",
    },
}
CASES = sorted(DOCUMENTED, key=lambda case: case[0].name)


def descriptor(row: dict) -> str:
    reason = row["result_reason"]
    return f"{row['resource_role']}/{row['technical_result']}" + ("" if reason == "Unspecified" else f" [{reason}]")


@pytest.mark.parametrize(("sample", "platform"), CASES, ids=[case[0].stem for case in CASES])
def test_every_sample_gives_its_documented_descriptors_with_nothing_rejected(sample, platform, capsys, tmp_path):
    rejects = tmp_path / "rejects.jsonl"
    assert main(["run", "--from", platform, str(sample), "--rejects", str(rejects)]) == 0
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    assert {row["party"].split(".", 1)[1]: descriptor(row) for row in rows} == DOCUMENTED[(sample, platform)]
    assert rejects.read_text() == ""
    assert ", 0 rejected" in err.splitlines()[0]


@pytest.mark.parametrize(("sample", "platform"), CASES, ids=[case[0].stem for case in CASES])
def test_convert_writes_the_events_run_reads(sample, platform, capsys, snapshot, tmp_path):
    assert main(["convert", "--from", platform, str(sample)]) == 0
    events = capsys.readouterr().out
    assert events == snapshot(extension_class=JsonLinesSnapshot)
    converted = tmp_path / "events.jsonl"
    converted.write_text(events)
    assert main(["run", str(converted)]) == 0
    from_file = capsys.readouterr().out
    assert main(["run", "--from", platform, str(sample)]) == 0
    assert capsys.readouterr().out == from_file


def test_without_repair_the_malformed_sample_is_rejected_naming_record_and_field(capsys, tmp_path):
    rejects = tmp_path / "rejects.jsonl"
    sample = GENESYS / "gc_blueprint_conversation2.json"
    assert main(["convert", "--from", "genesys-cloud", "--no-repair", str(sample),
                 "--rejects", str(rejects)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    [rejected] = [json.loads(line) for line in rejects.read_text().splitlines()]
    [reason] = rejected["reasons"]
    assert rejected["interaction"] == "6acbee65-80be-4777-be03-8dacd07ee3f9"
    assert (reason["path"], reason["line"], reason["code"]) == (str(sample), 1, "A103")
    assert reason["message"] == ("conversation 6acbee65-80be-4777-be03-8dacd07ee3f9: participants[0].sessions[0]"
                                 ".segments[0].segmentStart: not an RFC 3339 time: '2021-04-2T15:30:51.418Z'")
    assert "Traceback" not in err
    assert err.splitlines()[0] == f"{sample}:1:1: error: A103 {reason['message']}"
