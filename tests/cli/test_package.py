"""The package as installed: data files ship inside it, both entry points work."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from importlib import resources
from pathlib import Path

import rulesengine
from rulesengine.decide.ruleset import default_layer

TOP = Path(__file__).parent.parent.parent


def test_grammar_rules_and_sample_are_loaded_from_the_installed_package():
    """The copies the engine reads are the package's own resources, wherever it is installed."""
    grammar = resources.files("rulesengine.language.grammar")
    rules = resources.files("rulesengine.rules")
    assert grammar.joinpath("rules.lark").is_file()
    assert sorted(p.name for p in rules.iterdir() if p.name.endswith(".rules")) == [
        "chat.rules", "facts.rules", "vocabulary.rules"]
    assert resources.files("rulesengine.sample").joinpath("sample.jsonl").is_file()
    assert [text for _, text in default_layer()] == [
        rules.joinpath(name).read_text(encoding="utf-8")
        for name in ("chat.rules", "facts.rules", "vocabulary.rules")]


def _building_leaves() -> tuple[set[str], dict[str, int]]:
    """What a build could leave in the work tree: new top-level entries (`build/`, `dist/`)
    and a rewritten `*.egg-info`, its files with their modification times. Other top-level
    folders may change meanwhile (a measured run writes its data under `.coverage-data/`)."""
    rewritten = {str(path.relative_to(TOP)): path.stat().st_mtime_ns
                 for info in TOP.glob("*.egg-info") for path in info.iterdir()}
    return {path.name for path in TOP.iterdir()}, rewritten


def _copy_of_the_sources(folder: Path) -> Path:
    """The files a wheel is built from, copied: the build writes `build/` and `*.egg-info`
    beside its sources, and those must not land in the work tree."""
    copy = folder / "source"
    copy.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(TOP / name, copy / name)
    shutil.copytree(TOP / "rulesengine", copy / "rulesengine", ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_the_wheel_carries_grammar_rules_and_sample(tmp_path):
    before = _building_leaves()
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                    "-q", "-w", str(tmp_path), str(_copy_of_the_sources(tmp_path))], check=True, capture_output=True)
    assert _building_leaves() == before, "building the wheel changed the work tree"
    (wheel,) = tmp_path.glob("rulesengine-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"rulesengine/language/grammar/rules.lark", "rulesengine/rules/chat.rules", "rulesengine/rules/facts.rules",
            "rulesengine/rules/vocabulary.rules", "rulesengine/rules/chat.rulestest", "rulesengine/sample/sample.jsonl",
            "rulesengine/cli/__init__.py", "rulesengine/report/assets/mermaid.min.js",
            "rulesengine/report/assets/mermaid-LICENSE", "rulesengine/report/assets/THIRD-PARTY-LICENSES.txt",
            "rulesengine/report/assets/report.js", "rulesengine/report/assets/report.css"} <= names
    assert not any(name.startswith(("tests/", "benchmarks/")) for name in names)
    metadata = zipfile.ZipFile(wheel).read("rulesengine-0.1.0.dist-info/METADATA").decode()
    assert "License-Expression: MIT" in metadata and "rulesengine-0.1.0.dist-info/licenses/LICENSE" in names
    modules = {str(path.relative_to(TOP)) for path in (TOP / "rulesengine").rglob("*.py")}
    assert modules <= names, "modules missing from the wheel: add their package to pyproject.toml"
    installed = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(installed),
                    str(wheel)], check=True, capture_output=True)
    probe = ("import rulesengine.language.grammar, rulesengine.rules, rulesengine.language.parse as p; "
             "print(rulesengine.language.grammar.__file__); print(rulesengine.rules.__file__); "
             "print(p.parser() is not None)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            cwd=tmp_path, env={"PYTHONPATH": str(installed)}, check=False)
    assert result.returncode == 0, result.stderr
    grammar_file, rules_file, built = result.stdout.splitlines()
    assert Path(grammar_file).is_relative_to(installed) and Path(rules_file).is_relative_to(installed)
    assert built == "True"


def test_python_dash_m_runs_the_command_line():
    result = subprocess.run([sys.executable, "-m", "rulesengine", "check"], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("rulesengine check: ")
    assert rulesengine.__name__ == "rulesengine"


def test_the_command_line_starts_without_networkx():
    """networkx serves queries and drawings; the main job's start-up does not pay for it."""
    probe = "import sys, rulesengine.cli; print('networkx' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout == "False\n"
