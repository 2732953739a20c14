"""Rule file text → syntax tree (`rulesengine.language.syntax`), or a syntax diagnostic.

The grammar is package data (`rulesengine/language/grammar/rules.lark`), built once on first
use. A lark `Transformer` turns the parse tree into our own frozen nodes, each with
the span it came from, so the later stages never see lark.
"""

from __future__ import annotations

import functools
import re
from importlib.resources import files

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import UnexpectedInput
from lark.lark import PostLex

from rulesengine.diagnostics import Diagnostic, Position, error
from rulesengine.language import syntax
from rulesengine.language.syntax_errors import syntax_diagnostic
from rulesengine.language.vocabulary import MAX_NUMBER
from rulesengine.speedups.parser_cache import cached_lark


def grammar_text() -> str:
    """The grammar as shipped in the package."""
    return files("rulesengine.language.grammar").joinpath("rules.lark").read_text(encoding="utf-8")


class _ReservedWords(PostLex):
    """Offer NAME to the lexer in every parser state.

    Lark's contextual lexer only tries the tokens the parser accepts next, so after
    `for agent` it would read `whenever` as the keyword `when` plus `ever`. With NAME
    always on offer, a word is read whole and keywords are reserved everywhere.
    """

    always_accept = ("NAME",)

    def process(self, stream):
        return stream


@functools.cache
def parser(*, strict: bool = False) -> Lark:
    """The LALR parser, built once per process (`strict` checks the grammar harder).

    Building the tables takes a good part of a short run's start, so they are kept
    between runs (`rulesengine.speedups.parser_cache`, which reads back only tables this user
    saved). A strict build is always made afresh: its point is to check the grammar,
    and a parser loaded from a cache skips the checks.
    """
    options = {"parser": "lalr", "propagate_positions": True, "maybe_placeholders": False,
               "postlex": _ReservedWords(), "strict": strict}
    if strict:
        return Lark(grammar_text(), **options)
    return cached_lark(grammar_text(), **options)


@functools.cache
def keywords() -> frozenset[str]:
    """The words the grammar spells as keywords (`set`, `when`, `and`, `role`, ...): where the
    grammar takes a name, such a word is still read as one, and `check` refuses it as a
    text value (R110), where it is more likely a slip than the text meant."""
    return frozenset(terminal.pattern.value for terminal in parser().terminals
                     if terminal.pattern.type == "str" and terminal.pattern.value[:1].isalpha())


#: how deep the parse tree of a file may nest (about two levels per parenthesis, one per `not`):
#: deeper, and turning it into a syntax tree, checking it or compiling it to Python would
#: exhaust Python's own limits
MAX_DEPTH = 150
#: the most branches a `case` may have, and values a `coalesce`: each is one more step of the
#: single Python expression a definition becomes
MAX_BRANCHES = 200


def parse(text: str, path: str) -> tuple[syntax.RuleFile | None, tuple[Diagnostic, ...]]:
    """Parse one file; on a syntax error or a file past the language's limits, no tree and
    one diagnostic saying what is wrong."""
    try:
        tree = parser().parse(text)
    except UnexpectedInput as exc:
        return None, (syntax_diagnostic(exc, text, path, parser()),)
    beyond = _beyond_limits(tree, path)
    if beyond is not None:
        return None, (beyond,)
    return _ToAst(path).transform(tree), ()


#: a fact or parameter declaration, as far as its name: `fact NAME:`, `param NAME:`, `set param NAME =`
_DECLARED = re.compile(r"\b(?:fact|param)\s+([A-Za-z][A-Za-z0-9_]*)\s*[:=]")


def declared_names(text: str) -> frozenset[str]:
    """The facts and parameters a file that could not be parsed seems to declare, read by their
    keywords alone: the names whose references elsewhere are not reported unknown, since the
    file's own syntax error is why they are."""
    return frozenset(_DECLARED.findall(text))


def _beyond_limits(tree: Tree, path: str) -> Diagnostic | None:
    """The first place the file nests too deeply or writes too long a number, walked without
    recursion (the point is to stop before anything recursive sees it)."""
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return error("R002", f"nested too deeply: more than {MAX_DEPTH // 2} levels of parentheses, "
                         "`not`, quantifiers or pattern groups inside each other, or a chain of `+` and `-`",
                         Position(path, node.meta.line, node.meta.column),
                         hint="name a part of the condition as a fact of its own, or simplify it")
        if node.data in ("case", "call") and len(node.children) > MAX_BRANCHES + 1:
            what = "branches" if node.data == "case" else "values"
            return error("R002", f"too many {what}: {len(node.children) - 1}, at most {MAX_BRANCHES}",
                         Position(path, node.meta.line, node.meta.column),
                         hint="split the definition into facts of their own")
        for child in reversed(node.children):
            if isinstance(child, Tree):
                stack.append((child, depth + 1))
            elif (isinstance(child, Token) and child.type in ("NUMBER", "SIGNED_INT")
                  and len(child.removeprefix("-")) > MAX_NUMBER):  # a sign is no part of the number
                return error("R003", f"number too long: {str(child)[:MAX_NUMBER]}... ({len(child)} characters, "
                             f"at most {MAX_NUMBER})", Position(path, _at(child.line), _at(child.column)),
                             hint=f"write at most {MAX_NUMBER} characters, a duration's units included")
    return None


def _at(place: int | None) -> int:
    """A token's line or column: lark types them optional for tokens made by hand, but the
    parser sets them on every token it makes."""
    if place is None:
        raise ValueError("a token without its place in the text")
    return place


def _meta_span(path: str, meta) -> syntax.Span:
    return syntax.Span(path, meta.line, meta.column, meta.end_line, meta.end_column)


@v_args(inline=True, meta=True)
class _ToAst(Transformer):
    """Lark tree → `rulesengine.language.syntax` nodes; one method per grammar rule or alias."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    def _span(self, meta) -> syntax.Span:
        return _meta_span(self.path, meta)

    def _token_span(self, token: Token) -> syntax.Span:
        return syntax.Span(self.path, _at(token.line), _at(token.column), _at(token.end_line), _at(token.end_column))

    def _word(self, token: Token) -> syntax.Word:
        return syntax.Word(str(token), span=self._token_span(token))

    # ---- file and declarations
    def start(self, meta, *items) -> syntax.RuleFile:
        def of(kind):
            return tuple(item for item in items if isinstance(item, kind))
        return syntax.RuleFile(self.path, vocabularies=of(syntax.VocabularyDecl), params=of(syntax.ParamDecl),
                            settings=of(syntax.ParamSetting), facts=of(syntax.FactDecl), rules=of(syntax.Rule),
                            disabled=of(syntax.DisableRule))

    def vocabulary(self, meta, *children) -> syntax.VocabularyDecl:
        extend = isinstance(children[0], Token) and children[0].type == "EXTEND"
        names = children[1:] if extend else children
        return syntax.VocabularyDecl(self._word(names[0]), tuple(self._word(n) for n in names[1:]),
                                  extend=extend, span=self._span(meta))

    def param(self, meta, name, type_, default, doc=None) -> syntax.ParamDecl:
        return syntax.ParamDecl(self._word(name), self._word(type_), default,
                             _unquote(doc) if doc is not None else None, span=self._span(meta))

    def set_param(self, meta, name, value, doc=None) -> syntax.ParamSetting:
        return syntax.ParamSetting(self._word(name), value, _unquote(doc) if doc is not None else None,
                                span=self._span(meta))

    def fact(self, meta, *children) -> syntax.FactDecl:
        override = isinstance(children[0], Token) and children[0].type == "OVERRIDE"
        name, type_, description, definition = children[1:] if override else children
        return syntax.FactDecl(self._word(name), self._word(type_), _unquote(description), definition,
                            override=override, span=self._span(meta))

    def disable(self, meta, rule_id, reason=None) -> syntax.DisableRule:
        return syntax.DisableRule(rule_id, _unquote(reason) if reason is not None else None,
                               span=self._span(meta))

    def number(self, meta, token) -> syntax.Number:
        return syntax.Number(str(token), span=self._span(meta))

    def negative(self, meta, token) -> syntax.Number:
        return syntax.Number(f"-{token}", span=self._span(meta))

    def word(self, meta, token) -> syntax.Word:
        return syntax.Word(str(token), span=self._span(meta))

    def text(self, meta, token) -> syntax.Text:
        return syntax.Text(_unquote(token), span=self._span(meta))

    def boolean(self, meta, token) -> syntax.Bool:
        return syntax.Bool(str(token) == "true", span=self._span(meta))

    def nothing(self, meta) -> syntax.Nothing:
        return syntax.Nothing(span=self._span(meta))

    # ---- rules
    def rule(self, meta, *children) -> syntax.Rule:
        override = isinstance(children[0], Token) and children[0].type == "OVERRIDE"
        rule_id, description, kinds, *clauses = children[1:] if override else children
        found = dict(clauses)
        return syntax.Rule(
            rule_id, _unquote(description), kinds,
            pattern=found.get("match"), condition=found.get("when"),
            outcomes=found["set"], priority=found.get("priority", 0),
            override=override, span=self._span(meta),
        )

    def rule_id(self, meta, *names) -> syntax.Word:
        return syntax.Word(".".join(names), span=self._span(meta))

    def for_clause(self, meta, *kinds) -> tuple[syntax.Word, ...]:
        return tuple(self._word(kind) for kind in kinds)

    def match_clause(self, meta, pattern) -> tuple[str, syntax.Pattern]:
        return "match", pattern

    def when_clause(self, meta, expr) -> tuple[str, syntax.Expr]:
        return "when", expr

    def set_clause(self, meta, *outcomes) -> tuple[str, tuple[syntax.Outcome, ...]]:
        return "set", outcomes

    def priority_clause(self, meta, value) -> tuple[str, int]:
        return "priority", int(value)

    def outcome(self, meta, slot, value, _reason_keyword=None, reason=None) -> syntax.Outcome:
        return syntax.Outcome(str(slot), self._word(value),
                           self._word(reason) if reason is not None else None,
                           span=self._span(meta))

    # ---- patterns
    def alternatives(self, meta, *options) -> syntax.Pattern:
        return options[0] if len(options) == 1 else syntax.Alternatives(options, span=self._span(meta))

    def sequence(self, meta, *items) -> syntax.Pattern:
        return items[0] if len(items) == 1 else syntax.Sequence(items, span=self._span(meta))

    def optional(self, meta, item) -> syntax.Repeat:
        return syntax.Repeat(item, "?", span=self._span(meta))

    def star(self, meta, item) -> syntax.Repeat:
        return syntax.Repeat(item, "*", span=self._span(meta))

    def plus(self, meta, item) -> syntax.Repeat:
        return syntax.Repeat(item, "+", span=self._span(meta))

    def step(self, meta, name) -> syntax.StepTest:
        return syntax.StepTest(self._word(name), span=self._span(meta))

    def step_with(self, meta, call, *tests) -> syntax.StepTest:
        name = syntax.Word(str(call)[:-1], span=syntax.Span(self.path, call.line, call.column,
                                                      call.end_line, call.end_column - 1))
        return syntax.StepTest(name, tests, span=self._span(meta))

    def any_step(self, meta) -> syntax.StepTest:
        return syntax.StepTest(None, span=self._span(meta))

    def attr_test(self, meta, name, value) -> syntax.AttrTest:
        return syntax.AttrTest(self._word(name), value, span=self._span(meta))

    # ---- expressions
    def any_of(self, meta, *exprs) -> syntax.Expr:
        return exprs[0] if len(exprs) == 1 else syntax.AnyOf(exprs, span=self._span(meta))

    def all_of(self, meta, *exprs) -> syntax.Expr:
        return exprs[0] if len(exprs) == 1 else syntax.AllOf(exprs, span=self._span(meta))

    def negation(self, meta, expr) -> syntax.Not:
        return syntax.Not(expr, span=self._span(meta))

    def reference(self, meta, *names) -> syntax.Ref:
        return syntax.Ref(tuple(self._word(name) for name in names), span=self._span(meta))

    def comparison(self, meta, left, op, right) -> syntax.Comparison:
        return syntax.Comparison(left, str(op), right, span=self._span(meta))

    def membership(self, meta, item, *options) -> syntax.Membership:
        return syntax.Membership(item, options, span=self._span(meta))

    def non_membership(self, meta, item, *options) -> syntax.Membership:
        return syntax.Membership(item, options, negated=True, span=self._span(meta))

    def contained(self, meta, item, collection) -> syntax.Contained:
        return syntax.Contained(item, collection, span=self._span(meta))

    def is_none(self, meta, item) -> syntax.IsNone:
        return syntax.IsNone(item, span=self._span(meta))

    def is_not_none(self, meta, item) -> syntax.IsNone:
        return syntax.IsNone(item, negated=True, span=self._span(meta))

    def matches(self, meta, item, pattern) -> syntax.Matches:
        return syntax.Matches(item, syntax.Text(_unquote(pattern), span=self._token_span(pattern)),
                           span=self._span(meta))

    def temporal(self, meta, left, op, right) -> syntax.Temporal:
        return syntax.Temporal(left, str(op), right, span=self._span(meta))

    def subtract(self, meta, left, right) -> syntax.Arithmetic:
        return syntax.Arithmetic(left, "-", right, span=self._span(meta))

    def add(self, meta, left, right) -> syntax.Arithmetic:
        return syntax.Arithmetic(left, "+", right, span=self._span(meta))

    def quantifier(self, meta, kind, var, collection, condition=None) -> syntax.Quantifier:
        return syntax.Quantifier(str(kind), self._word(var), collection, condition, span=self._span(meta))

    def count(self, meta, var, collection, condition=None) -> syntax.Count:
        return syntax.Count(self._word(var), collection, condition, span=self._span(meta))

    def call(self, meta, name, *args) -> syntax.Call:
        return syntax.Call(self._word(name), args, span=self._span(meta))

    def case_branch(self, meta, condition, value) -> syntax.Branch:
        return syntax.Branch(condition, value, span=self._span(meta))

    def case(self, meta, *parts) -> syntax.Case:
        return syntax.Case(parts[:-1], parts[-1], span=self._span(meta))


def _unquote(token) -> str:
    return str(token)[1:-1]
