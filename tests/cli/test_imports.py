"""A command imports the stages it uses and no others, so that it starts fast."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import import_module

from rulesengine.adapters import ADAPTERS
from rulesengine.cli import SUBCOMMANDS, module_of
from rulesengine.cli.options import PLATFORMS

#: what `rulesengine run` has no use for, unless asked to convert (--from) or draw
NOT_FOR_RUN = ("rulesengine.adapters", "rulesengine.api", "rulesengine.report", "rulesengine.cli.convert",
               "rulesengine.cli.report", "rulesengine.output.diagram", "networkx", "pyarrow")


def _imported_by(*argv: str) -> set[str]:
    probe = ("import json, sys; from rulesengine.cli import main; main(sys.argv[1:]); "
             "print(json.dumps(sorted(sys.modules)), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True, check=False)
    return set(json.loads(done.stderr.splitlines()[-1]))


def test_run_imports_no_adapter_report_or_drawing():
    imported = _imported_by("run", "--sample", "--jobs", "1", "-o", "/dev/null")
    assert "rulesengine.runtime.pipeline" in imported
    assert [name for name in sorted(imported) if name.startswith(NOT_FOR_RUN)] == []


def test_run_from_a_platform_imports_the_adapters(tmp_path):
    export = tmp_path / "none.jsonl"
    export.write_text("")
    assert "rulesengine.adapters.genesys_cloud" in _imported_by("run", "--from", "genesys-cloud", str(export),
                                                                  "-o", "/dev/null")


def test_the_platforms_named_on_the_command_line_are_the_adapters():
    assert sorted(PLATFORMS) == sorted(ADAPTERS)


def test_every_subcommand_is_a_module_that_registers_itself():
    assert all(callable(import_module(module_of(name)).register) for name in SUBCOMMANDS)


def test_a_run_of_valid_lines_never_loads_the_diagnostic_pass():
    """Reading the contract's rules off the record classes costs start-up that only a broken
    line needs: the diagnostic pass is loaded by the first line it must explain."""
    assert "rulesengine.events.diagnose" not in _imported_by("run", "--sample", "--jobs", "1", "-o", "/dev/null")
