"""Every shell command of README.md and docs/ runs as written, in page order, in an empty folder.

Each page is a tour: a reader starts in an empty folder and runs its commands one after the
other, so a command may read what an earlier one of the same page wrote, and nothing else.
A few commands cannot run here; they are listed below with the reason and the test that
stands in for them, and the list must match the pages.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .commands import COMMAND_BLOCKS, PAGES, Command, blocks, commands, page_name, run_in_order

#: pages whose commands another test replays, output included
REPLAYED = {
    "docs/customizing.md": "tests/customizing/test_page.py writes the page's rule files and "
                           "events, runs every command and compares what it prints",
    "docs/output.md": "tests/docs/test_output_page.py runs its commands and compares the rejects "
                      "file they write with the page",
    "docs/adapters.md": "tests/adapters/test_docs.py runs its commands on the published samples and "
                        "compares what they print with the page",
}
_BENCHMARK = ("a benchmark: runs from a clone (the benchmarks package is not installed) for "
              "minutes on purpose; its figures are in the page")
_INSTALLS = "installs from the package index: the test extra installs the spark extra for this suite"
_SPARK = ("starts a Spark of its own, for a minute: tests/spark/test_spark.py writes Parquet events with "
          "write_events and runs spark-run on them, on the suite's one local Spark")
_CLUSTER = "needs a cluster: tests/spark/test_spark.py runs cli/spark_run.py as spark-submit does"
#: commands that cannot run in an empty folder within a test, and why
NOT_RUN = {
    ("README.md", ("python3 -m venv .venv && .venv/bin/pip install . && "
                   ".venv/bin/rulesengine run --sample --format table")):
        "installs from a clone: tests/cli/test_package.py builds and installs the wheel, and "
        "tests/cli/test_run.py and test_table.py run the sample as a table",
    ("README.md", ("sh tests/install-chromium.sh && sh tests/install-java.sh && python3 -m venv .venv && "
                   ".venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest")):
        "this test suite itself: .ci/run runs it word for word",
    ("docs/scale.md", ("pip install 'rulesengine[spark]'          # pyspark 4.0 with pyarrow and pandas; "
                       "Java 17 or 21 on PATH")): _INSTALLS,
    ("docs/scale.md", ("python -c \"import sys; from rulesengine.events.parquet import write_events; "
                       "write_events(open(sys.argv[1], 'rb'), sys.argv[2])\" events.jsonl events.parquet")): _SPARK,
    ("docs/scale.md", "rulesengine spark-run events.parquet -o rows --rejects rejects --master 'local[2]'"): _SPARK,
    ("docs/scale.md", ("python3 -m venv job-env && job-env/bin/pip install venv-pack "
                       "rulesengine-0.1.0-py3-none-any.whl")): _CLUSTER,
    ("docs/scale.md", "job-env/bin/venv-pack -p job-env -o job-env.tar.gz"): _CLUSTER,
    ("docs/scale.md", ("PYSPARK_PYTHON=./environment/bin/python spark-submit --master yarn --deploy-mode cluster "
                       "--archives job-env.tar.gz#environment "
                       "job-env/lib/python3.11/site-packages/rulesengine/cli/spark_run.py "
                       "hdfs:///lake/events/ -o hdfs:///lake/descriptors/ --rejects hdfs:///lake/rejects/")): _CLUSTER,
    ("docs/scale.md", ".venv/bin/python -m benchmarks.spark --count 100000 --rounds 1"): _BENCHMARK,
    ("docs/scale.md", ".venv/bin/python -m benchmarks.spark --executor --count 100000 --rounds 3"): _BENCHMARK,
    ("docs/performance.md", ".venv/bin/python -m benchmarks.memory --counts 10000,1000000 --jobs 1"):
        _BENCHMARK,
    ("docs/performance.md", ".venv/bin/python -m benchmarks.memory --counts 10000,1000000 --jobs 2"):
        _BENCHMARK,
    ("docs/performance.md", ".venv/bin/python -m benchmarks.memory --counts 10000,1000000 --jobs 1 --sort"):
        _BENCHMARK,
    ("docs/performance.md", ".venv/bin/python -m benchmarks.startup --rounds 15"): _BENCHMARK,
    ("docs/performance.md", ".venv/bin/python -m benchmarks.state --open 100000 --rounds 3"): _BENCHMARK,
    ("docs/performance.md", ".venv/bin/python -m benchmarks.run            # --count 200000 --rounds 3"):
        _BENCHMARK,
    ("docs/performance.md", ".venv/bin/python -m benchmarks.cores          # --count 200000 --rounds 3"):
        _BENCHMARK,
    ("docs/performance.md", ".venv/bin/python -m benchmarks.scaling        # --rounds 3 --largest 8"):
        _BENCHMARK,
    ("docs/performance.md", ".venv/bin/python -m benchmarks.fuzz --examples 2000"): _BENCHMARK,
    ("docs/performance.md", ".venv/bin/python -m benchmarks.parquet        # --count 200000 --rounds 3 --jobs 1,2"):
        _BENCHMARK,
    ("docs/performance.md", ".venv/bin/python -m benchmarks.instructions      # --counts 1000,3000"): _BENCHMARK,
    ("docs/performance.md", (".venv/bin/python -m benchmarks.layers          # --count 50000 --rules 500 5000 "
                             "--rounds 3")): _BENCHMARK,
    ("docs/performance.md", ".venv/bin/python -m benchmarks.layers --rules 1000 2000 5000 --load-only"): _BENCHMARK,
    ("docs/performance.md", ".venv/bin/python -m benchmarks.layers --repeating --count 20000 --rules 100 500"):
        _BENCHMARK,
    ("docs/performance.md", ".venv/bin/python -m benchmarks.adapters --counts 10000,100000,300000"): _BENCHMARK,
    ("docs/performance.md", (".venv/bin/python -m benchmarks.adapters --counts 10000,100000 "
                             "--platform twilio-taskrouter")): _BENCHMARK,
}
#: the start of a line that is a command, were it in a block this test does not read
_LOOKS_LIKE_A_COMMAND = re.compile(r"^(\$ |rulesengine |\.venv/bin/|python3? |pip |cat |cd )")


def runnable(page: Path) -> list[Command]:
    if page_name(page) in REPLAYED:
        return []
    return [command for command in commands(page) if (command.page, command.text) not in NOT_RUN]


TOURS = [page for page in PAGES if runnable(page)]


@pytest.mark.parametrize("page", TOURS, ids=page_name)
def test_the_page_runs_as_written(page, tmp_path, environment):
    run_in_order(runnable(page), tmp_path, environment)


def test_the_readme_tour_is_among_them():
    assert [page_name(page) for page in TOURS][:1] == ["README.md"]
    assert len(runnable(PAGES[0])) >= 10


def test_every_command_left_out_is_on_a_page():
    written = {(command.page, command.text) for page in PAGES for command in commands(page)}
    assert set(NOT_RUN) <= written, "a command left out is no longer on its page: update NOT_RUN"
    for name in REPLAYED:
        assert commands(PAGES[[page_name(p) for p in PAGES].index(name)]), name


def test_commands_are_only_in_blocks_this_test_reads():
    """A command in an untagged or `text` block would escape the tour: tag it `sh`."""
    hidden = [f"{page_name(page)}:{first + n}: {line}"
              for page in PAGES for tag, first, body in blocks(page) if tag not in COMMAND_BLOCKS
              for n, line in enumerate(body.splitlines()) if _LOOKS_LIKE_A_COMMAND.match(line)]
    assert hidden == []


def test_ci_runs_the_readme_test_command_word_for_word():
    """.ci/run holds the README's command as a line of its own, in a function that one of its
    steps runs, directly or through another function."""
    readme = [command.text for command in commands(PAGES[0]) if command.text.endswith("-m pytest")]
    ci = (PAGES[0].parent / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert len(readme) == 1
    at = ci.index(readme[0])
    assert re.fullmatch(r"(\w+)\(\) \{", ci[at - 1]) and ci[at + 1] == "}"
    bodies: dict[str, list[str]] = {}
    for number, line in enumerate(ci):
        if defined := re.fullmatch(r"(\w+)\(\) \{", line):
            bodies[defined[1]] = ci[number + 1:ci.index("}", number)]
    stepped = {line.split()[-1] for line in ci if line.startswith("step ")}
    function, seen = ci[at - 1].split("(")[0], set()
    while function not in stepped:
        seen.add(function)
        callers = [name for name, body in bodies.items() if any(line.split()[-1:] == [function] for line in body)]
        assert callers and callers[0] not in seen, f".ci/run never runs {function}"
        function = callers[0]
