"""Interactions' events as Spark hands them to an executor (Arrow batches), evaluated by the
same code as `rulesengine run`: each event line read, each interaction assembled and
decided, its rows and rejections put in Arrow columns.

Spark brings an interaction's events together but gives no order among them, so the order
is made here: the order `run` reads them in when the events carry their place (`_source`,
`_line`: the file and the row they were read from), else every `interaction.ended` last and
the rest by their text, which never makes an event late. Rows and rejections share one
table (`COLUMNS`): a row's fields with the reject columns null, or a rejection's
interaction, kind and reasons with the row fields null, in the order `run` writes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any
from urllib.parse import unquote, urlparse

import attrs
import orjson

from rulesengine.decide.decider import Decider
from rulesengine.events.assemble import Assembler, Rejection, assemble_lines
from rulesengine.events.contract import AnyEvent
from rulesengine.events.parquet import pyarrow_modules, record_lines
from rulesengine.events.read import LoadedLine, parse_line, read_line
from rulesengine.output.parquet import column_type
from rulesengine.output.rows import FIELDS, row_values
from rulesengine.runtime.pipeline import RunStats, decide_interaction
from rulesengine.spark.rulesets import RuleSet, decider_for

#: the columns that give an event its place: the file it was read from and its row there (1-based)
SOURCE, LINE = "_source", "_line"
PLACES = (SOURCE, LINE)
#: the kind of a rejection and its reasons
REJECT, REASONS = "_reject", "_reasons"
#: every column of the result, with its pyarrow type's name
COLUMNS: tuple[tuple[str, str], ...] = (*((name, column_type(name)) for name in FIELDS),
                                        (REJECT, "string"), (REASONS, "string"))
#: how events without a place are named in diagnostics (`<events>:N`, N their order in the interaction)
UNPLACED = "<events>"
_NULL_ROW = (None,) * (len(FIELDS) - 1)


@attrs.frozen
class GroupJob:
    """What every interaction is evaluated with: the rules, `--include-open`, and the names of
    the files events were read from (local path → the name `run` would print), in reading order."""

    rules: RuleSet
    include_open: bool = False
    sources: tuple[tuple[str, str], ...] = ()


@attrs.frozen
class _Event:
    """One event of a batch: its interaction, its JSON line, and its place when it has one."""

    interaction: object
    text: bytes
    source: str | None
    line: int | None


def evaluate_partition(batches: Iterable[Any], job: GroupJob) -> Iterator[Any]:
    """The rows and rejections of a partition whose events are sorted by interaction (Spark's
    `mapInArrow`), one result batch per input batch: each run of one interaction's events,
    across batch boundaries too, is decided as `run` decides it.

    Spark's grouping (`applyInArrow`) would send every interaction as an Arrow stream of its
    own, which costs more than deciding it: here a batch carries thousands.
    """
    decider = decider_for(job.rules)
    pending: list[_Event] = []
    for batch in batches:
        results = _Results()
        for event in _events(batch):
            if pending and event.interaction != pending[0].interaction:
                _evaluate(pending, job, decider, results)
                pending = []
            pending.append(event)
        yield results.batch()
    if pending:
        results = _Results()
        _evaluate(pending, job, decider, results)
        yield results.batch()


def _events(batch: Any) -> list[_Event]:
    """A batch's events, each with its JSON line: the one place that turns Spark's rows into
    what the event stage reads."""
    names = batch.schema.names
    places = [name for name in PLACES if name in names]
    texts = record_lines(batch.select([name for name in names if name not in PLACES]))
    ids = batch.column("interaction").to_pylist()
    if len(places) < len(PLACES):
        return [_Event(interaction, text, None, None) for interaction, text in zip(ids, texts, strict=True)]
    return [_Event(*values) for values in zip(ids, texts, batch.column(SOURCE).to_pylist(),
                                              batch.column(LINE).to_pylist(), strict=True)]


def _evaluate(events: Sequence[_Event], job: GroupJob, decider: Decider, results: _Results) -> None:
    """One interaction's events (or the lines that name none) read, assembled and decided."""
    stats = RunStats()
    assembler = Assembler(include_open=job.include_open, stats=stats.stream)
    for item in assemble_lines(_read(events, job), assembler):
        if isinstance(item, Rejection):
            results.reject(item)
        else:
            for row in decide_interaction(item, decider, stats).rows:
                results.add((*row_values(row), None, None))


def _read(events: Sequence[_Event], job: GroupJob) -> list[AnyEvent | LoadedLine]:
    """The events as `run` reads them, in the order it would read them."""
    if events[0].line is None:
        ordered = sorted((event.text for event in events),
                         key=lambda text: (parse_line(text, UNPLACED, 0).closes, text))
        return [read_line(text, UNPLACED, number) for number, text in enumerate(ordered, start=1)]
    rank = {path: (number, name) for number, (path, name) in enumerate(job.sources)}
    unknown = len(rank)
    placed = []
    for event in events:
        path = local_path(str(event.source))
        placed.append((rank.get(path, (unknown, path)), event.line or 0, event.text))
    placed.sort()
    return [read_line(text, name, line) for (_, name), line, text in placed]


def local_path(uri: str) -> str:
    """The path of a `file:` URI (Spark writes them as `file:/a/b` or `file:///a/b`); any other
    URI as it is."""
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme in ("", "file") else uri


class _Results:
    """The columns of a result batch, filled row by row."""

    def __init__(self) -> None:
        self._columns: list[list[object]] = [[] for _ in COLUMNS]

    def add(self, values: tuple[object, ...]) -> None:
        """A row's fields, then its reject columns."""
        for column, value in zip(self._columns, values, strict=True):
            column.append(value)

    def reject(self, rejection: Rejection) -> None:
        reasons = orjson.dumps(rejection.to_json()["reasons"]).decode()
        self.add((rejection.interaction, *_NULL_ROW, rejection.kind, reasons))

    def batch(self) -> Any:
        pyarrow, _ = pyarrow_modules()
        schema = pyarrow.schema([(name, getattr(pyarrow, kind)()) for name, kind in COLUMNS])
        return pyarrow.record_batch(self._columns, schema=schema)
