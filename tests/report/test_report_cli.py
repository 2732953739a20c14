"""`rulesengine report` as a user runs it: one page that needs nothing else, what it shows, exit codes."""

from __future__ import annotations

import hashlib
import html
import json
import re
from importlib import resources
from pathlib import Path

import pytest

from rulesengine.cli import main
from rulesengine.report.figures import LISTED
from rulesengine.report.page import MERMAID, POLICY, anchor, inline_script
from tests.events.builders import mistyped_intent, record, routed, write

FLOWS = Path(__file__).parents[1] / "flows"
SAMPLE_INTERACTIONS = 321


def _report(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["report", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _pages(page: str) -> dict[str, dict[str, str]]:
    """Each interaction's page: its diagram source and its explanation, unescaped."""
    found = {}
    for match in re.finditer(r'<article class="detail" id="([^"]+)" data-interaction="([^"]+)">(.*?)</article>',
                             page, flags=re.DOTALL):
        key, interaction, body = match.groups()
        assert key == anchor(html.unescape(interaction))
        diagram = re.search(r'<pre class="diagram-source">(.*?)</pre>', body, flags=re.DOTALL).group(1)
        explanation = re.search(r'<pre class="explanation">(.*?)</pre>', body, flags=re.DOTALL).group(1)
        found[html.unescape(interaction)] = {"diagram": html.unescape(diagram),
                                             "explanation": html.unescape(explanation)}
    return found


@pytest.fixture(scope="module")
def sample_page(sample_report) -> str:
    return sample_report.read_text(encoding="utf-8")


def test_the_page_needs_nothing_but_itself(sample_page):
    assert sample_page.startswith("<!doctype html>\n")
    assert f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">' in sample_page
    assert "default-src 'none'" in POLICY and "connect-src" not in POLICY
    markup = re.sub(r"<script>.*?</script>", "<script></script>", sample_page, flags=re.DOTALL)
    assert re.findall(r"<(script|link|img|iframe|object|embed|base|form)\b", markup) == ["script", "script"]
    assert not re.search(r"\b(src|href|action)=\"(?!#)", markup), "only links inside the page"
    assert sample_page.count("</script>") == 2 and sample_page.endswith("</script>\n</body>\n</html>\n")
    assert "Mermaid 11.17.2 (MIT licence" in sample_page


def test_every_interaction_of_the_sample_has_its_diagram_and_explanation(sample_page, capsys):
    pages = _pages(sample_page)
    assert len(pages) == SAMPLE_INTERACTIONS
    for interaction in ("c03_transfer", "x06_transfer_through_queue", "g2026-260"):
        assert main(["graph", "--sample", "--interaction", interaction]) == 0
        assert pages[interaction]["diagram"] == capsys.readouterr().out
        assert main(["explain", "--sample", "--interaction", interaction]) == 0
        explained = capsys.readouterr().out
        assert explained.startswith(pages[interaction]["explanation"] + "\n\n")
        parameters = explained.removeprefix(pages[interaction]["explanation"] + "\n\n")
        assert f'<section id="parameters">\n<h2>Parameters</h2>\n<pre>{html.escape(parameters.rstrip())}' \
               in sample_page
    assert f'<a href="#{anchor("c03_transfer")}">c03_transfer</a>' in sample_page


def test_the_same_input_gives_the_same_bytes(capsys, tmp_path, sample_report):
    again = tmp_path / "again.html"
    assert _report(capsys, "--sample", "--details", "500", "-o", str(again))[0] == 0
    assert again.read_bytes() == sample_report.read_bytes()


def test_pages_for_the_first_interactions_and_those_the_lists_name(capsys):
    code, page, err = _report(capsys, "--sample", "--details", "3")
    assert code == 0
    pages = list(_pages(page))
    assert pages[:3] == ["c01_routed_completed", "c02_invitation_revoked", "c03_transfer"]
    slowest = re.search(r"<h3>Slowest to answer.*?</table>", page, flags=re.DOTALL).group(0)
    links = re.findall(r'<td><a href="#[^"]+">([^<]+)</a>', slowest)
    named = list(dict.fromkeys(html.unescape(name) for name in links))
    assert named and set(pages[3:]) == set(named) - set(pages[:3])
    assert "The first 3 interactions of the input have a page, and every one the lists above name" in page
    assert err.endswith(f"{len(pages)} with a page\n")
    code, page, _ = _report(capsys, "--sample", "--details", "0")
    assert set(_pages(page)) == set(named)


def test_a_small_input_as_a_page(capsys, snapshot, monkeypatch):
    """Everything but the inline style and scripts, which the tests above check."""
    monkeypatch.chdir(FLOWS)
    code, page, err = _report(capsys, "c03_transfer.jsonl", "c09_abandoned_in_queue.jsonl")
    assert code == 0
    body = page[page.index("<body>"):page.index("<script>")]
    assert body == snapshot
    assert err == ("rulesengine report: 2 interactions read, 2 evaluated, 0 rejected, 0 held open; "
                   "5 parties, 2 with a page\n")


def test_rejected_interactions_are_shown_with_their_reasons(capsys, tmp_path):
    events = write(tmp_path / "mixed.jsonl", [*routed("good"), *mistyped_intent("bad")])
    target = tmp_path / "report.html"
    code, out, err = _report(capsys, str(events), "-o", str(target))
    assert code == 1 and out == ""
    assert f"{events}:14:" in err and err.endswith("1 rejected, 0 held open; 3 parties, 1 with a page\n")
    page = target.read_text()
    assert "1 interaction rejected, 0 late events, 1 unreadable line, 0 held open" in page
    assert (f"<tr><td>bad</td><td>rejected</td><td><pre>{html.escape(str(events))}:14:152: error: E104 "
            "unknown intent &#x27;rout&#x27;</pre></td></tr>") in page
    assert list(_pages(page)) == ["good"]


def test_rules_that_tie_at_run_time_are_listed_as_problems_while_deciding(capsys, tmp_path):
    """Two rules setting every agent's role alike strongly tie on each agent (R310): the page
    counts every problem, lists the first `LISTED` with links to their interactions, and says so."""
    layer = tmp_path / "tie.rules"
    layer.write_text("\n\n".join(f'rule tie.{name}  "Every agent, at the same priority as tie.{other}"\n'
                                  f"  for agent\n  set role {role}\n  priority 90"
                                  for name, other, role in (("first", "second", "RoutedTo"),
                                                            ("second", "first", "ReceivedConsult"))) + "\n")
    target = tmp_path / "report.html"
    code, _, err = _report(capsys, "--sample", "--rules", str(layer), "--details", "0", "-o", str(target))
    assert code == 1 and "error: R310 rules 'tie.first' and 'tie.second' both match party" in err
    page = target.read_text()
    assert main(["run", "--sample", "--rules", str(layer)]) == 1
    rows = [json.loads(row) for row in capsys.readouterr().out.splitlines()]
    tied = [row for row in rows if row["kind"] == "agent"]
    assert all(row["resource_role"] == "Unspecified" for row in tied)
    section = re.search(r"<h3>Problems while deciding: (\d+)</h3>(.*?)</table>", page, flags=re.DOTALL)
    assert int(section.group(1)) == len(tied) > LISTED
    listed = re.findall(r'<tr><td><a href="#([^"]+)">([^<]+)</a></td><td><pre>error: R310 ', section.group(2))
    assert len(listed) == LISTED
    assert [html.unescape(name) for _, name in listed] == [row["interaction"] for row in tied][:LISTED]
    assert all(key == anchor(html.unescape(name)) for key, name in listed)
    assert f"The first {LISTED} of {len(tied)} problems are listed" in page
    assert set(_pages(page)) >= {html.unescape(name) for _, name in listed}


def test_an_input_without_invitations_says_so_where_answers_are_timed(capsys, tmp_path):
    events = write(tmp_path / "queued.jsonl", [
        record("q", 1, "interaction.created", 0, media="chat"),
        record("q", 2, "party.entered", 1, party="q.q1", kind="queue", resource="Chat_In"),
        record("q", 3, "customer.left", 9), record("q", 4, "party.left", 9, party="q.q1"),
        record("q", 5, "interaction.ended", 9)])
    target = tmp_path / "report.html"
    code, _, _ = _report(capsys, str(events), "-o", str(target))
    assert code == 0
    answer = re.search(r'<section id="answer">(.*?)</section>', target.read_text(), flags=re.DOTALL).group(1)
    assert '<p class="note">No invitation in this input.</p>' in answer and "<table>" not in answer


def test_unreadable_input_or_rules_leave_no_page(capsys, tmp_path):
    target = tmp_path / "report.html"
    code, _, err = _report(capsys, str(tmp_path / "missing.jsonl"), "-o", str(target))
    assert code == 2 and err.startswith("rulesengine report: error:") and "missing.jsonl" in err
    broken = tmp_path / "broken.rules"
    broken.write_text("rule site.broken\n  for agent\n  set role Nobody\n")
    code, _, err = _report(capsys, "--rules", str(broken), "-o", str(target))
    assert code == 2 and f"{broken}:" in err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["broken.rules"]


def test_details_must_be_a_whole_number(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["report", "--details", "-1"])
    assert stopped.value.code == 2
    assert "the number of interactions must be at least 0, got -1" in capsys.readouterr().err


def test_the_vendored_mermaid_is_the_version_the_page_names():
    assets = resources.files("rulesengine.report.assets")
    script = assets.joinpath("mermaid.min.js").read_text(encoding="utf-8")
    version = re.search(r"Mermaid (\d+\.\d+\.\d+) \(MIT licence", MERMAID).group(1)
    assert f'version:"{version}"' in script
    assert hashlib.sha256(script.encode()).hexdigest() in assets.joinpath("README.md").read_text()
    assert "MIT License" in assets.joinpath("mermaid-LICENSE").read_text()
    assert f"Mermaid {version}" in assets.joinpath("THIRD-PARTY-LICENSES.txt").read_text()
    assert not re.search(r"</?script", script, flags=re.IGNORECASE)  # it would end the page's script early


def test_a_script_that_would_end_early_is_refused():
    with pytest.raises(ValueError, match="script"):
        inline_script('document.write("</script>")')
