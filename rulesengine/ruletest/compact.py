"""Compact event lines ↔ contract events.

A compact line is a time offset from the interaction's start and the few words that
matter (`+2s a1 invited agent Agent1 by s1 intent route`). `records` turns a case's
lines into contract records (`interaction`, `seq` and `ts` filled in, party ids put
under the interaction's id) for the event stage to read like any file's lines;
`compact_lines` writes events back in the compact form.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence

import attrs
import orjson

from rulesengine.diagnostics import Diagnostic, did_you_mean, error
from rulesengine.events.read import timestamp_ms
from rulesengine.language.vocabulary import parse_duration
from rulesengine.ruletest.cases import BAD_DATA, BAD_EVENT_WORDS, BAD_TIME, UNKNOWN_EVENT, EventLine, Word

#: when the first event happens, unless a case says `start`
DEFAULT_START = "2026-03-02T10:00:00Z"
#: party events by the verb a compact line uses
VERBS = {"entered": "party.entered", "invited": "party.invited", "accepted": "party.accepted",
         "rejected": "party.rejected", "revoked": "party.revoked", "held": "party.held",
         "retrieved": "party.retrieved", "left": "party.left"}
#: the events a compact line names without a party
BARE = {"created": "interaction.created", "ended": "interaction.ended", "customer left": "customer.left"}
#: the verbs followed by the party's kind and resource, each with an example
_FIRST = {"entered": "q1 entered queue Chat_In", "invited": "a1 invited agent Agent1"}
#: the fields written as `KEY VALUE` after the event
KEYS = ("by", "intent", "visibility", "reason", "media")
_WHAT = "created [MEDIA], ended, customer left, or PARTY " + "|".join(VERBS)
_SECONDS = re.compile(r"([0-9]{1,12})\.([0-9]{1,3})s")
_PLAIN = re.compile(r'[^\s#"{}+][^\s#"{}]*')
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def offset_ms(text: str) -> int | None:
    """`+0s`, `+90s`, `+1.5s`, `+1m30s`, `+250ms` → milliseconds; None if it is not an offset."""
    if not text.startswith("+"):
        return None
    fraction = _SECONDS.fullmatch(text[1:])
    if fraction:
        whole, part = fraction.groups()
        return int(whole) * 1000 + int(part.ljust(3, "0"))
    return parse_duration(text[1:])


def written_offset(ms: int) -> str:
    """The offset as `offset_ms` reads it: `+45s`, `+4m10s`, `+1.25s`."""
    seconds, part = divmod(ms, 1000)
    if part:
        return f"+{seconds}.{part:03d}".rstrip("0") + "s"
    minutes, seconds = divmod(seconds, 60)
    if not minutes:
        return f"+{seconds}s"
    return f"+{minutes}m" + (f"{seconds}s" if seconds else "")


def timestamp(ms: int, *, millis: bool) -> str:
    """RFC 3339 UTC; with `millis` always three digits of fraction, otherwise only when needed."""
    moment = _EPOCH + datetime.timedelta(milliseconds=ms)
    whole = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{whole}.{ms % 1000:03d}Z" if millis or ms % 1000 else f"{whole}Z"


@attrs.frozen
class Made:
    """The contract record a compact line makes, and the word that wrote each of its fields."""

    line: EventLine
    record: dict
    places: Mapping[str, Word]


def records(lines: Sequence[EventLine], interaction: str, start: Word | None,
            ) -> tuple[list[Made], list[Diagnostic]]:
    """Each line's contract record, in line order (`seq` 1, 2...), or what is wrong with the lines."""
    problems: list[Diagnostic] = []
    begin_text = start.text if start else DEFAULT_START
    begin = timestamp_ms(begin_text)
    if begin is None and start is not None:
        problems.append(error(BAD_TIME, f"bad start time {start.text!r}", start.position,
                              hint=f"write RFC 3339 with a zone, e.g. {DEFAULT_START}"))
    made = []
    for seq, line in enumerate(lines, start=1):
        ms = offset_ms(line.offset.text)
        if ms is None:
            problems.append(_problem(BAD_TIME, f"bad time {line.offset.text!r}", line.offset, line,
                                     "write the time since the first event: +0s, +90s, +1.5s, +1m30s, +250ms"))
            continue
        places: dict[str, Word] = {"interaction": line.offset, "seq": line.offset, "ts": line.offset}
        fields, found = _fields(line, interaction, places)
        problems += found
        if found or begin is None:
            continue
        record = {"interaction": interaction, "seq": seq,
                  "ts": timestamp(begin + ms, millis="." in begin_text), **fields}
        made.append(Made(line, record, places))
    return made, problems


def _fields(line: EventLine, interaction: str, places: dict[str, Word]) -> tuple[dict, list[Diagnostic]]:
    """The fields a line's words give (`event`, `party`...), or its problems; `places` gets the
    word that wrote each field."""
    words = list(line.words)
    texts = [word.text for word in words]
    fields: dict[str, object] = {}
    if not words:
        return {}, [_problem(UNKNOWN_EVENT, f"missing event after the time: an event line is +TIME {_WHAT}",
                             line.offset, line, None)]
    places["event"] = words[0]
    if texts[:2] == ["customer", "left"]:
        fields["event"], rest = BARE["customer left"], words[2:]
    elif texts[:1] in (["created"], ["ended"]):
        fields["event"], rest = BARE[texts[0]], words[1:]
        if texts[0] == "created" and rest and rest[0].text not in KEYS:
            fields["media"], places["media"], rest = rest[0].text, rest[0], rest[1:]
    elif len(words) >= 2 and texts[1] in VERBS:
        fields["event"], fields["party"] = VERBS[texts[1]], _party(texts[0], interaction)
        places["event"], places["party"] = words[1], words[0]
        rest = words[2:]
        if texts[1] in _FIRST:
            if len(rest) < 2:
                where = rest[0] if rest else words[1]
                return {}, [_problem(BAD_EVENT_WORDS, f"'{texts[1]}' needs the party's kind and resource",
                                     where, line, f"write PARTY {texts[1]} KIND RESOURCE, "
                                                  f"e.g. {_FIRST[texts[1]]}")]
            fields["kind"], fields["resource"] = rest[0].text, rest[1].text
            places["kind"], places["resource"], rest = rest[0], rest[1], rest[2:]
    else:
        blamed = words[1] if len(words) > 1 and did_you_mean(texts[1], VERBS) else words[0]
        hint = did_you_mean(blamed.text, [*VERBS, "created", "ended", "customer"])
        return {}, [_problem(UNKNOWN_EVENT, f"unknown event {blamed.text!r}: an event line is +TIME {_WHAT}",
                             blamed, line, hint)]
    problems = _options(rest, fields, places, interaction, line)
    if line.data is not None:
        places["data"] = line.data
        problems += _data(line, fields)
    return fields, problems


def _options(rest: list[Word], fields: dict, places: dict[str, Word], interaction: str,
             line: EventLine) -> list[Diagnostic]:
    """`KEY VALUE` pairs after the event into `fields`."""
    for index in range(0, len(rest), 2):
        key = rest[index]
        if key.text not in KEYS:
            hint = did_you_mean(key.text, KEYS) or f"after the event come {', '.join(KEYS)} with a value each"
            return [_problem(BAD_EVENT_WORDS, f"unknown word {key.text!r}", key, line, hint)]
        if index + 1 == len(rest):
            return [_problem(BAD_EVENT_WORDS, f"missing value after {key.text!r}", key, line,
                             f"write {key.text} VALUE")]
        value = rest[index + 1].text
        fields[key.text] = _party(value, interaction) if key.text == "by" else value
        places[key.text] = rest[index + 1]
    return []


def _data(line: EventLine, fields: dict) -> list[Diagnostic]:
    assert line.data is not None
    try:
        data = orjson.loads(line.data.text)
    except orjson.JSONDecodeError as problem:
        return [_problem(BAD_DATA, f"attached data is not JSON: {problem}", line.data, line,
                         'write a JSON object, e.g. {"flow": "c03"}')]
    if not isinstance(data, dict):
        return [_problem(BAD_DATA, "attached data must be a JSON object", line.data, line,
                         'write a JSON object, e.g. {"flow": "c03"}')]
    fields["data"] = data
    return []


def _party(name: str, interaction: str) -> str:
    """A party id as the events carry it: the interaction's id, a dot, the short id."""
    return name if name.startswith(f"{interaction}.") else f"{interaction}.{name}"


def _problem(code: str, message: str, word: Word, line: EventLine, hint: str | None) -> Diagnostic:
    return error(code, message, word.position, source_line=line.source_line, hint=hint)


# ---- events → compact lines ---------------------------------------------------------------

def compact_lines(events: Sequence[Mapping]) -> tuple[str, str, list[str]]:
    """One interaction's contract records, in `seq` order, as compact lines: the interaction
    id, the first event's time (the case's `start`) and one line per event.

    `seq` is not written: the lines number their events 1, 2... again, so events whose
    `seq` runs otherwise read back with new numbers. Fields outside the contract are left
    out. Raises ValueError for a word the compact form cannot write (a `"` in a name).
    """
    interaction, first = events[0]["interaction"], events[0]["ts"]
    begin = timestamp_ms(first)
    if begin is None:
        raise ValueError(f"not a timestamp: {first!r}")
    lines = []
    for event in events:
        ms = timestamp_ms(event["ts"])
        if ms is None:
            raise ValueError(f"not a timestamp: {event['ts']!r}")
        words = [written_offset(ms - begin), *_event_words(event, interaction)]
        for key in KEYS:
            if key in event and not (key == "media" and event["event"] == BARE["created"]):
                words += [key, _short(event[key], interaction) if key == "by" else _word(event[key])]
        if event.get("data"):
            words.append(orjson.dumps(event["data"]).decode())
        lines.append(" ".join(words))
    return interaction, first, lines


def _event_words(event: Mapping, interaction: str) -> list[str]:
    kind = event["event"]
    if kind == BARE["created"]:
        return ["created", *([_word(event["media"])] if "media" in event else [])]
    bare = {value: key for key, value in BARE.items()}
    if kind in bare:
        return [bare[kind]]
    verb = {value: key for key, value in VERBS.items()}[kind]
    words = [_short(event["party"], interaction), verb]
    if verb in _FIRST:
        words += [_word(event["kind"]), _word(event["resource"])]
    return words


def _short(party: str, interaction: str) -> str:
    """The party id a line writes: without the interaction's id, which reading puts back."""
    if not party.startswith(f"{interaction}."):
        raise ValueError(f"party {party!r} is not named after its interaction {interaction!r}")
    return _word(party.removeprefix(f"{interaction}."))


def _word(text: str) -> str:
    """A word as a line writes it: bare when it can be, else quoted."""
    if _PLAIN.fullmatch(text):
        return text
    if '"' in text or "\n" in text or "\r" in text:
        raise ValueError(f"{text!r} cannot be written in the compact form")
    return f'"{text}"'
