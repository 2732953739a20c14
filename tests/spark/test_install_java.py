"""tests/install-java.sh, the README's step that gives the Spark tests a Java runtime, on a PATH
of stand-ins: nothing to do, an install through apt-get, and no way to install."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "install-java.sh"


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    """A PATH with the shell tools the script uses and nothing else."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for tool in ("sh", "dirname", "chmod"):
        (folder / tool).symlink_to(shutil.which(tool) or tool)
    return folder


def _tool(folder: Path, name: str, body: str) -> None:
    (folder / name).write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    (folder / name).chmod(0o755)


def _run(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", str(SCRIPT)], env={"PATH": str(folder)}, capture_output=True, text=True,
                          check=False)


def test_nothing_to_do_when_java_runs(bin_dir):
    _tool(bin_dir, "java", "exit 0")
    _tool(bin_dir, "apt-get", "exit 9")
    done = _run(bin_dir)
    assert (done.returncode, done.stderr) == (0, "")


def test_installs_the_debian_runtime_as_root(bin_dir, tmp_path):
    log = tmp_path / "apt.log"
    _tool(bin_dir, "id", "echo 0")
    _tool(bin_dir, "apt-get", f'echo "$*" >> {log}\n'
                              f'printf "#!/bin/sh\\nexit 0\\n" > {bin_dir}/java && chmod +x {bin_dir}/java')
    done = _run(bin_dir)
    assert done.returncode == 0
    assert done.stderr == "install-java: installing Debian's openjdk-17-jre-headless for the Spark tests\n"
    assert log.read_text().splitlines() == ["update -qq",
                                            "install -y -qq --no-install-recommends openjdk-17-jre-headless"]


def test_says_what_to_install_where_it_cannot(bin_dir):
    _tool(bin_dir, "id", "echo 1000")
    done = _run(bin_dir)
    assert done.returncode == 1
    assert done.stderr == ("install-java: cannot install openjdk-17-jre-headless here: put a Java 17 or 21 runtime "
                           "on PATH (Debian: apt-get install openjdk-17-jre-headless)\n")
