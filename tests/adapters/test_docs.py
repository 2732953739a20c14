"""docs/adapters.md run as a test: its commands print what the page shows, its Python runs.

The page's readers start from a folder holding the published samples in `genesys/` and
`twilio/`, and the page's one JSON block as `names.json`.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from rulesengine.adapters import outcome
from rulesengine.cli import main

from .test_samples import GENESYS, TWILIO

PAGE = Path(__file__).parents[2] / "docs" / "adapters.md"
_BLOCK = re.compile(r"^```(\w+)\n(.*?)^```$", flags=re.DOTALL | re.MULTILINE)
_DURATION = re.compile(r" in \d+\.\d\ds")
PROMPT = "$ "


def blocks(language: str) -> list[str]:
    return [body for tag, body in _BLOCK.findall(PAGE.read_text(encoding="utf-8")) if tag == language]


def commands() -> list[tuple[list[str], str]]:
    """Each `$ rulesengine ...` line of the page's console blocks, with what follows it."""
    found = []
    for body in blocks("console"):
        parts = re.split(rf"^{re.escape(PROMPT)}", body, flags=re.MULTILINE)
        assert parts[0] == "", "a console block starts with a command"
        for part in parts[1:]:
            line, _, shown = part.partition("\n")
            program, *argv = shlex.split(line)
            assert program == "rulesengine"
            found.append((argv, shown))
    return found


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "genesys").mkdir()
    (tmp_path / "twilio").mkdir()
    for sample in GENESYS.glob("*.json"):
        shutil.copy(sample, tmp_path / "genesys")
    for sample in TWILIO.glob("twilio_lifecycle_*.json"):
        shutil.copy(sample, tmp_path / "twilio")
    [names] = blocks("json")
    (tmp_path / "names.json").write_text(names, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_every_command_prints_what_the_page_shows(workspace, capsys):
    codes = []
    for argv, shown in commands():
        codes.append(main(argv))
        out, err = capsys.readouterr()
        assert _DURATION.sub("", out + err) == _DURATION.sub("", shown), shlex.join(argv)
    assert codes == [0, 0, 0, 1]
    assert (workspace / "rejects.jsonl").read_text().count("\n") == 1


def test_the_python_examples_run(workspace):
    examples = blocks("python")
    assert len(examples) == 2
    for example in examples:
        exec(compile(example, str(PAGE), "exec"), {"__name__": "adapters_page"})


def test_the_page_documents_every_adapter_code_and_no_other():
    codes = {value for name, value in vars(outcome).items() if name.isupper() and re.fullmatch(r"A\d{3}", str(value))}
    documented = set(re.findall(r"^\| (A\d{3}) \|", PAGE.read_text(encoding="utf-8"), flags=re.MULTILINE))
    assert documented == codes
