"""What can still be read from the raw text of an event line: top-level keys and nesting.

A line that does not parse still says, most of the time, which interaction it
belongs to, and a diagnostic wants the column of a field's key. Both must be the
line's own top-level keys, never text that only looks like one inside `data`: a
broken line of interaction A whose `data` quotes `"interaction":"B"` belongs to A.

The text is followed token by token (strings and brackets, found by regular
expressions; inside nested values, whole runs of strings and other text are skipped
at once), so every function here is linear in the length of the line and never
recursive, however deep the line nests. A key is trusted only as far as a JSON
parser agrees: the line up to that key's value, closed with `}`, must parse.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import orjson

#: a whole JSON string, escapes and all; possessive (`*+`), so that neither a string cut
#: short nor a long run of them makes the matcher backtrack or keep state
_JSON_STRING = rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"'
#: a JSON string or a bracket
_TOKEN = re.compile(_JSON_STRING + rb'|[][{}]', re.DOTALL)
#: everything up to the next bracket that is not inside a string
_FILLER = re.compile(rb'(?:' + _JSON_STRING + rb'|[^][{}"]++)*+', re.DOTALL)
_STRING = re.compile(_JSON_STRING, re.DOTALL)
_COLON = re.compile(rb"\s*:\s*")
_OPENING = frozenset(b"{[")
_QUOTE = ord('"')


def top_level_keys(raw: bytes) -> Iterator[tuple[bytes, int, int]]:
    """Each key of the line's outermost object, as far as the text can be followed:
    the key as written (quotes included), where it starts and where its value starts."""
    depth = at = 0
    while True:
        if depth == 1:
            token = _TOKEN.search(raw, at)
            if token is None:
                return
            at = token.end()
            bracket: int | None = raw[token.start()]
            if bracket == _QUOTE:
                colon = _COLON.match(raw, at)
                if colon is not None:
                    yield token.group(), token.start(), colon.end()
                continue
        else:
            bracket, at = _next_bracket(raw, at)
            if bracket is None:
                return
        depth += 1 if bracket in _OPENING else -1


def key_text(written: bytes) -> str | None:
    """A key as JSON reads it (escapes resolved), or None if it does not read."""
    if b"\\" not in written:
        return written[1:-1].decode("utf-8", "replace")
    try:
        text = orjson.loads(written)
    except orjson.JSONDecodeError:
        return None
    return text if type(text) is str else None


def top_level_string(raw: bytes, name: str) -> str | None:
    """The string value of the top-level key `name` of a line that may not parse, or None.

    None whenever there is doubt: no such key, a value that is not a whole string,
    a line that does not parse up to that value, or the key written twice.
    """
    value = None
    for written, _, value_at in top_level_keys(raw):
        if key_text(written) != name:
            continue
        if value is not None:
            return None  # twice: which one a parser would keep is anybody's guess
        string = _STRING.match(raw, value_at)
        if string is None:
            return None
        try:  # bytes that are not UTF-8 read as U+FFFD, as the plain id of such a line always has
            record = orjson.loads((raw[:string.end()] + b"}").decode("utf-8", "replace"))
        except orjson.JSONDecodeError:
            return None
        value = record.get(name) if type(record) is dict else None
        if type(value) is not str:
            return None
    return value or None


def key_offset(raw: bytes, name: str) -> int | None:
    """Where the top-level key `name` starts in a line, or None if it has no such key.

    The usual line takes the short cut: the first `"name":` in the text, with no
    bracket before it but the line's opening brace and no backslash right before it,
    can only be the top-level key (a quote inside a JSON string is escaped); and with
    no such text and no `\\u` escape, there is no such key.
    """
    written = f'"{name}"'.encode()
    found = re.search(re.escape(written) + rb"\s*:", raw)
    if found is None:
        if not has_unicode_escape(raw):
            return None  # nowhere, not even spelled with escapes
    else:
        start = found.start()
        opening = raw.find(b"{")
        if (0 <= opening < start and raw.find(b"{", opening + 1, start) < 0 and raw.find(b"[", 0, start) < 0
                and raw[start - 1:start] != b"\\"):
            return start
    for key, key_start, _ in top_level_keys(raw):
        if key == written or (b"\\" in key and key_text(key) == name):
            return key_start
    return None


def too_deep(raw: bytes, most: int) -> int | None:
    """Where a line nests deeper than `most` levels (the offset of the bracket that goes
    one level too far), or None. Lines too short or with too few brackets to nest that
    deep are let through at the cost of a length test or two counts."""
    if len(raw) <= most or raw.count(b"{") + raw.count(b"[") <= most:
        return None
    depth = at = 0
    while True:
        bracket, at = _next_bracket(raw, at)
        if bracket is None:
            return None
        if bracket in _OPENING:
            depth += 1
            if depth > most:
                return at - 1
        else:
            depth -= 1


def _next_bracket(raw: bytes, at: int) -> tuple[int | None, int]:
    """The next bracket from `at` outside strings, and where the text goes on after it;
    None at the end of the line or of the text that can be followed (a string cut short)."""
    filler = _FILLER.match(raw, at)  # it matches the empty string too
    at = at if filler is None else filler.end()
    if at >= len(raw) or raw[at] == _QUOTE:
        return None, at
    return raw[at], at + 1


def has_unicode_escape(text: bytes) -> bool:
    """Whether `text` holds a `\\u` escape: the one way JSON can spell a key such as
    "interaction" other than plainly. Backslashes are found with `find` (memchr),
    which is fast where `in` with two bytes is not."""
    at = text.find(b"\\")
    while at >= 0:
        if text[at + 1:at + 2] == b"u":
            return True
        at = text.find(b"\\", at + 2)
    return False
