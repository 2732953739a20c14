"""Syntax errors in the author's words.

Lark says which token it did not expect and in which parser state. We keep a family
of known mistakes, each a few short broken snippets; `UnexpectedInput.match_examples`
finds the family whose parser state matches the real error, so the message says
"missing `set` before the outcome" instead of listing grammar terminals. Anything
not in the family falls back to "expected one of ..." in readable names.
"""

from __future__ import annotations

import functools

from lark import Lark
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from rulesengine.diagnostics import Diagnostic, Position, did_you_mean, error

SYNTAX = "R001"
UNKNOWN_KEYWORD = "unknown keyword"

#: message → (hint, snippets that make that mistake)
MISTAKES: dict[str, tuple[str, tuple[str, ...]]] = {
    UNKNOWN_KEYWORD: (
        ("a rule's clauses are: for, match, when, set, priority (in that order); a file holds "
         "`vocabulary`, `extend vocabulary`, `param`, `rule` and `override rule`"),
        ('rul a "d" for agent set role A',
         'rule a "d" for agent whenever x set role A',
         'rule a "d" for agent when x set role A prio 1',
         'rule a "d" for agent set role A reasn B',
         'rule a "d" for agent set role A, result B prio 1',
         'params a: int = 1',
         'vocab role: A'),
    ),
    "missing `set` before the outcome": (
        "a rule ends with `set role X` and/or `set result Y`",
        ('rule a "d" for agent when x role A',
         'rule a "d" for agent when x result A',
         'rule a "d" for agent match invited role A',
         'rule a "d" for agent role A',
         'rule a "d" for agent when x and y result A',
         'rule a "d" for agent when x == y role A',
         'rule a "d" for agent when x in (y) role A',
         'rule a "d" for agent when (x) role A'),
    ),
    "missing `set` clause: a rule must say what it decides": (
        "add `set role X` or `set result Y` after the conditions",
        ('rule a "d" for agent when x',
         'rule a "d" for agent match invited',
         'rule a "d" for agent',
         'rule a "d" for agent when x rule b "e" for agent set role A',
         'rule a "d" for agent when x priority 1'),
    ),
    "missing description: write a quoted sentence after the rule id": (
        'e.g. rule agent.completed "An agent who accepted and left normally"',
        ('rule a for agent set role A',
         'rule a.b for agent set role A',
         'rule a when x set role A',
         'rule a set role A'),
    ),
    "missing `for KIND` after the description": (
        "say which kind of party the rule is about: for agent, for queue, for strategy, for workbin",
        ('rule a "d" when x set role A',
         'rule a "d" match invited set role A',
         'rule a "d" set role A'),
    ),
    "`=` is not a comparison: use `==`": (
        "write `origin == route`",
        ('rule a "d" for agent when x = y set role A',
         'rule a "d" for agent when x and y = z set role A'),
    ),
    "unclosed parenthesis": (
        "every `(` needs a matching `)`",
        ('rule a "d" for agent when (x set role A',
         'rule a "d" for agent when (x and y set role A',
         'rule a "d" for agent when not (x or y set role A',
         'rule a "d" for agent when x in (a, b set role A',
         'rule a "d" for agent match (invited accepted set role A',
         'rule a "d" for agent match invited (accepted | left set role A',
         'rule a "d" for agent match revoked(reason: x set role A',
         'rule a "d" for agent when (x',
         'rule a "d" for agent when (x and y',
         'rule a "d" for agent when (x == y',
         'rule a "d" for agent when (x in (y)',
         'rule a "d" for agent when not (x == y',
         'rule a "d" for agent when x in (y',
         'rule a "d" for agent when x in (y, z',
         'rule a "d" for agent when (x == y set role A',
         'rule a "d" for agent when (x in (y) set role A',
         'rule a "d" for agent match (invited'),
    ),
    "missing comma between values": (
        "separate the values with commas: vocabulary role: A, B",
        ('vocabulary role: A B',
         'vocabulary role: A, B C',
         'rule a "d" for agent queue set role A',
         'rule a "d" for agent strategy set role A',
         'rule a "d" for agent workbin set role A',
         'rule a "d" for queue workbin set role A',
         'rule a "d" for queue strategy set role A'),
    ),
    "missing comma between outcomes": (
        "write `set role X, result Y`",
        ('rule a "d" for agent set role A result B',
         'rule a "d" for agent set role A reason C result B',
         'rule a "d" for agent when x set role A result B',
         'rule a "d" for agent match x set role A result B',
         'rule a "d" for agent when x set role A reason C result B'),
    ),
    "missing value after the slot": (
        "name the value to set: `set role RoutedTo`, `set result Completed reason Revoked`",
        ('rule a "d" for agent set role',
         'rule a "d" for agent set result',
         'rule a "d" for agent set role A reason',
         'rule a "d" for agent set role, result B',
         'rule a "d" for agent set A',
         'rule a "d" for agent set',
         'rule a "d" for agent when x set',
         'rule a "d" for agent when x set role',
         'rule a "d" for agent when x == y set role',
         'rule a "d" for agent match x set result',
         'rule a "d" for agent when x set priority 1'),
    ),
    "missing value after the comparison": (
        "compare a fact with a value, a parameter or a duration: `origin == route`, `alert >= 30s`",
        ('rule a "d" for agent when x ==',
         'rule a "d" for agent when x in () set role A'),
    ),
    "condition expected": (
        "a condition is a fact test such as `origin == route`, combined with and, or, not",
        ('rule a "d" for agent when set role A',
         'rule a "d" for agent when x and set role A',
         'rule a "d" for agent when x or set role A',
         'rule a "d" for agent when not set role A',
         'rule a "d" for agent when'),
    ),
    "`|` and `,` belong in patterns and lists, not in conditions: use `or`": (
        "write `origin == route or origin == pull`, or `origin in (route, pull)`",
        ('rule a "d" for agent when x | y set role A',
         'rule a "d" for agent when x, y set role A'),
    ),
    "pattern expected after `match`": (
        "a pattern names the party's steps in order: `match invited accepted left`",
        ('rule a "d" for agent match set role A',
         'rule a "d" for agent match when x set role A',
         'rule a "d" for agent match'),
    ),
    "steps in a pattern are separated by spaces, not commas": (
        "write `match invited accepted left`; use `|` for alternatives",
        ('rule a "d" for agent match invited, accepted set role A',),
    ),
    "attribute tests go right after the step name, without a space": (
        "write `revoked(reason: timeout)`",
        ('rule a "d" for agent match revoked (reason: x) set role A',
         'rule a "d" for agent match invited (intent: x, visibility: y) set role A'),
    ),
    "`priority` takes a whole number": (
        "write `priority 10`",
        ('rule a "d" for agent set role A priority high',
         'rule a "d" for agent set role A priority'),
    ),
    "a parameter needs a type and a default: `param NAME: TYPE = DEFAULT`": (
        'e.g. param delivering_timeout: duration = 30s "Interaction Server delivering-timeout"',
        ('param a = 1',
         'param a: duration 30s',
         'param a: duration =',
         'param a'),
    ),
}

#: lark terminal names → the author's words
TOKEN_WORDS = {
    "NAME": "a name", "STEP_CALL": "a step with attribute tests", "NUMBER": "a number or duration",
    "SIGNED_INT": "a whole number", "STRING": "a quoted string", "COMPARE": "a comparison (==, !=, <, ...)",
    "ROLE": "`role`", "RESULT": "`result`", "EXTEND": "`extend`", "OVERRIDE": "`override`", "$END": "end of file",
    "COMMA": "`,`", "COLON": "`:`", "LPAR": "`(`", "RPAR": "`)`", "VBAR": "`|`", "EQUAL": "`=`",
    "QMARK": "`?`", "STAR": "`*`", "PLUS": "`+`", "DOT": "`.`", "UNDERSCORE": "`_`",
}


@functools.cache
def _examples() -> dict[str, list[str]]:
    return {message: list(snippets) for message, (_, snippets) in MISTAKES.items()}


def syntax_diagnostic(exc: UnexpectedInput, text: str, path: str, parser: Lark) -> Diagnostic:
    """One R001 diagnostic for a lark error, placed on the last line when lark says EOF."""
    lines = text.splitlines()
    line, col = exc.line, exc.column
    if line is None or line < 1:
        line, col = _end_of_text(lines)
    source_line = lines[line - 1] if 0 < line <= len(lines) else ""
    position = Position(path, line, col)
    special = _character_mistake(exc, source_line, col)
    hint: str | None
    if special is not None:
        message, hint = special
    else:
        matched = _matching_mistake(exc, parser)
        hint = MISTAKES[matched][0] if matched else None
        if matched == UNKNOWN_KEYWORD and isinstance(exc, UnexpectedToken):
            message = f"{UNKNOWN_KEYWORD} `{exc.token}`"
            hint = did_you_mean(str(exc.token), _keywords(exc)) or hint
        elif matched is None:
            message, hint = _fallback(exc), None
        else:
            message = matched
    return error(SYNTAX, f"syntax error: {message}", position, source_line=source_line, hint=hint)


def _end_of_text(lines: list[str]) -> tuple[int, int]:
    for number in range(len(lines), 0, -1):
        if lines[number - 1].strip():
            return number, len(lines[number - 1].rstrip()) + 1
    return 1, 1


def _character_mistake(exc: UnexpectedInput, source_line: str,
                       col: int) -> tuple[str, str | None] | None:
    """Characters the language never uses, caught before the parser-state family."""
    if not isinstance(exc, UnexpectedCharacters):
        return None
    char = exc.char
    if char == '"':
        return "this string is not closed on its line", 'close it with `"`'
    if char == "'":
        return "strings use double quotes", 'write "text"'
    if char == "&":
        return "`&` is not an operator: use `and`", "write `x and y`"
    if char == "!":
        return "`!` alone is not an operator: use `not`, or `!=`", "write `not x` or `x != y`"
    rest = source_line[col - 1:col + 1]
    if rest == "||":
        return "`||` is not an operator: use `or`", "write `x or y`"
    return f"unexpected character {char!r}", None


def _fallback(exc: UnexpectedInput) -> str:
    if isinstance(exc, UnexpectedEOF) or (isinstance(exc, UnexpectedToken)
                                          and exc.token.type == "$END"):
        got = "end of file"
    elif isinstance(exc, UnexpectedToken):
        got = f"`{exc.token}`"
    else:
        got = f"character {getattr(exc, 'char', '?')!r}"
    expected = sorted({TOKEN_WORDS.get(name, f"`{name.lower()}`") for name in _expected(exc)})
    return f"unexpected {got}; expected {', '.join(expected)}" if expected else f"unexpected {got}"


def _keywords(exc: UnexpectedInput) -> set[str]:
    """The keywords the parser would have taken here, as written in a rule file."""
    return {name.lower() for name in _expected(exc) if name not in TOKEN_WORDS}


def _expected(exc: UnexpectedInput) -> set[str]:
    accepts = getattr(exc, "accepts", None) or getattr(exc, "expected", None) or ()
    return {name for name in accepts if not name.startswith("__")}


def _matching_mistake(exc: UnexpectedInput, parser: Lark) -> str | None:
    """The known mistake whose parser state matches `exc`, if any.

    Comparing the accepted tokens first is the most precise match, but lark (1.3) builds
    a debug message with `%d` from a state object when two errors share a state with
    different accepted tokens, which raises `TypeError`; then match on states alone.
    """
    try:
        return exc.match_examples(parser.parse, _examples(), use_accepts=True,
                                  token_type_match_fallback=True)
    except TypeError:
        return exc.match_examples(parser.parse, _examples(), use_accepts=False,
                                  token_type_match_fallback=True)
