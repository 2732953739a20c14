"""`rulesengine generate`: stdout by default, `--output FILE`, usage errors without tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from rulesengine.cli import main
from rulesengine.events.generate import generate_lines


def _expected(count: int, seed: int) -> str:
    return "".join(f"{line}\n" for line in generate_lines(count, seed))


def test_writes_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "--count", "5", "--seed", "2"]) == 0
    out, err = capsys.readouterr()
    assert out == _expected(5, 2)
    assert out.count("interaction.created") == 5
    assert err == ""


def test_writes_to_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "events.jsonl"
    assert main(["generate", "--count", "7", "--seed", "3", "--output", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == _expected(7, 3)
    assert capsys.readouterr() == ("", "")


def test_negative_count_is_a_usage_error(capsys: pytest.CaptureFixture[str], snapshot) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["generate", "--count", "-3"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "argument --count: the number of interactions must be at least 0, got -3" in err
    assert err == snapshot


def test_unwritable_output_is_reported_not_raised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], snapshot
) -> None:
    target = tmp_path / "missing" / "events.jsonl"
    assert main(["generate", "--count", "1", "--output", str(target)]) == 2
    out, err = capsys.readouterr()
    err = err.replace(str(tmp_path), "<tmp>")
    assert out == ""
    assert err == "rulesengine generate: error: cannot write <tmp>/missing/events.jsonl: No such file or directory\n"
    assert err == snapshot


def test_short_output_option_as_in_the_readme(tmp_path, capsys):
    target = tmp_path / "big.jsonl"
    assert main(["generate", "--count", "3", "--seed", "7", "-o", str(target)]) == 0
    assert main(["generate", "--count", "3", "--seed", "7"]) == 0
    assert target.read_text() == capsys.readouterr().out


def test_a_generation_that_fails_half_way_leaves_the_file_as_it_was(tmp_path: Path, monkeypatch) -> None:
    """The file takes its new content only once complete: an error (or Ctrl-C) part way leaves
    what was there, and no temporary file."""
    from rulesengine.cli import generate

    target = tmp_path / "events.jsonl"
    target.write_text("before\n", encoding="utf-8")

    def broken(count, seed, profile):
        yield from generate_lines(2, seed)
        raise KeyboardInterrupt

    monkeypatch.setattr(generate, "generate_lines", broken)
    assert main(["generate", "--count", "5", "--output", str(target)]) == 130
    assert target.read_text(encoding="utf-8") == "before\n"
    assert [path.name for path in tmp_path.iterdir()] == ["events.jsonl"]
