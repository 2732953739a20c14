"""Parquet events in, through pyarrow (the optional `parquet` extra).

Input: a Parquet file with one row per event and the contract's field names as
columns (`data` as a struct, a map or JSON text). A row stands for the JSON line
of its non-null columns, in column order (`data` read from its JSON text or map
entries), and is read as that line would be: row N is line N, and what the
reader makes of it (its event, or its diagnostics) is what it makes of the line.
It is not read *through* that line, though: a batch's rows are sorted into groups of
one event type, and the columns of each group are taken as Python values once. A
group whose every column holds, as Arrow's types and a few column-wise checks tell,
only what its record class takes (nearly all of them) is made straight from its
columns: their events built without a dict per row, each row's line left unwritten
until someone asks for it (`Event.raw`: a rejection, a diagnostic, the state file). Any
other group is converted by msgspec into the record classes in one call, checked as
the JSON decoder checks a line. Only a row that conversion refuses, or that could
read differently as JSON text, is read by `read_line` from its line, which says
what is wrong with it. Text columns may be dictionaries (a producer's categorical
columns; the event type and the other word columns of every file are read as
such): their values are taken from the dictionary, each once. Batches are read one
at a time, so memory stays flat however large the file; with `--jobs N` each worker
converts only the rows of its own interactions (`RowShare`), and the workers take the
row groups in turn (`DealtRows`): each row group is decoded by one of them, which sends
every other its rows.

pyarrow is imported only when Parquet is used (`pyarrow_modules`), so the rest of
the engine neither needs it nor pays for its import; rows are written as Parquet
by `output.parquet`, events by `output.events`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from itertools import compress, pairwise, repeat
from operator import itemgetter
from types import MappingProxyType, ModuleType
from typing import Any, Protocol, runtime_checkable

import attrs
import msgspec
import orjson
from msgspec import inspect
from msgspec.structs import force_setattr

from rulesengine.diagnostics import Position
from rulesengine.events.contract import NO_DATA, READER_FIELDS, RECORDS, TAG, AnyEvent
from rulesengine.events.parquet_dealing import DealtRows, dealt_parts
from rulesengine.events.read import (
    BATCH_LINES,
    MAX_NESTING,
    InputError,
    LineBatch,
    LoadedLine,
    ReadCounts,
    flattened,
    read_line,
)
from rulesengine.events.rfc3339 import timestamp_ms
from rulesengine.events.salvage import too_deep
from rulesengine.speedups import arrow_values
from rulesengine.speedups.arrow_pool import pool_chosen
from rulesengine.speedups.collector import collection_deferred
from rulesengine.speedups.row_dicts import row_dicts
from rulesengine.speedups.row_lines import keyword_caller, line_structs, row_layout, writable_names

SUFFIX = ".parquet"
#: rows converted at a time: their events are built together, so this bounds the memory reading takes
BATCH_ROWS = 8_192
#: the text columns read as dictionaries (`_as_taken`): ids and names, repeated down a batch
SHARED_TEXTS = frozenset({"interaction", "party", "by", "resource"})
#: rows per row group of the event files `convert` writes (`output.events`)
GROUP_ROWS = 65_536
#: the most columns whose nulls part rows into groups (their bits and the event type's fill a 64-bit key);
#: rows that leave others null in different ways are still read right, as rows of a group that does not
KEY_COLUMNS = 40
_INSTALL_HINT = "Parquet needs pyarrow: pip install 'rulesengine[parquet]'"
#: the columns a row's record class may be given: the contract's fields and the event type
_CONTRACT = frozenset(name for record in RECORDS for name in record.__struct_fields__
                      if name not in READER_FIELDS) | {TAG}
_RECORD_OF: dict[str, type[AnyEvent]] = {record.event: record for record in RECORDS}
#: the JSON line a row's object stands for (msgspec writes what orjson writes, and keeps no
#: spare buffer behind each line it returns)
_line = msgspec.json.Encoder().encode
#: the JSON lines of several objects, each ended by a newline, in one call (a line holds no
#: newline of its own: JSON writes one inside a text as `\n`); always given a list, as msgspec
#: 0.22 leaks memory on every call given a tuple
_lines = msgspec.json.Encoder().encode_lines
#: the usual timestamps, `YYYY-MM-DDTHH:MM:SSZ` or with milliseconds, whose minute is read once
_USUAL_TS = r"^.{16}:[0-5][0-9](\.[0-9]{3})?Z$"
#: the same, every field digits: what Arrow's own reading of a timestamp reads as `timestamp_ms` does,
#: when it reads every one of a batch and none is before the year 1
_PLAIN_TS = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-5][0-9](\.[0-9]{3})?Z$"
#: 0001-01-01T00:00:00Z, the earliest time `timestamp_ms` reads
_YEAR_ONE_MS = -62_135_596_800_000


class ParquetUnavailable(Exception):
    """pyarrow is not installed; the message says how to install it."""


@runtime_checkable
class RowShare(Protocol):
    """Which rows one worker of several takes: those of the interactions it owns.

    `owns` is given a row's `interaction` value as a column holds it (any type,
    or None) and must answer the same for every row of one interaction; a row
    whose value the reader cannot take as an id (None, an empty string, not a
    string) stands alone, and exactly one worker must own it.
    """

    def owns(self, interaction: object) -> bool: ...


def is_parquet(path: str | None) -> bool:
    return path is not None and path.lower().endswith(SUFFIX)


@cache
def pyarrow_modules() -> tuple[ModuleType, ModuleType]:
    """pyarrow and pyarrow.parquet, or `ParquetUnavailable` saying how to install them.

    Kept once found: the reader asks for them in every group of every batch, and three
    import statements cost about 0.4 µs each time. The first call chooses Arrow's allocator
    as the command asked (`speedups.arrow_pool`).
    """
    try:
        with pool_chosen():
            import pyarrow
            import pyarrow.compute
            import pyarrow.parquet
    except ImportError:
        raise ParquetUnavailable(_INSTALL_HINT) from None
    return pyarrow, pyarrow.parquet


def read_rows(path: str, counts: ReadCounts, select: object = None) -> Iterator[AnyEvent | LoadedLine]:
    """A Parquet file's rows as `read.read_lines` gives a file's lines (row N is line N).

    With `select` (a `RowShare`), only the rows it owns are converted and produced;
    every row is still counted. `counts.lines` reaches the row just produced, and the
    file's last row at the end. A file that cannot be read (pyarrow missing, not
    Parquet) raises `InputError`, before any row is produced.
    """
    return flattened(row_batches(path, counts, select), counts)


def row_batches(path: str, counts: ReadCounts, select: object = None) -> Iterator[LineBatch]:
    """`read_rows` a batch at a time, as `read.read_batches` reads a file of lines: at most
    `BATCH_LINES` rows, with their line numbers; `counts.lines` reaches the file's last row
    once the last batch has been taken."""
    if select is not None and not isinstance(select, (RowShare, DealtRows)):
        raise TypeError(f"Parquet rows are shared out by interaction: {select!r} is no RowShare")
    first = counts.lines
    with _opened(path, shared_texts=select is None) as source:
        if isinstance(select, DealtRows):
            metadata = source.metadata
            parts: Iterator[tuple[Any, Sequence[int]]] = dealt_parts(
                [metadata.row_group(group).num_rows for group in range(metadata.num_row_groups)],
                lambda group: _batches(source, path, [group], BATCH_ROWS * select.jobs), _row_owners, select, path)
        else:
            parts = _parts(source, path, select)
        dictionaries = Dictionaries()
        for batch, lines in parts:
            read = _batch_events(batch, RowLines(path, lines), dictionaries)
            for start in range(0, len(read), BATCH_LINES):
                yield [first + line for line in lines[start:start + BATCH_LINES]], read[start:start + BATCH_LINES]
        counts.lines = first + source.metadata.num_rows


def _parts(source: Any, path: str, share: RowShare | None) -> Iterator[tuple[Any, Sequence[int]]]:
    """Each batch of a file (the rows `share` owns, if given) with the numbers of its rows."""
    done = 0
    for whole in _batches(source, path):
        lines = range(done + 1, done + whole.num_rows + 1)
        done += whole.num_rows
        yield (whole, lines) if share is None else _owned(whole, lines, share)


def read_batch(batch: Any, path: str = "", first_line: int = 1) -> Iterator[AnyEvent | LoadedLine]:
    """Each row of a `pyarrow.RecordBatch` (or `pyarrow.Table`) as `read.read_line` reads
    the JSON line it stands for: its event, or a `LoadedLine` with its diagnostics.

    The columns are the contract's field names, one row per event (`data` as a
    struct, a map or JSON text; other columns are ignored, as a line's unknown
    fields are). Row `i` (from 0) is placed at line `first_line + i` of `path`, which
    is where diagnostics and `event.source` point; `event.raw` is the row's JSON
    line. Nothing but pyarrow itself is needed: the Spark reader calls this on each
    batch of its partition, naming the partition in `path`.
    """
    dictionaries = Dictionaries()
    for part in batch.to_batches() if hasattr(batch, "to_batches") else (batch,):
        yield from _batch_events(part, RowLines(path, range(first_line, first_line + part.num_rows)), dictionaries)
        first_line += part.num_rows


def read_placed(batch: Any, places: Sequence[Position]) -> list[AnyEvent | LoadedLine]:
    """`read_batch` of one record batch whose rows come from different places: row `i` is
    read as the line at `places[i]` (the Spark executor's rows, each with its file and row)."""
    if len(places) != batch.num_rows:
        raise ValueError(f"{batch.num_rows} rows need as many places, not {len(places)}")
    return _batch_events(batch, places, Dictionaries())


def event_lines(path: str) -> Iterator[bytes]:
    """The events of a Parquet file as JSON lines (without line endings), one per row."""
    with _opened(path) as source:
        for batch in _batches(source, path):
            yield from record_lines(batch)


def record_lines(batch: Any) -> Iterator[bytes]:
    """The rows of an Arrow record batch or table of events as JSON lines, one per row
    (Spark hands its executors Arrow tables of the same columns)."""
    return map(_line, _records(batch))


def _opened(path: str, shared_texts: bool = False) -> Any:
    """A `pyarrow.parquet.ParquetFile`, its word columns read as dictionaries (`_word_columns`),
    and with `shared_texts` its `SHARED_TEXTS` too; `InputError` when it cannot be read as one.

    Parquet stores such columns dictionary-encoded, each row group's distinct values once:
    reading them as Arrow dictionaries takes those values as they are stored, where reading
    them as text writes out every row's value, for `_as_taken` to find the distinct ones
    again (an eighth of the time it took to read a row). Only a reader that makes events of
    every row takes the ids so: a row group's dictionary holds the ids of all its rows, which
    a worker of `--jobs N` that sends other workers their rows would send each of them whole.

    Its footer is read once, for the columns and for the file. Its row groups are read a
    page at a time as their rows are taken, not each row group's columns read whole up front
    (`pre_buffer`, pyarrow's default, which spares round trips to remote storage): on a
    local file, that held about 33 MB more for no time saved.
    """
    try:
        _, parquet = pyarrow_modules()
        metadata = parquet.read_metadata(path)
        dictionary_columns = _word_columns() | SHARED_TEXTS if shared_texts else _word_columns()
        words = [field.name for field in metadata.schema.to_arrow_schema()
                 if field.name in dictionary_columns and _is_text(field.type)]
        return parquet.ParquetFile(path, metadata=metadata, read_dictionary=words or None, pre_buffer=False)
    except ParquetUnavailable as problem:
        raise InputError(f"cannot read {path}: {problem}") from None
    except (OSError, ValueError) as problem:  # pyarrow's errors for files that are not Parquet
        raise InputError(f"cannot read {path}: not a readable Parquet file ({problem})") from None


@cache
def _word_columns() -> frozenset[str]:
    """The columns that hold one of a few words (the event type, and the fields of `Literal`
    type): a file stores each such column as a dictionary, and reading it as one (each word
    once, each row an index) spares decoding the same text row after row."""
    return frozenset({TAG}).union(*(_column_checks(record).words for record in RECORDS))


def _batches(source: Any, path: str, groups: list[int] | None = None, rows: int | None = None) -> Iterator[Any]:
    """A Parquet file's record batches of `rows` rows (`BATCH_ROWS` by default; of the row groups
    `groups` only, if given); `InputError` when one cannot be read (a damaged file)."""
    batches = source.iter_batches(batch_size=rows or BATCH_ROWS, row_groups=groups)
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except (OSError, ValueError) as problem:
            raise InputError(f"cannot read {path}: not a readable Parquet file ({problem})") from None
        yield batch


def _owned(batch: Any, lines: Sequence[int], share: RowShare) -> tuple[Any, list[int]]:
    """The rows of a batch that `share` owns, and their line numbers.

    A row's id is its `interaction` column, as its JSON line would hold it; `share`
    is asked once per distinct id of the batch (an interaction has a dozen rows).
    """
    mine = _row_owners(batch, lambda values: bytes(not share.owns(value) for value in values))
    owned = pyarrow_modules()[0].compute.equal(mine, arrow_values.int64(0))
    return batch.filter(owned), list(compress(lines, owned.to_pylist()))


def _row_owners(batch: Any, owners_of: Callable[[list[Any]], bytes]) -> Any:
    """The owner of each row of a batch (an int64 array), by its `interaction` column as its JSON
    line would hold it: `owners_of` answers for a list of such values, one byte each, and is
    asked about each distinct id of the batch once (an interaction has a dozen rows)."""
    names = batch.schema.names
    if names.count("interaction") == 1 and _text_like(batch.schema.field("interaction").type):
        ids = _encoded(batch.column(names.index("interaction")))
        owners = arrow_values.int64s(iter(owners_of(ids.dictionary.to_pylist())))  # bytes, taken as numbers
        return owners.take(ids.indices).fill_null(arrow_values.int64(owners_of([None])[0]))
    # no id the loader can read, or which of two it reads is for it to say: every row asked
    return arrow_values.int64s(iter(owners_of([record.get("interaction") for record in _records(batch)])))


def _records(batch: Any) -> list[dict[str, Any]]:
    """Each row of a batch as the JSON object its line holds: its non-null columns in order,
    `data` from JSON text or map entries."""
    names = batch.schema.names
    columns = [column.to_pylist() for column in batch.columns]
    for at, name in enumerate(names):
        if name == "data":
            entries = _map_entries(batch)
            columns[at] = [None if value is None else _plain(value, entries) for value in columns[at]]
    if not columns:
        return [{} for _ in range(batch.num_rows)]
    return [{name: value for name, value in zip(names, values, strict=True) if value is not None}
            for values in zip(*columns, strict=True)]


def _map_entries(batch: Any) -> bool:
    """Whether the batch's `data` column is a Parquet map, whose values arrive as (key, value)
    pairs; a list column's values are lists, which the contract refuses as `data`."""
    return bool(pyarrow_modules()[0].types.is_map(batch.schema.field("data").type))


def _plain(data: object, entries: bool) -> object:
    """`data` as JSON has it: from JSON text (text that is not JSON stays text), or from map
    entries when the column is a map (`entries`); any other value as it is."""
    if isinstance(data, str):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            return data
    if entries and isinstance(data, list):
        return dict(data)
    return data


@attrs.frozen
class RowLines:
    """The places of a batch's rows that all come from one file, by their line numbers.

    Each row's `Position` is made when its group is read (`_events_in_order`), in the order the
    groups take the rows, rather than in the rows' order and then picked out of that list: a
    batch's thousands of places were made long before their rows' turn, and out of the
    processor's caches by then (a twentieth of a whole Parquet run's cache misses).
    """

    path: str
    lines: Sequence[int]

    def picked(self, rows: list[int]) -> list[Position]:
        """The places of the rows at these indices, in that order."""
        return list(map(Position, repeat(self.path), _picked(self.lines, rows)))


def _batch_events(batch: Any, places: RowLines | Sequence[Position], dictionaries: Dictionaries,
                  ) -> list[AnyEvent | LoadedLine]:
    """The rows of a batch as `read_line` reads their lines, in order: made straight from their
    columns or converted into their record classes where that is sure to give what the line
    gives, else read as the line (`_events_in_order`).

    Python's cycle collector waits until they are made (`collection_deferred`): meanwhile a
    batch's lists of thousands of values and events are young, and each collection would walk
    every item of them, most of them out of the processor's caches by then (deferring it took
    6% of the cache misses off a whole run on 20,000 interactions). Nothing made here is cyclic
    garbage.
    """
    with collection_deferred():
        return _events_in_order(batch, places, dictionaries)


def _events_in_order(batch: Any, places: RowLines | Sequence[Position], dictionaries: Dictionaries,
                     ) -> list[AnyEvent | LoadedLine]:
    """`_batch_events`, the collector waiting.

    Rows are read in groups that share an event type and the columns they leave null
    (`_groups`), so that each group's rows are built column by column. The batch is
    sorted into its groups once, and what each group gives put straight in its rows' places,
    in C, as soon as it is made: a batch's events outgrow the processor's caches long before
    the batch is done, and putting them back in order afterwards touched each one once more
    (3% of a whole run's cache misses). `dictionaries` holds the values of the dictionaries
    met before, the batch before's among them.
    """
    batch = _as_taken(batch)
    values = dictionaries.of(batch)
    exact = all(_json_exact(field.type) for field in batch.schema if field.name == "data")
    order, groups = _groups(batch)
    rows = order.to_pylist()
    sorted_places = places.picked(rows) if isinstance(places, RowLines) else _picked(places, rows)
    millis = _millis(batch)
    ms = millis.take(order).to_pylist() if millis is not None else [None] * batch.num_rows
    read: list[Any] = [None] * batch.num_rows  # each row is in one group, which fills its place
    put = read.__setitem__
    for start, end, group, record_class in groups:
        made = _read_group(group, record_class, exact, sorted_places[start:end], ms[start:end], values)
        deque(map(put, rows[start:end], made), maxlen=0)
    return read


def _as_taken(batch: Any) -> Any:
    """The batch with its columns as groups take their values (`_values`), in one pass.

    A dictionary column is read as its values unless it holds text, its dictionary holds no
    null and it is not `ts` (whose text is read column-wise, `_millis`): then its values are
    taken from the dictionary. The `SHARED_TEXTS` columns, when plain text, become dictionaries:
    each distinct value one Python text for the whole batch, which every row holding it
    shares. Taken column by column, a batch's texts are made group by group, far from the
    other values of their rows and from the events that hold them. The rest of the run reads
    them event after event, in the order of the lines, and took about 7% longer on events
    read from Parquet than on the same events read from lines (whose texts are made line by
    line): an interaction's id on a dozen events, a party's on each of its steps, a queue's
    name on each party of it, as one text each, bring it level (docs/performance.md).
    """
    pyarrow, _ = pyarrow_modules()
    names, columns = batch.schema.names, batch.columns
    taken = []
    for name, given in zip(names, columns, strict=True):
        column = given
        if pyarrow.types.is_dictionary(column.type) and (
                name == "ts" or not _is_words(column.type) or column.dictionary.null_count):
            column = column.dictionary_decode()
        if name in SHARED_TEXTS and names.count(name) == 1 and _is_text(column.type):
            column = column.dictionary_encode()
        taken.append(column)
    if all(new is old for new, old in zip(taken, columns, strict=True)):
        return batch
    return pyarrow.RecordBatch.from_arrays(taken, names=names)


def _picked(items: Sequence[Any], at: Any) -> list[Any]:
    """`[items[index] for index in at]`, in one call (`at`: a list or an Arrow array of indices)."""
    indices = at if isinstance(at, list) else at.to_pylist()
    if len(indices) < 2:
        return [items[index] for index in indices]
    return list(itemgetter(*indices)(items))


def _millis(batch: Any) -> Any:
    """Each row's `ts` as `timestamp_ms` reads it (an Arrow array, null where it reads none);
    None when `ts` is not one text column.

    The usual timestamps are read column-wise, their minute once per batch, as
    `speedups.timestamps` reads them one at a time; any other is read by `timestamp_ms`.
    """
    pyarrow, _ = pyarrow_modules()
    compute = pyarrow.compute
    names = batch.schema.names
    if names.count("ts") != 1 or not _is_text(batch.schema.field("ts").type):
        return None
    texts = batch.column(names.index("ts"))
    plain = _plain_millis(texts)
    if plain is not None:
        return plain
    usual = compute.fill_null(compute.match_substring_regex(texts, _USUAL_TS), arrow_values.boolean(False))
    minutes = compute.utf8_slice_codeunits(texts, 0, 16).dictionary_encode()
    minute_ms = arrow_values.optional_int64s([timestamp_ms(minute + ":00Z")
                                              for minute in minutes.dictionary.to_pylist()]).take(minutes.indices)
    zero, nothing = arrow_values.text("0"), arrow_values.text("")
    seconds = compute.cast(compute.if_else(usual, compute.utf8_slice_codeunits(texts, 17, 19), zero), pyarrow.int64())
    fraction = compute.utf8_slice_codeunits(texts, 20, 23)
    has_fraction = compute.and_(usual, compute.not_equal(fraction, nothing))
    milliseconds = compute.cast(compute.if_else(has_fraction, fraction, zero), pyarrow.int64())
    quick = compute.add(minute_ms, compute.add(compute.multiply(seconds, arrow_values.int64(1000)), milliseconds))
    known = compute.and_(usual, compute.is_valid(minute_ms))
    if compute.all(known).as_py():
        return quick
    slow = [None if fast or text is None else timestamp_ms(text)
            for fast, text in zip(known.to_pylist(), texts.to_pylist(), strict=True)]
    return compute.if_else(known, quick, arrow_values.optional_int64s(slow))


def _plain_millis(texts: Any) -> Any:
    """Epoch milliseconds of a column of the plainest timestamps, read by Arrow in one call
    (`YYYY-MM-DDTHH:MM:SS[.mmm]Z`, every one a real time from the year 1 on); None when a
    value is null or not such a timestamp (then they are read as `_millis` reads any)."""
    pyarrow, _ = pyarrow_modules()
    compute = pyarrow.compute
    if texts.null_count or not compute.all(compute.match_substring_regex(texts, _PLAIN_TS)).as_py():
        return None
    try:
        millis = compute.cast(compute.cast(texts, pyarrow.timestamp("ms", tz="UTC")), pyarrow.int64())
    except ValueError:  # pyarrow's ArrowInvalid: a day or hour that does not exist
        return None
    earliest = compute.min(millis).as_py()
    return millis if earliest is None or earliest >= _YEAR_ONE_MS else None


#: where a group's rows are among the sorted rows of its batch (from, to), its rows, and their record class
_Group = tuple[int, int, Any, "type[AnyEvent] | None"]


def _groups(batch: Any) -> tuple[Any, list[_Group]]:
    """The rows of a batch in groups: the rows of one event type that leave the same columns
    null (the class None for rows of none, read as lines). The batch is sorted by event type
    and null columns once (`order`, an Arrow array of row indices), and each group sliced out.
    """
    pyarrow, _ = pyarrow_modules()
    compute = pyarrow.compute
    names = batch.schema.names
    size = batch.num_rows
    tags = batch.column(names.index(TAG)) if names.count(TAG) == 1 and len(set(names)) == len(names) else None
    if tags is None or not _text_like(tags.type):
        return arrow_values.int64s(range(size)), [(0, size, batch, None)]
    kinds = _encoded(tags)
    key = compute.cast(kinds.indices, pyarrow.int64()).fill_null(arrow_values.int64(-1))
    two = arrow_values.int64(2)
    for column in [column for column in batch.columns if 0 < column.null_count < size][:KEY_COLUMNS]:
        key = compute.add(compute.multiply(key, two), compute.cast(column.is_valid(), pyarrow.int64()))
    order = compute.sort_indices(key)
    ordered = key.take(order)
    starts = [0, *(change + 1 for change in _changes(ordered)), size] if size else [0]
    rows = batch.take(order)
    ordered_tags = tags.take(order)
    groups = []
    for start, end in pairwise(starts):
        tag = ordered_tags[start].as_py()
        groups.append((start, end, rows.slice(start, end - start), _RECORD_OF.get(tag) if tag else None))
    return order, groups


def _changes(ordered: Any) -> list[int]:
    """Where a sorted array (not empty) changes: each index whose value differs from the next one's."""
    compute = pyarrow_modules()[0].compute
    return compute.indices_nonzero(compute.not_equal(ordered.slice(1), ordered.slice(0, len(ordered) - 1))).to_pylist()


def _read_group(group: Any, record_class: type[AnyEvent] | None, exact: bool, places: list[Position],
                ms: list[int | None], dictionaries: dict[str, list[Any]]) -> list[AnyEvent | LoadedLine]:
    """One group's rows as `read_line` reads their lines (see `_batch_events`), given their
    places and epoch milliseconds, and the values of the batch's dictionaries (`_values`)."""
    made = _made(group, record_class, exact, places, ms, dictionaries)
    if made is not None:
        return made
    records, names = _group_records(group)
    raws = _lines(records).split(b"\n")[:-1]
    events = _converted(records, names, record_class, exact)
    read: list[AnyEvent | LoadedLine] = []
    for position, raw, event, millis in zip(places, raws, events, ms, strict=True):
        if event is None or millis is None or (len(raw) > MAX_NESTING and too_deep(raw, MAX_NESTING) is not None):
            read.append(read_line(raw, position.path, position.line))
            continue
        force_setattr(event, "ms", millis)
        force_setattr(event, "source", position)
        force_setattr(event, "_raw", raw)
        read.append(event)
    return read


def _made(group: Any, record_class: type[AnyEvent] | None, exact: bool, places: list[Position],
          ms: list[int | None], dictionaries: dict[str, list[Any]]) -> list[AnyEvent | LoadedLine] | None:
    """A group's rows made straight from its columns, without a dict per row: each row's event
    built from its values, with what writes its line when asked (`Event.raw`): a struct of its
    values, or, when every column is a field the event holds as it is, one `RowLayout` for the
    whole group, which writes it from the event (no object per row, a twentieth fewer cache
    misses in a whole run). Made once every column is known to hold what the record class
    takes (`_column_checks`). None for a group this cannot be sure of (a column partly null, a
    field its class does not have or a value it refuses, `data` that is no object): its rows are
    converted as `_converted` converts them, and read as lines if need be. A row whose
    timestamp does not read, or whose line may nest too deep, is read as its line.
    """
    if record_class is None:
        return None
    size, columns = group.num_rows, group.columns
    if any(0 < column.null_count < size for column in columns):
        return None
    kept = [at for at, column in enumerate(columns) if not column.null_count]
    names = [group.schema.names[at] for at in kept]
    checks = _column_checks(record_class)
    fits = checks.type_fits
    own = [name for name in names if name in fits]
    if (not checks.required.issubset(own) or not _CONTRACT.isdisjoint(set(names) - checks.allowed)
            or not writable_names(names)
            or not all(fits[name](columns[at].type) for name, at in zip(names, kept, strict=True) if name in fits)):
        return None
    values = [_values(columns[at], checks.words.get(name), name, dictionaries)
              for name, at in zip(names, kept, strict=True)]
    by_name = dict(zip(names, values, strict=True))
    if not all(checks.values_fit[name](by_name[name]) for name in own):
        return None
    arguments = [by_name[name] for name in own]
    texts: list[str] | None = None
    if "data" in by_name:
        entries = _map_entries(group)
        texts = by_name["data"] if _text_like(columns[kept[names.index("data")]].type) else None
        data = [_plain(value, entries) for value in by_name["data"]]
        if not exact or any(type(value) is not dict for value in data):
            return None
        values[names.index("data")] = data
        own.append("data")
        arguments.append([MappingProxyType(value) if value else NO_DATA for value in data])  # type: ignore[arg-type]
    make = keyword_caller(record_class, (*own, *READER_FIELDS))
    if "data" not in by_name and _CONTRACT.issuperset(names):
        # every column a field the event holds as it is (`event`, its type): the event has its line
        lines: Sequence[Any] = [row_layout(tuple(names))] * size
    else:
        lines = line_structs(names, values)
    made: list[AnyEvent | LoadedLine] = list(map(make, *arguments, ms, places, lines))
    nested = not all(_is_scalar(columns[at].type) for at in kept)
    if None in ms or nested or (texts is not None and max(map(len, texts)) >= MAX_NESTING):
        for at, (millis, place) in enumerate(zip(ms, places, strict=True)):
            if millis is not None and not nested and (texts is None or len(texts[at]) < MAX_NESTING):
                continue  # its line nests one level deeper than its data, no deeper than its text is long
            raw = made[at].raw  # written from its struct or its group's layout
            if millis is None or too_deep(raw, MAX_NESTING) is not None:
                made[at] = read_line(raw, place.path, place.line)
    return made


def _group_records(group: Any) -> tuple[list[dict[str, Any]], list[str] | None]:
    """`_records` of a group, and the fields every one has: built column by column, leaving out
    the columns every row leaves null, when no column is partly null (else the fields are None)."""
    rows = group.num_rows
    kept = [at for at, column in enumerate(group.columns) if not column.null_count]
    if not kept or any(0 < column.null_count < rows for column in group.columns):
        return _records(group), None
    names = [group.schema.names[at] for at in kept]
    columns = [group.column(at).to_pylist() for at in kept]
    if "data" in names:
        entries = _map_entries(group)
        for at, name in enumerate(names):
            if name == "data":
                columns[at] = [_plain(data, entries) for data in columns[at]]
    return row_dicts(names, columns), names


#: whether a column of an Arrow type holds what a field takes (given the type), and whether its
#: values, none of them null, are each one the field takes (given them as a list)
_TypeFits = Callable[[Any], bool]
_ValuesFit = Callable[[list[Any]], bool]


def _fit(info: inspect.Type) -> tuple[_TypeFits, _ValuesFit] | None:
    """How to tell that a column holds only values a field of this msgspec type takes, exactly
    as `msgspec.convert` would take them; None for a type not told apart column-wise (the
    column's rows are then converted)."""
    if isinstance(info, inspect.Metadata):
        info = info.type
    if isinstance(info, inspect.UnionType):
        present = [member for member in info.types if not isinstance(member, inspect.NoneType)]
        if len(present) != 1:
            return None
        info = present[0]
    if isinstance(info, inspect.StrType) and info.max_length is None and info.pattern is None:
        if not info.min_length:
            return _text_like, _anything
        if info.min_length == 1:
            return _text_like, _none_empty
    if isinstance(info, inspect.LiteralType) and all(type(value) is str for value in info.values):
        allowed = frozenset(info.values)
        return _text_like, allowed.issuperset
    if (isinstance(info, inspect.IntType) and info.gt is None and info.lt is None and info.le is None
            and info.multiple_of is None):
        least = info.ge
        return _is_whole, _anything if least is None else (lambda values: min(values) >= least)
    return None


def _words(info: inspect.Type) -> tuple[str, ...]:
    """The words a field of this msgspec type takes, when it takes only a few (a `Literal`)."""
    if isinstance(info, inspect.UnionType):
        return tuple(word for member in info.types for word in _words(member))
    if isinstance(info, inspect.LiteralType):
        return tuple(word for word in info.values if type(word) is str)
    return ()


class Dictionaries:
    """The Python values of the text dictionaries of dictionary columns, each made once and kept
    while the dictionary stays the same: for every group of a batch, and for the batches after
    it, as Parquet gives every batch of a row group that group's whole dictionary. So one id is
    one Python text in all the rows of a row group that hold it, whichever batch they fall in."""

    def __init__(self) -> None:
        #: per column name, the last dictionary met and its values
        self._kept: dict[str, tuple[Any, list[Any]]] = {}

    def of(self, batch: Any) -> dict[str, list[Any]]:
        """The values of the dictionary of each column of a batch that is text as a dictionary
        (`_is_words`), by its name (one column of that name), for `_values`."""
        names = batch.schema.names
        return {name: self._values(name, column.dictionary) for name, column in zip(names, batch.columns, strict=True)
                if _is_words(column.type) and names.count(name) == 1}

    def _values(self, name: str, dictionary: Any) -> list[Any]:
        """Made anew only when the dictionary differs from the last one of that column (compared
        by pyarrow: at once when it is the same array, else byte by byte, some microseconds for a
        row group's ids)."""
        kept = self._kept.get(name)
        if kept is not None and kept[0].equals(dictionary):
            return kept[1]
        values = dictionary.to_pylist()
        self._kept[name] = (dictionary, values)
        return values


def _values(column: Any, words: dict[str, str] | None, name: str, dictionaries: dict[str, list[Any]]) -> list[Any]:
    """A column's values as Python values, none of them null; with `words`, each of them that is
    one of the words is the very text the record class holds (as msgspec decodes it from a line),
    so that comparing it with the word compares one object, and a value repeated down the column
    is one object. A dictionary column's values are its dictionary's, shared by every group of the
    batch and made once for all of them: `dictionaries` keeps them, by the column's name (those of
    a file's batches made once for all the batches of a row group, `Dictionaries`)."""
    if not _is_words(column.type):
        if words is None:
            return column.to_pylist()
        encoded = column.dictionary_encode()
        values = encoded.dictionary.to_pylist()
    else:
        encoded = column
        values = dictionaries.get(name)
        if values is None:
            values = dictionaries[name] = column.dictionary.to_pylist()
    return _picked([words.get(value, value) for value in values] if words else values, encoded.indices)


def _anything(values: list[Any]) -> bool:
    return True


def _none_empty(values: list[Any]) -> bool:
    return "" not in values


def _is_scalar(arrow_type: Any) -> bool:
    """Values that JSON writes without brackets (text, numbers, booleans): no line of them nests."""
    types = pyarrow_modules()[0].types
    return bool(_text_like(arrow_type) or types.is_integer(arrow_type) or types.is_floating(arrow_type)
                or types.is_boolean(arrow_type))


def _is_whole(arrow_type: Any) -> bool:
    """Integers that fit in 64 bits signed, as a line's are decoded (a bool is no integer)."""
    types = pyarrow_modules()[0].types
    return bool(types.is_signed_integer(arrow_type)
                or (types.is_unsigned_integer(arrow_type) and arrow_type.bit_width < 64))


class _ColumnChecks(msgspec.Struct, frozen=True):
    """What `_made` needs to know of a record class's fields."""

    #: per field that can be checked column-wise (`_fit`), its checks
    type_fits: dict[str, _TypeFits]
    values_fit: dict[str, _ValuesFit]
    #: per field that takes one of a few words, each word as the class spells it
    words: dict[str, dict[str, str]]
    #: the fields a row must have
    required: frozenset[str]
    #: the contract's columns a group of its rows may hold and still be made straight from
    #: them: the fields checked column-wise, `data` and the event type
    allowed: frozenset[str]


@cache
def _column_checks(record_class: type[AnyEvent]) -> _ColumnChecks:
    """`_ColumnChecks` of a record class, worked out the first time a Parquet group of it is read."""
    info = inspect.type_info(record_class)
    assert isinstance(info, inspect.StructType)
    given = [field for field in info.fields if field.name not in READER_FIELDS and field.name != "data"]
    fits = {field.name: fit for field in given if (fit := _fit(field.type)) is not None}
    words = {field.name: {word: word for word in _words(field.type)} for field in given if _words(field.type)}
    return _ColumnChecks({name: fit[0] for name, fit in fits.items()}, {name: fit[1] for name, fit in fits.items()},
                         words, frozenset(field.name for field in info.fields if field.required),
                         frozenset(fits) | {"data", TAG})


def _is_text(arrow_type: Any) -> bool:
    types = pyarrow_modules()[0].types
    return bool(types.is_string(arrow_type) or types.is_large_string(arrow_type))


def _is_words(arrow_type: Any) -> bool:
    """Text as a dictionary: each distinct value once, each row an index into them (what a file's
    word columns are read as, `_opened`, and what a categorical column is)."""
    return bool(pyarrow_modules()[0].types.is_dictionary(arrow_type) and _is_text(arrow_type.value_type))


def _text_like(arrow_type: Any) -> bool:
    return _is_text(arrow_type) or _is_words(arrow_type)


def _encoded(column: Any) -> Any:
    """A text column as a dictionary array (itself, when it is one)."""
    return column if _is_words(column.type) else column.dictionary_encode()


def _json_exact(arrow_type: Any) -> bool:
    """Whether every value of an Arrow type reads back from JSON as pyarrow gives it: text,
    integers, booleans, nulls, and lists, structs and text-keyed maps of them (a float may be
    NaN, which JSON writes as null; a time or a decimal JSON writes as text)."""
    types = pyarrow_modules()[0].types
    if types.is_struct(arrow_type):
        return all(_json_exact(arrow_type.field(index).type) for index in range(arrow_type.num_fields))
    if types.is_map(arrow_type):
        return _is_text(arrow_type.key_type) and _json_exact(arrow_type.item_type)
    if types.is_list(arrow_type) or types.is_large_list(arrow_type) or types.is_fixed_size_list(arrow_type):
        return _json_exact(arrow_type.value_type)
    if types.is_dictionary(arrow_type):
        return _json_exact(arrow_type.value_type)
    return bool(_is_text(arrow_type) or types.is_integer(arrow_type) or types.is_boolean(arrow_type)
                or types.is_null(arrow_type))


def _converted(records: list[dict[str, Any]], names: Sequence[str] | None, record_class: type[AnyEvent] | None,
               exact: bool) -> list[AnyEvent | None]:
    """The event of each row as msgspec converts its fields into its record class (one call for
    the whole group when every row converts), `data` set as the reader sets a line's; or None
    for a row to read as its line: one no class takes, one conversion refuses, or one whose
    `data` is no object or may not read back unchanged from JSON (`exact`).
    """
    if record_class is None:
        return [None] * len(records)
    if names is not None and "data" not in names and _CONTRACT.issuperset(names):
        fields: list[dict[str, Any] | None] = list(records)  # the contract's fields only, every row
    else:
        fields = [_fields(record, exact) for record in records]
    chosen = [taken for taken in fields if taken is not None]
    try:
        converted: list[AnyEvent | None] = msgspec.convert(chosen, list[record_class])  # type: ignore[valid-type]
    except msgspec.ValidationError:
        converted = [_convert_one(taken, record_class) for taken in chosen]
    if len(chosen) < len(fields):
        taken_in_turn = iter(converted)
        converted = [None if taken is None else next(taken_in_turn) for taken in fields]
    if names is None or "data" in names:
        for record, event in zip(records, converted, strict=True):
            data = record.get("data")
            if data and event is not None:
                force_setattr(event, "data", MappingProxyType(data))
    return converted


def _fields(record: dict[str, Any], exact: bool) -> dict[str, Any] | None:
    """What of a row its record class is given: the contract's fields but `data`, which is set
    afterwards (`_converted`); None when its `data` must be read from the line."""
    data = record.get("data")
    if data is not None and (not exact or type(data) is not dict):
        return None
    return {name: value for name, value in record.items() if name in _CONTRACT and name != "data"}


def _convert_one(fields: dict[str, Any], record_class: type[AnyEvent]) -> AnyEvent | None:
    try:
        return msgspec.convert(fields, record_class)
    except msgspec.ValidationError:
        return None


def write_events(lines: Sequence[bytes] | Iterator[bytes], path: str) -> None:
    """Write JSON event lines as a Parquet file (`data` as JSON text): for tests and conversions."""
    pyarrow, parquet = pyarrow_modules()
    records = []
    for line in lines:
        if not line.strip() or line.lstrip().startswith(b"#"):
            continue
        record = orjson.loads(line)
        if "data" in record:
            record["data"] = orjson.dumps(record["data"]).decode()
        records.append(record)
    keys = list(dict.fromkeys(key for record in records for key in record))
    parquet.write_table(pyarrow.table({key: [record.get(key) for record in records] for key in keys}), path)
