"""Arrow values made from their bytes are the values pyarrow makes from Python, and reading
Parquet makes pyarrow import nothing more (pandas, where installed, cost every reader a third
of a second)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pyarrow
from hypothesis import given, settings
from hypothesis import strategies as st

from rulesengine.cli import main
from rulesengine.speedups import arrow_values
from tests.events.builders import routed, transfer, write

INT64 = st.integers(min_value=-2**63, max_value=2**63 - 1)


@settings(deadline=None)  # the first pyarrow.array here imports pandas
@given(st.lists(INT64, max_size=40))
def test_int64s_are_pyarrows(values: list[int]) -> None:
    assert arrow_values.int64s(values).equals(pyarrow.array(values, pyarrow.int64()))


@given(st.lists(st.none() | INT64, max_size=40))
def test_optional_int64s_are_null_where_none(values: list[int | None]) -> None:
    made = arrow_values.optional_int64s(values)
    assert made.equals(pyarrow.array(values, pyarrow.int64()))
    assert made.to_pylist() == values
    assert made.null_count == values.count(None)


@given(st.lists(st.booleans(), max_size=40))
def test_bools_are_pyarrows(values: list[bool]) -> None:
    assert arrow_values.bools(values).equals(pyarrow.array(values, pyarrow.bool_()))


@given(st.text(max_size=8), INT64, st.booleans())
def test_scalars_are_pyarrows(word: str, number: int, flag: bool) -> None:
    assert arrow_values.text(word).equals(pyarrow.scalar(word, pyarrow.string()))
    assert arrow_values.int64(number).equals(pyarrow.scalar(number, pyarrow.int64()))
    assert arrow_values.boolean(flag).equals(pyarrow.scalar(flag, pyarrow.bool_()))


def test_reading_parquet_does_not_import_pandas(capsys, tmp_path: Path) -> None:
    assert importlib.util.find_spec("pandas") is not None  # installed here (the spark extra), so this can fail
    events = write(tmp_path / "events.jsonl", [*routed("r1"), *transfer("t1")])
    table = tmp_path / "events.parquet"
    assert main(["convert", str(events), "-o", str(table)]) == 0
    capsys.readouterr()
    probe = ("import sys\nfrom rulesengine.cli import main\n"
             f"code = main(['run', {str(table)!r}, '--jobs', '1', '-o', {str(tmp_path / 'rows.jsonl')!r}])\n"
             "print(code, 'pandas' in sys.modules, 'pyarrow' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["0", "False", "True"]
    assert main(["run", str(events), "-o", str(tmp_path / "from-lines.jsonl")]) == 0
    # two workers: each meets batches with none of its rows
    assert main(["run", str(table), "--jobs", "2", "-o", str(tmp_path / "shared.jsonl")]) == 0
    for rows in ("rows.jsonl", "shared.jsonl"):
        assert (tmp_path / rows).read_bytes() == (tmp_path / "from-lines.jsonl").read_bytes()
    assert len((tmp_path / "rows.jsonl").read_bytes().splitlines()) == 7
