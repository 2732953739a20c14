"""Rule file text → the same declarations in the one layout `rulesengine fmt` writes, comments kept.

The layout is the one the shipped rule files use, so that formatting them changes nothing
(rows point at their lines with `rule_at`):

- declarations in the order written, one blank line between them, or two where the author
  left two or more (section breaks), none at the start of the file; one-line declarations
  (`param`, `set param`, `disable rule`) written one under the other stay so;
- a rule's header `rule ID  "description"`, then its clauses one a line, indented two spaces,
  in the grammar's order (`for`, `match`, `when`, `set`, `priority`; `priority 0` is left out);
- a fact's header `fact NAME: TYPE  "description"`, its definition on the next line as
  `  = EXPRESSION`; a vocabulary's header `vocabulary SLOT:`, its words on the lines below,
  indented four spaces and wrapped before `VOCABULARY_WIDTH` columns (or after the colon, when
  written there and the whole fits);
  `param`, `set param` and `disable rule` one a line, the text at the end after two spaces;
- an expression on one line, however long, except where the author broke the line before or
  after an `and` or an `or`: that break is kept, the operator starting the new line, which
  is indented two spaces more than its clause for the clause's own `and`/`or`, and lined up
  under the first operand otherwise; a `case` puts each `when` branch and its `else` on a
  line of their own, indented two spaces more than the `case`;
- every comment kept, in order: one after code stays at the end of that code's line (two
  spaces before the `#`), one on a line of its own stays on its own line before the code
  that follows it, indented as that code is, or right under its declaration when it was
  written indented right under its last line; blank lines before a comment or between
  declarations are kept up to `MAX_BLANK_LINES`, and removed inside a declaration.

Formatting twice gives what formatting once gave, and the result parses to the same
declarations as the text formatted (`format_text` checks both of the latter itself).
"""

from __future__ import annotations

import bisect
import collections
import re
from collections.abc import Iterator, Sequence

import attrs
import msgspec

from rulesengine.diagnostics import Diagnostic
from rulesengine.language import syntax
from rulesengine.language.parse import parse

#: the widest a line of vocabulary words may be (the shipped vocabularies wrap there)
VOCABULARY_WIDTH = 96
#: the most blank lines kept in a row: two mark a new section of a file
MAX_BLANK_LINES = 2
#: the indentation of a declaration's clauses, and of the continuation of its header
CLAUSE = 2
#: the indentation of a vocabulary's words
WORDS = 4

Declaration = (syntax.VocabularyDecl | syntax.ParamDecl | syntax.ParamSetting | syntax.FactDecl | syntax.Rule
               | syntax.DisableRule)
#: a place in the source: (line, column), counting from 1
Place = tuple[int, int]


class FormatError(Exception):
    """The formatted text would not say what the original says (a defect of the formatter,
    never of the file): the file is left as it is."""


@attrs.frozen
class Comment:
    """A `# ...` comment as written: where it starts, its text (trailing blanks dropped), and
    whether code comes before it on its line."""

    line: int
    col: int
    text: str
    after_code: bool

    @property
    def place(self) -> Place:
        return (self.line, self.col)


def comments(text: str) -> list[Comment]:
    """Every comment of a rule file that parses, in order: a `#` outside a string runs to the
    end of its line, and a string (`"..."`) never spans lines."""
    found = []
    for number, line in enumerate(text.split("\n"), start=1):
        quoted = False
        for col, char in enumerate(line, start=1):
            if char == '"':
                quoted = not quoted
            elif char == "#" and not quoted:
                found.append(Comment(number, col, line[col - 1:].rstrip(), bool(line[:col - 1].strip())))
                break
    return found


def declarations(tree: syntax.RuleFile) -> list[Declaration]:
    """A file's declarations in the order written (`RuleFile` groups them by sort)."""
    every: list[Declaration] = [*tree.vocabularies, *tree.params, *tree.settings, *tree.facts, *tree.rules,
                                *tree.disabled]
    return sorted(every, key=lambda node: (node.span.line, node.span.col))


def format_text(text: str, path: str) -> tuple[str | None, tuple[Diagnostic, ...]]:
    """The file in the canonical layout, or no text and the diagnostic of why it does not parse.

    Raises `FormatError` when the result would not parse to the same declarations, or would
    lose or reorder a comment: a safety net, as in other formatters, so that a defect of the
    layout can never change a rule file's meaning or drop its comments.
    """
    tree, problems = parse(text, path)
    if tree is None:
        return None, problems
    formatted = _Formatter(text, tree).text()
    again, problems = parse(formatted, path)
    if again is None:
        raise FormatError(f"the formatted {path} does not parse: {problems[0].headline()}")
    if declarations(again) != declarations(tree):
        raise FormatError(f"the formatted {path} declares something else")
    if [c.text for c in comments(formatted)] != [c.text for c in comments(text)]:
        raise FormatError(f"the formatted {path} does not keep its comments in order")
    return formatted, ()


# ---- the lines of code ----------------------------------------------------------------------

@attrs.define
class _Line:
    """One line of formatted code: its indentation and text, the places in the source of the
    nodes it prints (to find which line a comment goes with), and the declaration it is part of."""

    indent: int
    declaration: Declaration
    header: bool
    parts: list[str] = attrs.Factory(list)
    places: list[Place] = attrs.Factory(list)

    @property
    def text(self) -> str:
        return (" " * self.indent + "".join(self.parts)).rstrip()


class _Writer:
    """Lines of code built left to right, each knowing the source places it prints."""

    def __init__(self) -> None:
        self.lines: list[_Line] = []

    def line(self, indent: int, declaration: Declaration, *, header: bool = False) -> None:
        self.lines.append(_Line(indent, declaration, header))

    def write(self, text: str) -> None:
        self.lines[-1].parts.append(text)

    def mark(self, *nodes: syntax._Node) -> None:
        """The nodes start on the current line (their whole subtrees, with `mark_all`)."""
        self.lines[-1].places.extend((node.span.line, node.span.col) for node in nodes)

    def mark_all(self, node: syntax._Node) -> None:
        self.mark(*_subtree(node))

    def mark_end(self, node: syntax._Node) -> None:
        """The node's last character is on the current line: the end of a declaration, so that
        a comment written after a clause no node stands for (`priority 10`) stays with it."""
        self.lines[-1].places.append((node.span.end_line, max(node.span.end_col - 1, 1)))

    @property
    def column(self) -> int:
        """Where the next text written goes, counting from 0."""
        current = self.lines[-1]
        return current.indent + sum(len(part) for part in current.parts)


def _children(node: syntax._Node) -> Iterator[syntax._Node]:
    for name in node.__struct_fields__:
        value = getattr(node, name)
        if isinstance(value, syntax._Node):
            yield value
        elif isinstance(value, tuple):
            yield from (item for item in value if isinstance(item, syntax._Node))


def _subtree(node: syntax._Node) -> Iterator[syntax._Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(_children(current))


# ---- declarations ----------------------------------------------------------------------------

class _Formatter:
    """One parsed file printed in the canonical layout, then its comments put back."""

    def __init__(self, source: str, tree: syntax.RuleFile) -> None:
        self.source_lines = source.split("\n")
        self._starts = [0]
        for line in self.source_lines:
            self._starts.append(self._starts[-1] + len(line) + 1)
        self.source = source
        self.marker = _marker(source)
        self.out = _Writer()
        self.declarations = declarations(tree)
        for declaration in self.declarations:
            self._declaration(declaration)
            self.out.mark_end(declaration)

    def text(self) -> str:
        lines = _Placed(self).lines()
        return "".join(f"{line}\n" for line in lines)

    def _declaration(self, node: Declaration) -> None:
        out = self.out
        out.line(0, node, header=True)
        out.mark(node)
        match node:
            case syntax.VocabularyDecl():
                out.mark(node.slot)
                out.write(f"{'extend ' if node.extend else ''}vocabulary {node.slot.text}:")
                words = ", ".join(word.text for word in node.values)
                if (node.values[0].span.line == node.slot.span.line
                        and out.column + 1 + len(words) <= VOCABULARY_WIDTH):
                    out.write(f" {words}")
                    out.mark(*node.values)
                else:
                    self._words(node)
            case syntax.ParamDecl():
                out.mark_all(node)
                out.write(f"param {node.name.text}: {node.type.text} = {syntax.show(node.default)}{_doc(node.doc)}")
            case syntax.ParamSetting():
                out.mark_all(node)
                out.write(f"set param {node.name.text} = {syntax.show(node.value)}{_doc(node.doc)}")
            case syntax.DisableRule():
                out.mark_all(node)
                out.write(f"disable rule {node.id.text}{_doc(node.reason)}")
            case syntax.FactDecl():
                out.mark(node.name, node.type)
                out.write(f"{'override ' if node.override else ''}fact {node.name.text}: {node.type.text}"
                          f"{_doc(node.description)}")
                out.line(CLAUSE, node)
                self._keyword("=", _end(node.type), _start(node.definition))
                out.write("= ")
                self._expression(node.definition, clause=CLAUSE)
            case syntax.Rule():
                self._rule(node)

    def _words(self, node: syntax.VocabularyDecl) -> None:
        out = self.out
        out.line(WORDS, node)
        for number, word in enumerate(node.values):
            text = word.text + ("," if number < len(node.values) - 1 else "")
            if out.lines[-1].parts and out.column + 1 + len(text) > VOCABULARY_WIDTH:
                out.line(WORDS, node)
            out.write(f" {text}" if out.lines[-1].parts else text)
            out.mark(word)

    def _rule(self, rule: syntax.Rule) -> None:
        out = self.out
        out.mark(rule.id)
        out.write(f"{'override ' if rule.override else ''}rule {rule.id.text}{_doc(rule.description)}")
        out.line(CLAUSE, rule)
        self._keyword("for", _end(rule.id), _start(rule.kinds[0]))
        out.write(f"for {', '.join(kind.text for kind in rule.kinds)}")
        out.mark(*rule.kinds)
        last: syntax._Node = rule.kinds[-1]
        if rule.pattern is not None:
            out.line(CLAUSE, rule)
            self._keyword("match", _end(last), _start(rule.pattern))
            out.write(f"match {syntax.show(rule.pattern)}")
            out.mark_all(rule.pattern)
            last = rule.pattern
        if rule.condition is not None:
            out.line(CLAUSE, rule)
            self._keyword("when", _end(last), _start(rule.condition))
            out.write("when ")
            self._expression(rule.condition, clause=CLAUSE)
            last = rule.condition
        out.line(CLAUSE, rule)
        self._keyword("set", _end(last), _start(rule.outcomes[0]))
        out.write(f"set {', '.join(syntax.show(outcome) for outcome in rule.outcomes)}")
        for outcome in rule.outcomes:
            out.mark_all(outcome)
        if rule.priority:
            out.line(CLAUSE, rule)
            self._keyword("priority", _end(rule.outcomes[-1]), _end(rule))
            out.write(f"priority {rule.priority}")

    def _keyword(self, word: str, start: Place, end: Place) -> None:
        """Mark, on the current line, where a clause's keyword (`when`, `set`...) is written
        between two places of the source: a keyword is no node, and a comment written right
        after it, its clause going on below (`when  # routed agents only`), stays with its
        clause rather than go to the line before."""
        for token in _TOKENS.finditer(self.source, self._offset(*start), self._offset(*end)):
            if token.group() == word:
                line = bisect.bisect_right(self._starts, token.start())
                self.out.lines[-1].places.append((line, token.start() - self._starts[line - 1] + 1))
                return

    # ---- expressions ------------------------------------------------------------------------

    def _expression(self, node: syntax._Node, *, clause: int | None = None) -> None:
        """Write an expression from the current column. The parts that take several lines (a
        `case`, an `and`/`or` the author broke) are written by `_spread`; the rest is
        `syntax.show`'s text, printed around them."""
        spread = self._spread_parts(node)
        if spread and spread[0] is node:
            self._spread(node, clause)
            return
        holes = {id(part): _placeholder(part, f"{self.marker}{number}{self.marker}")
                 for number, part in enumerate(spread)}
        pieces = syntax.show(_substituted(node, holes)).split(self.marker)
        inside = {id(each) for part in spread for each in _subtree(part)}
        ends = [(part.span.end_line, part.span.end_col) for part in spread]
        places: list[list[syntax._Node]] = [[] for _ in range(len(spread) + 1)]
        for each in _subtree(node):
            if id(each) not in inside:
                places[bisect.bisect_right(ends, (each.span.line, each.span.col))].append(each)
        for number, part in enumerate(spread):
            self.out.write(pieces[2 * number])
            self.out.mark(*places[number])
            self._spread(part, None)
        self.out.write(pieces[-1])
        self.out.mark(*places[-1])

    def _spread_parts(self, node: syntax._Node) -> list[syntax._Node]:
        """The outermost parts of the expression that take several lines, in order."""
        found: list[syntax._Node] = []
        stack = [node]
        while stack:
            current = stack.pop()
            if isinstance(current, syntax.Case) or (isinstance(current, (syntax.AllOf, syntax.AnyOf))
                                                   and any(self._breaks(current))):
                found.append(current)
            else:
                stack.extend(reversed(list(_children(current))))
        return found

    def _spread(self, node: syntax._Node, clause: int | None) -> None:
        out = self.out
        out.mark(node)
        if isinstance(node, syntax.Case):
            indent = out.column + CLAUSE
            out.write("case")
            for branch in node.branches:
                out.line(indent, out.lines[-1].declaration)
                out.mark(branch)
                out.write("when ")
                self._expression(branch.condition)
                out.write(" then ")
                self._operand(branch.value, syntax._ATOM)
            out.line(indent, out.lines[-1].declaration)
            out.write("else ")
            self._operand(node.default, syntax._ATOM)
            return
        assert isinstance(node, (syntax.AllOf, syntax.AnyOf))
        word = "and" if isinstance(node, syntax.AllOf) else "or"
        indent = out.column if clause is None else clause + CLAUSE
        for number, (expr, broken) in enumerate(zip(node.exprs, (False, *self._breaks(node)), strict=True)):
            if broken:
                out.line(indent, out.lines[-1].declaration)
                out.write(f"{word} ")
            elif number:
                out.write(f" {word} ")
            self._operand(expr, 3)

    def _operand(self, node: syntax._Node, at_least: int) -> None:
        """An operand, in parentheses where `syntax.show` puts them."""
        wrapped = syntax._binding(node) < at_least
        if wrapped:
            self.out.write("(")
        self._expression(node)
        if wrapped:
            self.out.write(")")

    def _breaks(self, node: syntax.AllOf | syntax.AnyOf) -> list[bool]:
        """Whether the author started a new line between each operand and the next."""
        return ["\n" in self.source[self._offset(left.span.end_line, left.span.end_col):
                                     self._offset(right.span.line, right.span.col)]
                for left, right in zip(node.exprs, node.exprs[1:], strict=False)]

    def _offset(self, line: int, col: int) -> int:
        return self._starts[line - 1] + col - 1


def _start(node: syntax._Node) -> Place:
    return (node.span.line, node.span.col)


def _end(node: syntax._Node) -> Place:
    return (node.span.end_line, node.span.end_col)


#: a rule file's text in tokens as far as finding a keyword between two nodes needs: a string,
#: a comment, a word, any other character
_TOKENS = re.compile(r'"[^"\n]*"|#[^\n]*|[A-Za-z_][A-Za-z0-9_]*|\S')


def _doc(text: str | None) -> str:
    return "" if text is None else f'  "{text}"'


def _marker(source: str) -> str:
    """A character the file does not hold, to mark where a part that spans lines goes."""
    return next(chr(code) for code in range(0xE000, 0x110000) if chr(code) not in source)


def _placeholder(node: syntax._Node, name: str) -> syntax._Node:
    """What `syntax.show` prints as `name`, with the parentheses `node` would need where it stands."""
    ref = syntax.Ref((syntax.Word(name),))
    if isinstance(node, syntax.AllOf):
        return syntax.AllOf((ref,))
    if isinstance(node, syntax.AnyOf):
        return syntax.AnyOf((ref,))
    return ref


def _substituted(node: syntax._Node, holes: dict[int, syntax._Node]) -> syntax._Node:
    """The node with each part whose id is in `holes` replaced by its placeholder."""
    if id(node) in holes:
        return holes[id(node)]
    changes: dict[str, object] = {}
    for name in node.__struct_fields__:
        value = getattr(node, name)
        new: object
        if isinstance(value, syntax._Node):
            new = _substituted(value, holes)
        elif isinstance(value, tuple) and any(isinstance(item, syntax._Node) for item in value):
            new = tuple(_substituted(item, holes) if isinstance(item, syntax._Node) else item for item in value)
        else:
            continue
        if new is not value:
            changes[name] = new
    return msgspec.structs.replace(node, **changes) if changes else node


# ---- comments and blank lines ------------------------------------------------------------------

#: where a comment goes relative to its line of code: on lines of its own before it, at its
#: end, or (for a declaration's last line) on lines of its own right under it
_BEFORE, _END, _UNDER = 0, 1, 2


class _Placed:
    """The formatted lines with the source's comments and blank lines put back."""

    def __init__(self, formatter: _Formatter) -> None:
        self.code = formatter.out.lines
        self.source_lines = formatter.source_lines
        self.ends = {id(node): node.span.end_line for node in formatter.declarations}
        self.heights = collections.Counter(id(line.declaration) for line in self.code)
        pairs = sorted((place, number) for number, line in enumerate(self.code) for place in line.places)
        self.places = [place for place, _ in pairs]
        self.owners = [number for _, number in pairs]
        self.slots: dict[tuple[int, int], list[Comment]] = {}
        slot = (0, _BEFORE)
        under: int | None = None  # the source line of the last comment kept under a declaration
        for comment in comments(formatter.source):
            wanted = self._slot(comment, under)
            under = comment.line if wanted[1] == _UNDER else None
            slot = max(slot, wanted)
            self.slots.setdefault(slot, []).append(comment)

    def _slot(self, comment: Comment, under: int | None) -> tuple[int, int]:
        """Where a comment wants to go: after the line of the last node written before it, if
        code precedes it on its line; else before the line of the first node written after it
        (or at the end of the file), unless it is written indented right under a declaration."""
        before = bisect.bisect_left(self.places, comment.place)
        if comment.after_code and before:
            return (self.owners[before - 1], _END)
        if before and not comment.after_code and comment.col > 1:
            last = self.owners[before - 1]
            declaration = self.code[last].declaration
            right_under = comment.line - 1 in (self.ends[id(declaration)], under)
            if right_under and (last + 1 == len(self.code) or self.code[last + 1].declaration is not declaration):
                return (last, _UNDER)
        if before < len(self.places):
            return (self.owners[before], _BEFORE)
        return (len(self.code), _BEFORE)

    def lines(self) -> list[str]:
        out: list[str] = []
        previous: _Line | None = None
        for number, line in enumerate(self.code):
            before = self.slots.get((number, _BEFORE), [])
            ends = self.slots.get((number, _END), [])
            before = [*before, *ends[:-1]]  # one comment fits at the end of a line: the last
            text = line.text + (f"  {ends[-1].text}" if ends else "")
            if line.header:
                alone = previous is not None and self._one_line(previous) and self._one_line(line)
                self._block(out, before, (line.declaration.span.line, text), least=0 if alone else 1)
            else:
                out.extend(" " * line.indent + comment.text for comment in before)
                out.append(text)
            out.extend(" " * CLAUSE + comment.text for comment in self.slots.get((number, _UNDER), []))
            previous = line
        self._block(out, self.slots.get((len(self.code), _BEFORE), []), None, least=1)
        return out

    def _one_line(self, line: _Line) -> bool:
        """Whether the line is a whole declaration (a parameter, a setting, a short vocabulary...)."""
        return self.heights[id(line.declaration)] == 1

    def _block(self, out: list[str], block: Sequence[Comment], header: tuple[int, str] | None, *,
               least: int) -> None:
        """A declaration's header (its source line, its text) and the comments before it, or the
        comments that end the file: each after as many blank lines as the source had above it, at
        most `MAX_BLANK_LINES`, and at least `least` after the previous declaration."""
        items = [(comment.line, comment.text) for comment in block]
        if header is not None:
            items.append(header)
        for number, (line, text) in enumerate(items):
            if out:
                out.extend([""] * min(max(self._blanks_above(line), least if number == 0 else 0), MAX_BLANK_LINES))
            out.append(text)

    def _blanks_above(self, line: int) -> int:
        count = 0
        while line - 2 - count >= 0 and not self.source_lines[line - 2 - count].strip():
            count += 1
        return count
