"""One text of each class the rules' tests of a text tell apart: equality with constants, globs.

Rules test a party's `resource` (or a reason, an attached value) only by comparing it with
constants and by matching it against globs (`matches "VQ_*"`). Two texts that agree on every
such test are alike to the rules, so trying one text of each class is trying every text. A
constant is the only member of its class; the other classes are the sets of texts that match
some globs and no others, and are found by walking the globs together, one character at a
time: each glob a set of positions in its pattern (the usual simulation of a glob as an
automaton), the walk breadth-first from the empty text, over one character of each range
of characters the patterns cannot tell apart. The first text that reaches a combination of
globs matched is its class's member: the shortest one. Globs are read as `fnmatch` reads
them, which is how rules match them.
"""

from __future__ import annotations

import fnmatch
import re
import sys
from collections import deque
from collections.abc import Callable, Iterable, Sequence

import attrs

#: how many combinations of glob positions the walk visits at most, for one kind of text:
#: past it the classes found are incomplete, and the analysis says it did not finish
MAX_STATES = 20_000
#: the text tried for texts that match no glob and equal no constant, when it is one
OTHER = "other"

#: one character of a glob: `*` (None, any run), or a test of one character
_Token = Callable[[str], bool] | None
#: where each glob stands after some text: the positions of its pattern it may be at
_State = tuple[frozenset[int], ...]


@attrs.frozen
class TextClasses:
    """One text of each class (the constants first, in order, then one member of each other
    class, the one matching no glob last), and whether every class was found."""

    values: tuple[object, ...]
    complete: bool = True


def text_classes(constants: Iterable[object], globs: Iterable[str], states: int | None = None, *,
                 empty: bool = False) -> TextClasses:
    """The classes of texts that `constants` (compared by equality; other values than texts are
    classes of their own) and `globs` (matched) tell apart, walking at most `states` (by default
    `MAX_STATES`) combinations of glob positions; the empty text among them when `empty` (an
    attached value may be empty, a resource or a reason may not). With neither constants nor
    globs, one class: any text."""
    named = sorted({(type(value).__name__, value): value for value in constants}.values(),
                   key=lambda value: (type(value).__name__, str(value)))  # True and 1 apart, as rules keep them
    patterns = sorted(set(globs))
    texts = [value for value in named if type(value) is str]
    read = [_tokens(pattern) for pattern in patterns]
    tests: list[list[_Token]] = [[_literal(char) for char in text] for text in texts]
    tests += [tokens for tokens, _ in read]
    members, complete = _members(tests, _alphabet([*texts, *(named for _, named in read)]), len(texts),
                                 MAX_STATES if states is None else states, empty)
    nothing = (False,) * len(patterns)
    if OTHER not in texts and _matched(tests, OTHER)[len(texts):] == nothing:
        members[nothing] = OTHER  # a plainer member than the walk's first, the same class
    others = [members[matched] for matched in sorted(members, reverse=True)]
    return TextClasses((*named, *others), complete)


def _members(tests: list[list[_Token]], alphabet: Sequence[str], constants: int, limit: int, empty: bool,
             ) -> tuple[dict[tuple[bool, ...], str], bool]:
    """The shortest text of each combination of globs matched by texts equal to no constant
    (the first `constants` tests are the constants'), and whether the walk went everywhere.
    Unless `empty`, the empty text is no member, so it is not counted as seen: a text that
    comes back to where the empty one stood is a member of its own."""
    seen: set[_State] = set()
    waiting = deque([(tuple(_closure(test, {0}) for test in tests), "")])
    members: dict[tuple[bool, ...], str] = {}
    while waiting:
        state, text = waiting.popleft()
        matched = tuple(len(test) in at for test, at in zip(tests, state, strict=True))
        if (text or empty) and not any(matched[:constants]):
            members.setdefault(matched[constants:], text)
        for char in alphabet:
            after = tuple(_step(test, at, char) for test, at in zip(tests, state, strict=True))
            if after not in seen:
                if len(seen) >= limit:
                    return members, False
                seen.add(after)
                waiting.append((after, text + char))
    return members, True


def _matched(tests: list[list[_Token]], text: str) -> tuple[bool, ...]:
    """Which tests `text` passes, by the same walk."""
    state = tuple(_closure(test, {0}) for test in tests)
    for char in text:
        state = tuple(_step(test, at, char) for test, at in zip(tests, state, strict=True))
    return tuple(len(test) in at for test, at in zip(tests, state, strict=True))


def _step(test: list[_Token], at: frozenset[int], char: str) -> frozenset[int]:
    """Where a glob may stand after one more character."""
    reached = set()
    for position in at:
        if position == len(test):
            continue
        token = test[position]
        if token is None:
            reached.add(position)
        elif token(char):
            reached.add(position + 1)
    return _closure(test, reached)


def _closure(test: list[_Token], positions: set[int]) -> frozenset[int]:
    """Positions and those after each `*` among them (a `*` may match nothing)."""
    found = set(positions)
    for position in positions:
        after = position
        while after < len(test) and test[after] is None:
            after += 1
            found.add(after)
    return frozenset(found)


def _literal(char: str) -> Callable[[str], bool]:
    return char.__eq__


def _tokens(pattern: str) -> tuple[list[_Token], str]:
    """A glob's characters as `fnmatch.translate` reads them: `*`, `?`, a bracketed set (its
    membership asked of `fnmatch` itself), any other character as itself; and the characters
    it names (those it matches as themselves, and those of its brackets)."""
    tokens: list[_Token] = []
    named = []
    at, size = 0, len(pattern)
    while at < size:
        char = pattern[at]
        at += 1
        if char == "*":
            if not tokens or tokens[-1] is not None:
                tokens.append(None)
        elif char == "?":
            tokens.append(_any)
        elif char == "[" and (end := _bracket_end(pattern, at)) is not None:
            tokens.append(re.compile(fnmatch.translate(pattern[at - 1:end + 1])).fullmatch)  # type: ignore[arg-type]
            named.append(pattern[at - 1:end + 1])
            at = end + 1
        else:
            tokens.append(_literal(char))
            named.append(char)
    return tokens, "".join(named)


def _any(char: str) -> bool:
    return True


def _bracket_end(pattern: str, at: int) -> int | None:
    """Where the `]` that closes a bracket opened just before `at` is, as `fnmatch` finds it;
    None when there is none (the `[` is then a character of its own)."""
    end = at
    if end < len(pattern) and pattern[end] == "!":
        end += 1
    if end < len(pattern) and pattern[end] == "]":
        end += 1
    while end < len(pattern) and pattern[end] != "]":
        end += 1
    return end if end < len(pattern) else None


def _alphabet(named: Sequence[str]) -> list[str]:
    """One character of each range of characters that no constant or glob tells apart, given
    the characters each of them names.

    A character named, or that bounds a range in brackets, starts a range, and so does the
    one after it; between two such starts every character passes the same tests.
    Each range is stood for by a plain character of it when it has one (a letter or digit,
    else something printable), and a range of surrogates, which no valid text holds, by none.
    """
    starts = {0}
    for text in named:
        for char in text:
            starts |= {ord(char), ord(char) + 1}
    bounds = sorted(start for start in starts if start <= sys.maxunicode)
    chars = []
    for start, end in zip(bounds, [*bounds[1:], sys.maxunicode + 1], strict=True):
        plain = _plain_in(start, end)
        if plain is not None:
            chars.append(plain)
    return chars


def _plain_in(start: int, end: int) -> str | None:
    """A character from `start` up to `end` (excluded): the first ASCII letter or digit, else
    the first printable one, else the first that is no surrogate; None when all are surrogates."""
    for wanted in (lambda char: char.isascii() and char.isalnum(), str.isprintable):
        for code in range(start, min(end, start + 0x800)):
            char = chr(code)
            if not 0xD800 <= code <= 0xDFFF and wanted(char):
                return char
    first = max(start, 0xE000) if 0xD800 <= start <= 0xDFFF else start
    return chr(first) if first < end else None
