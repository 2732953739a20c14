"""`rulesengine test` as a user runs it: progress, failures with explanations, exit codes,
`--update`, `--junit`, `--format github`."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from .conftest import TRANSFER

TOP = Path(__file__).parents[2]

WRONG = "    a1:       RoutedTo/Completed IRF      # wrong on purpose\n"
FIXED = "    a1:       RoutedTo/Transferred IRF      # wrong on purpose\n"


def test_a_wrong_expectation_fails_with_expected_got_and_the_explanation(in_tmp, run_test, snapshot):
    (in_tmp / "site.rulestest").write_text(TRANSFER, encoding="utf-8")
    code, out, err = run_test("site.rulestest")
    assert code == 1
    assert out.startswith("site.rulestest F.\n\nFAILED site.rulestest:2: agent transfers chat\n")
    assert "    expected: RoutedTo/Completed IRF\n    got:      RoutedTo/Transferred IRF\n" in out
    assert err == "rulesengine test: 1 passed, 1 failed\n"
    assert out == snapshot


def test_update_rewrites_exactly_the_failing_expectation(in_tmp, run_test):
    path = in_tmp / "site.rulestest"
    path.write_text(TRANSFER, encoding="utf-8")
    code, _, err = run_test("site.rulestest", "--update")
    assert code == 0
    assert err == ("rulesengine test: updated 1 expectation in site.rulestest\n"
                   "rulesengine test: 1 passed, 1 failed (1 updated)\n")
    assert path.read_text(encoding="utf-8") == TRANSFER.replace(WRONG, FIXED)
    assert run_test("site.rulestest") == (0, "site.rulestest ..\n", "rulesengine test: 2 passed\n")
    assert run_test("site.rulestest", "--update")[0] == 0
    assert path.read_text(encoding="utf-8") == TRANSFER.replace(WRONG, FIXED)


def test_update_keeps_every_other_byte_crlf_and_a_missing_last_newline_too(in_tmp, run_test):
    text = TRANSFER.replace("\n", "\r\n").rstrip("\r\n")
    path = in_tmp / "site.rulestest"
    path.write_bytes(text.encode("utf-8"))
    assert run_test("site.rulestest", "--update")[0] == 0
    assert path.read_bytes() == text.replace(WRONG.rstrip("\n"), FIXED.rstrip("\n")).encode("utf-8")
    assert [p.name for p in in_tmp.iterdir()] == ["site.rulestest"]


def test_a_byte_order_mark_is_read_past_and_kept_by_update(in_tmp, run_test):
    """A test file an editor saved with a byte-order mark: `T001 unexpected '\\ufeffcase'` once."""
    path = in_tmp / "site.rulestest"
    path.write_bytes(("\ufeff" + TRANSFER).encode("utf-8"))
    assert run_test("site.rulestest")[0] == 1  # read: one case fails, as without the mark
    assert run_test("site.rulestest", "--update")[0] == 0
    assert path.read_bytes() == ("\ufeff" + TRANSFER.replace(WRONG, FIXED)).encode("utf-8")


def test_verbose_names_every_case(in_tmp, run_test):
    (in_tmp / "site.rulestest").write_text(TRANSFER, encoding="utf-8")
    _, out, _ = run_test("site.rulestest", "-v")
    assert out.splitlines()[:2] == ["site.rulestest:2: agent transfers chat FAILED",
                                    "site.rulestest:21: invitation revoked PASSED"]


def test_junit_is_xml_ci_systems_read(in_tmp, run_test):
    (in_tmp / "site.rulestest").write_text(TRANSFER, encoding="utf-8")
    (in_tmp / "broken.rulestest").write_text(TRANSFER.replace("a1:", "a9:"), encoding="utf-8")
    (in_tmp / "out").mkdir()
    assert run_test(".", "--junit", "out/results.xml")[0] == 2
    top = ElementTree.parse(in_tmp / "out" / "results.xml").getroot()
    assert top.tag == "testsuites"
    assert (top.get("tests"), top.get("failures"), top.get("errors")) == ("4", "1", "1")
    suites = {suite.get("name"): suite for suite in top}
    assert sorted(suites) == ["broken.rulestest", "site.rulestest"]
    site = suites["site.rulestest"]
    assert [(case.get("name"), case.get("line")) for case in site] == [
        ("agent transfers chat", "2"), ("invitation revoked", "21")]
    (failure,) = site[0]
    assert failure.tag == "failure"
    assert "expected: RoutedTo/Completed IRF" in failure.text and "got:      RoutedTo/Transferred IRF" in failure.text
    assert len(site[1]) == 0
    (problem,) = suites["broken.rulestest"][0]
    assert problem.tag == "error"
    assert problem.get("message") == ("broken.rulestest:18:5: error: T201 no party or resource 'a9' "
                                      "in the case's interaction")


def test_github_annotations_sit_on_the_expectation_line(in_tmp, run_test):
    (in_tmp / "site.rulestest").write_text(TRANSFER, encoding="utf-8")
    code, out, _ = run_test("site.rulestest", "--format", "github")
    assert code == 1
    assert out == ("::error file=site.rulestest,line=18,col=5,title=T301::case 'agent transfers chat': "
                   "a1 expected RoutedTo/Completed IRF, got RoutedTo/Transferred IRF\n")


def test_events_from_a_json_lines_file_beside_the_test(in_tmp, run_test):
    (in_tmp / "events").mkdir()
    (in_tmp / "events" / "c05.jsonl").write_text(
        (TOP / "tests" / "flows" / "c05_conference.jsonl").read_text(encoding="utf-8"), encoding="utf-8")
    (in_tmp / "tests").mkdir()
    (in_tmp / "tests" / "c05.rulestest").write_text(
        'case "conference"\n  events from "../events/c05.jsonl"\n  expect\n'
        '    a2: InConference/Completed\n    c05_conference.a1: RoutedTo/Completed IRF\n', encoding="utf-8")
    assert run_test("tests") == (0, "tests/c05.rulestest .\n", "rulesengine test: 1 passed\n")


def test_tests_beside_the_rules_layers_run_with_no_path(in_tmp, run_test):
    (in_tmp / "site").mkdir()
    (in_tmp / "site" / "site.rules").write_text("param site_probe: duration = 5s\n", encoding="utf-8")
    (in_tmp / "site" / "site.rulestest").write_text(TRANSFER.replace(WRONG, FIXED), encoding="utf-8")
    code, out, _ = run_test("--rules", "site")
    assert code == 0
    assert out.splitlines() == ["rules/chat.rulestest " + "." * 21, "site/site.rulestest .."]
    assert run_test("--rules", "site", "--no-default-rules")[0] == 2  # site.rules alone has no vocabulary


def test_a_layer_given_as_a_file_runs_the_test_file_of_its_name_beside_it(in_tmp, run_test):
    (in_tmp / "site.rules").write_text("param site_probe: duration = 5s\n", encoding="utf-8")
    (in_tmp / "site.rulestest").write_text(TRANSFER.replace(WRONG, FIXED), encoding="utf-8")
    code, out, _ = run_test("--rules", "site.rules")
    assert code == 0
    assert out.splitlines() == ["rules/chat.rulestest " + "." * 21, "site.rulestest .."]


def test_events_from_a_file_that_cannot_be_read_or_holds_two_interactions(in_tmp, run_test):
    flows = TOP / "tests" / "flows"
    (in_tmp / "folder").mkdir()
    (in_tmp / "two.jsonl").write_text("".join(
        (flows / f"{flow}.jsonl").read_text(encoding="utf-8") for flow in ("c01_routed_completed", "c05_conference")),
        encoding="utf-8")
    for source, message in (
            ("folder", "cannot read events: cannot read folder: it is a directory"),
            ("two.jsonl", "a case tests one interaction; its events make 2")):
        (in_tmp / "case.rulestest").write_text(
            f'case "x"\n  events from "{source}"\n  expect\n    q1: DivertedTo/Completed\n', encoding="utf-8")
        code, out, err = run_test("case.rulestest")
        assert code == 2
        assert f"case.rulestest:2:15: error: T105 {message}" in out + err


def test_exit_2_for_what_cannot_be_read_or_loaded(in_tmp, run_test):
    assert run_test("missing.rulestest") == (
        2, "", "rulesengine test: error: no such test file or folder: missing.rulestest\n")
    (in_tmp / "bad.rulestest").write_bytes(b"case \"\xff\"\n")
    code, _, err = run_test("bad.rulestest")
    assert code == 2 and err.startswith("rulesengine test: error: cannot read bad.rulestest:")
    (in_tmp / "syntax.rulestest").write_text('case "x"\n  expect\n', encoding="utf-8")
    code, _, err = run_test("syntax.rulestest")
    assert code == 2 and err.startswith("syntax.rulestest:2:3: error: T001 syntax error: unexpected 'expect'")
    (in_tmp / "ok.rulestest").write_text(TRANSFER, encoding="utf-8")
    (in_tmp / "broken.rules").write_text("rule x", encoding="utf-8")
    code, _, err = run_test("ok.rulestest", "--rules", "broken.rules")
    assert code == 2 and "R001" in err
    assert run_test("ok.rulestest", "--set", "nothing")[0] == 2
    (in_tmp / "empty").mkdir()
    assert run_test("empty")[0] == 2
