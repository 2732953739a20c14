"""Test file text → `cases.CaseFile`, or the diagnostic of its first syntax error.

The grammar is line-based: a line is a case header, a setting, an event or an
expectation; indentation is free, `#` starts a comment. Event lines are only split into
words here: what the words mean is `compact`'s job, so that an unknown word is reported
with the words that would fit rather than as a grammar error.
"""

from __future__ import annotations

import functools

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from rulesengine.diagnostics import Diagnostic, Position, error
from rulesengine.ruletest.cases import SYNTAX, Case, CaseFile, EventLine, Expectation, Part, Word

GRAMMAR = r"""
start: _NL? case*

case: "case" STRING _NL setting* events expect
?setting: "interaction" ITEM _NL -> interaction
        | "start" ITEM _NL -> start_at
events: "events" "from" STRING _NL -> events_file
      | "events" _NL event+ -> events_inline
event: OFFSET (ITEM | STRING)* DATA? _NL
expect: "expect" _NL expectation+
expectation: TARGET ":" part "/" part VALUE? _NL
part: VALUE ("[" VALUE "]")?

OFFSET: /\+[^\s#]*/
ITEM: /[^\s#"{}+][^\s#"{}]*/
DATA: /\{[^\n]*\}/
TARGET: /[^\s#":\[\]\/{}+][^\s#":\[\]\/{}]*(#[0-9]*)?/
VALUE: /[A-Za-z_][A-Za-z0-9_]*/
STRING: /"[^"\n]*"/
_NL: /(\r?\n[\t ]*(#[^\n]*)?)+/
COMMENT: /#[^\n]*/
%ignore COMMENT
%ignore /[\t ]+/
"""

#: how a parser's terminal is named in a message
_NAMES = {"STRING": "a quoted name", "_NL": "the end of the line", "OFFSET": "an event line (+TIME ...)",
          "TARGET": "an expectation (PARTY: Role/Result)", "VALUE": "a descriptor word", "ITEM": "a word",
          "DATA": "attached data", "COLON": "`:`", "SLASH": "`/`", "LSQB": "`[`", "RSQB": "`]`",
          "CASE": "`case`", "EVENTS": "`events`", "EXPECT": "`expect`", "FROM": "`from`",
          "INTERACTION": "`interaction`", "START": "`start`", "$END": "the end of the file"}


@functools.cache
def parser() -> Lark:
    return Lark(GRAMMAR, parser="lalr", propagate_positions=True, maybe_placeholders=False)


def parse(text: str, path: str) -> tuple[CaseFile | None, Diagnostic | None]:
    """The cases of one test file, or its first syntax error."""
    source = text if text.endswith("\n") else text + "\n"
    try:
        tree = parser().parse(source)
    except UnexpectedInput as problem:
        return None, _syntax_error(problem, source, path)
    cases = _ToCases(path, source.splitlines()).transform(tree).children
    return CaseFile(path, text, tuple(cases)), None


def _syntax_error(problem: UnexpectedInput, text: str, path: str) -> Diagnostic:
    lines = text.splitlines()
    if isinstance(problem, UnexpectedEOF) or problem.line < 1:
        line = len(lines)
        col = len(lines[-1]) + 1 if lines else 1
    else:
        line, col = problem.line, problem.column
    if isinstance(problem, UnexpectedToken):
        found = {"_NL": "end of line", "$END": "end of file"}.get(problem.token.type, repr(str(problem.token)))
    elif isinstance(problem, UnexpectedCharacters):
        found = repr(problem.char)
    else:
        found = "end of file"
    expected = sorted({_NAMES.get(name, name) for name in getattr(problem, "expected", ()) or ()})
    message = f"syntax error: unexpected {found}" + (f", expected {' or '.join(expected)}" if expected else "")
    return error(SYNTAX, message, Position(path, line, col), source_line=lines[line - 1] if lines else "",
                 hint="a case is: case \"NAME\", then events (lines +TIME ...) or events from \"FILE\", "
                      "then expect and lines PARTY: Role/Result")


class _ToCases(Transformer):
    """Parse tree → records, each word with its position in the file."""

    def __init__(self, path: str, lines: list[str]) -> None:
        super().__init__()
        self.path, self.lines = path, lines

    def _word(self, token: Token) -> Word:
        return Word(str(token), Position(self.path, token.line or 1, token.column or 1))

    def _text(self, token: Token) -> Word:
        """A quoted string's text, its position that of the opening quote."""
        return Word(str(token)[1:-1], Position(self.path, token.line or 1, token.column or 1))

    @v_args(inline=True)
    def case(self, name: Token, *rest: tuple) -> Case:
        *written, (source, events), expectations = rest
        settings: dict[str, Word] = dict(written)
        interaction = settings.get("interaction")
        return Case(str(name)[1:-1], self._word(name).position, interaction.text if interaction else None,
                    settings.get("start"), events if source == "events" else None,
                    events if source == "events_file" else None, expectations)

    @v_args(inline=True)
    def interaction(self, item: Token) -> tuple[str, Word]:
        return "interaction", self._word(item)

    @v_args(inline=True)
    def start_at(self, item: Token) -> tuple[str, Word]:
        return "start", self._word(item)

    @v_args(inline=True)
    def events_file(self, name: Token) -> tuple[str, Word]:
        return "events_file", self._text(name)

    def events_inline(self, children: list[EventLine]) -> tuple[str, tuple[EventLine, ...]]:
        return "events", tuple(children)

    def event(self, children: list[Token]) -> EventLine:
        offset, *words = children
        data = words.pop() if words and words[-1].type == "DATA" else None
        return EventLine(self._word(offset),
                         tuple(self._text(w) if w.type == "STRING" else self._word(w) for w in words),
                         None if data is None else self._word(data), self.lines[(offset.line or 1) - 1])

    def expect(self, children: list[Expectation]) -> tuple[Expectation, ...]:
        return tuple(children)

    def expectation(self, children: list) -> Expectation:
        target, (role, start, _), (result, _, end), *record = children
        if record:
            end = record[0].end_pos
        return Expectation(self._word(target), role, result, self._word(record[0]) if record else None,
                           start, end)

    @v_args(meta=True)
    def part(self, meta, children: list[Token]) -> tuple[Part, int, int]:
        value, *reason = children
        return Part(self._word(value), self._word(reason[0]) if reason else None), meta.start_pos, meta.end_pos
