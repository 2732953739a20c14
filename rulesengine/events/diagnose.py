"""The diagnostic pass: every problem of an event line, read off the contract's record classes.

msgspec holds a line to the record classes of `rulesengine.events.contract` in one
pass, and stops at its first problem. A line it refuses comes here, read by orjson
into a dict, and is held to the same classes field by field, so that each of its
problems is told with its own code (E102 to E107), field and message. Nothing here
says what a field may hold: `msgspec.inspect` reads it from the classes, once, at
import. Only the wording is this module's (the hints, and what a misplaced kind is
called).

A field is checked wherever it appears, with the widest of its types among the event
types (its words, for an enumeration, are those of all of them), because the contract
type-checks known fields on every event; its own event type's narrower type then
decides whether it fits there (E107).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import attrs
import msgspec
import orjson
from msgspec import inspect as schema

from rulesengine.diagnostics import did_you_mean
from rulesengine.events.contract import (
    EVENT_TYPES,
    INTENTS,
    KINDS,
    READER_FIELDS,
    RECORDS,
    TAG,
    Event,
)
from rulesengine.events.rfc3339 import timestamp_ms

TS_HINT = "write RFC 3339 with a zone, e.g. 2026-03-02T10:00:07.250Z or 2026-03-02T11:00:07+01:00"
#: the tag: which record class a line is

#: what to write when a field is missing
_MISSING_HINTS = {
    "interaction": "every event names its interaction",
    "seq": "every event has its order inside the interaction",
    "ts": TS_HINT,
    TAG: "one of: " + ", ".join(EVENT_TYPES),
    "media": 'say what the interaction is, e.g. "media": "chat"',
    "party": "name the participation this event belongs to",
    "kind": "the first event of a party says what it is: " + ", ".join(KINDS),
    "resource": "the first event of a party names the agent, queue, strategy or workbin",
    "by": "name the party that invited this agent",
    "intent": "say why the agent is invited: " + ", ".join(INTENTS),
}
#: per event type, what a party of a kind that does not fit it cannot do, and what to do instead
_MISFITS = {
    "party.invited": ("cannot be invited", "queues, strategies and workbins arrive with party.entered"),
    "party.entered": ("cannot enter", "agents arrive with party.invited"),
}


@attrs.frozen
class Problem:
    """One problem of a line: its code, the field it is about, what is wrong, what to do."""

    code: str
    field: str
    message: str
    hint: str | None = None


@attrs.frozen
class _Field:
    """What one field may hold on any event type: its type, then its words or its format."""

    name: str
    #: the type, as the E103 message names it
    expected: str
    holds: Callable[[Any], bool]
    #: an enumeration's words (E104)
    words: frozenset[str] = frozenset()
    #: a string's format (E105): only timestamps have one
    format: str | None = None
    #: whether it holds a string (their problems are told before the other fields')
    is_text: bool = True
    #: whether a value of the right type is one of the words, or has the format (None: any does)
    fits: Callable[[Any], bool] | None = attrs.field(init=False)

    @fits.default
    def _fits(self) -> Callable[[Any], bool] | None:
        if self.words:
            return self.words.__contains__
        if self.format is not None:
            return _is_timestamp
        return None

    def type_problem(self, value: object) -> Problem:
        shown = orjson.dumps(value).decode()
        if len(shown) > 40:
            shown = shown[:37] + "..."
        return Problem("E103", self.name, f"field '{self.name}' must be {self.expected}, not {shown}")

    def value_problem(self, value: str) -> Problem:
        if self.words:
            hint = did_you_mean(value, self.words) or "one of: " + ", ".join(sorted(self.words))
            return Problem("E104", self.name, f"unknown {self.name} '{value}'", hint)
        return Problem("E105", self.name, f"'{self.name}' is not an {self.format} timestamp: {value!r}", TS_HINT)


def _is_timestamp(value: str) -> bool:
    return timestamp_ms(value) is not None


@attrs.frozen
class _EventType:
    """What one event type asks beyond what every event has."""

    name: str
    #: its required fields, in the order they are declared
    required: tuple[str, ...]
    #: its enumerations narrower than the field's, with their words here
    narrowed: tuple[tuple[str, frozenset[str]], ...]


def _bare(info: schema.Type) -> schema.Type:
    """A field's type without its `| None`."""
    if isinstance(info, schema.UnionType):
        (info,) = (member for member in info.types if not isinstance(member, schema.NoneType))
    return info


def _field(name: str, types: list[schema.Type]) -> _Field:
    """The rule of a field from its types on every event type that has it."""
    first = types[0]
    if all(isinstance(info, schema.LiteralType) for info in types):
        return _Field(name, "a non-empty string", _is_word, frozenset().union(*(_words(info) for info in types)))
    if any(info != first for info in types):
        raise TypeError(f"field '{name}' has different types on different event types")
    if isinstance(first, schema.Metadata) and first.extra is not None:
        text, spelling = _field(name, [first.type]), first.extra["format"]
        return attrs.evolve(text, expected=f"an {spelling} string", format=spelling)
    if isinstance(first, schema.StrType):
        if first.min_length == 1:
            return _Field(name, "a non-empty string", _is_word)
        return _Field(name, "a string", _is_string)
    if isinstance(first, schema.IntType) and first.ge is not None:
        least = first.ge  # not `le`: see `contract.Seq`
        return _Field(name, f"an integer >= {least}", lambda value: type(value) is int and value >= least,
                      is_text=False)
    if isinstance(first, schema.DictType):
        return _Field(name, "a JSON object", lambda value: type(value) is dict, is_text=False)
    raise TypeError(f"field '{name}': no rule for {first}")


def _words(info: schema.Type) -> frozenset[str]:
    """The words of an enumeration's type; none for any other type."""
    if not isinstance(info, schema.LiteralType):
        return frozenset()
    return frozenset(str(value) for value in info.values)


def _is_word(value: object) -> bool:
    return type(value) is str and value != ""


def _is_string(value: object) -> bool:
    return type(value) is str


def _declared(record: type[msgspec.Struct]) -> list[str]:
    """A record's field names in the order they are declared, a base class's first; a field
    declared again counts where it was declared last."""
    order: dict[str, None] = {}
    for klass in reversed(record.__mro__):
        for name in inspect.get_annotations(klass):
            order.pop(name, None)
            order[name] = None
    return [name for name in order if name in record.__struct_fields__]


def _schema() -> tuple[dict[str, _Field], tuple[str, ...], dict[str, _EventType]]:
    """Every field's rule, the fields every event has, and each event type's own asks."""
    infos = [info for info in schema.multi_type_info(RECORDS) if isinstance(info, schema.StructType)]
    types: dict[str, list[schema.Type]] = {}
    for info in infos:
        for field in info.fields:
            if field.name not in READER_FIELDS:
                types.setdefault(field.name, []).append(_bare(field.type))
    fields = {name: _field(name, found) for name, found in types.items()}
    common = tuple(name for name in _declared(Event) if all(
        field.required for info in infos for field in info.fields if field.name == name))
    events = {}
    for info in infos:
        own = {field.name: field for field in info.fields}
        narrowed = tuple((name, _words(_bare(field.type))) for name, field in own.items()
                         if name in fields and _words(_bare(field.type)) not in (frozenset(), fields[name].words))
        required = tuple(name for name in _declared(info.cls) if own[name].required and name not in common)
        events[str(info.tag)] = _EventType(str(info.tag), required, narrowed)
    return fields, common, events


_FIELDS, COMMON, _EVENT_TYPES = _schema()
#: what every event has, the tag last
_EVERY_EVENT = (*(_FIELDS[name] for name in COMMON), _Field(TAG, "a string", _is_string, frozenset(EVENT_TYPES)))
#: the fields an event may have besides, in the order their problems are told (what users
#: have always read): the strings' types, then their words, then the other fields' types
_TOLD = ("party", "kind", "resource", "by", "intent", "visibility", "reason", "media", "data")
if set(_TOLD) != set(_FIELDS) - set(COMMON):
    raise TypeError(f"the order of the fields' problems names {_TOLD}, not those of the record classes")
_TEXTS = tuple(_FIELDS[name] for name in _TOLD if _FIELDS[name].is_text)
_NOT_TEXTS = tuple(_FIELDS[name] for name in _TOLD if not _FIELDS[name].is_text)


def problems(record: Mapping[str, Any]) -> list[Problem]:
    """Every problem of an event line read as a JSON object; none when it is a valid event.

    In the order they are told: what every event has (`interaction`, `seq`, `ts`,
    then `event`); the type of every other string field of the contract the line has;
    their words; the type of its other fields (`data`); what the line's event type
    asks. A field set to null counts as absent. Every line the decoder refuses comes
    here, valid or not, so a valid line takes one plain test per field.
    """
    found: list[Problem] = []
    for field in _EVERY_EVENT:
        value = record.get(field.name)
        if value is None:
            found.append(Problem("E102", field.name, f"missing field '{field.name}'", _MISSING_HINTS[field.name]))
        elif not field.holds(value):
            found.append(field.type_problem(value))
        elif field.fits is not None and not field.fits(value):
            found.append(field.value_problem(value))
    unknown_words = []
    for field in _TEXTS:
        value = record.get(field.name)
        if value is None:
            continue
        if not field.holds(value):
            found.append(field.type_problem(value))
        elif field.fits is not None and not field.fits(value):
            unknown_words.append(field.value_problem(value))
    found += unknown_words
    for field in _NOT_TEXTS:
        value = record.get(field.name)
        if value is not None and not field.holds(value):
            found.append(field.type_problem(value))
    tag = record.get(TAG)
    event_type = _EVENT_TYPES.get(tag) if type(tag) is str else None
    if event_type is not None:
        found.extend(_event_type_problems(record, event_type))
    return found


def _event_type_problems(record: Mapping[str, Any], event_type: _EventType) -> Iterator[Problem]:
    name = event_type.name
    for field in event_type.required:
        if record.get(field) is None:
            yield Problem("E102", field, f"missing field '{field}' on {name}", _MISSING_HINTS[field])
    for field, words in event_type.narrowed:
        value = record.get(field)
        if _is_word(value) and value in _FIELDS[field].words and value not in words:
            cannot, hint = _MISFITS[name]
            article = "an" if value[0] in "aeiou" else "a"
            yield Problem("E107", field, f"{article} {value} party {cannot}", hint)
