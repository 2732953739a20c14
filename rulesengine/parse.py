"""Rule file text → syntax tree (`rulesengine.ast`), or a syntax diagnostic.

The grammar is package data (`rulesengine.grammar/rules.lark`), built once on first
use. A lark `Transformer` turns the parse tree into our own frozen nodes, each with
the span it came from, so the later stages never see lark.
"""

from __future__ import annotations

import functools
from importlib.resources import files

from lark import Lark, Token, Transformer, v_args
from lark.lark import PostLex
from lark.exceptions import UnexpectedInput

from rulesengine import ast
from rulesengine.diagnostics import Diagnostic
from rulesengine.parser_cache import cache_dir, cached_lark  # noqa: F401 - cache_dir: where the tables are kept
from rulesengine.syntax_errors import syntax_diagnostic


def grammar_text() -> str:
    """The grammar as shipped in the package."""
    return files("rulesengine.grammar").joinpath("rules.lark").read_text(encoding="utf-8")


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
    between runs (`rulesengine.parser_cache`, which reads back only tables this user
    saved). A strict build is always made afresh: its point is to check the grammar,
    and a parser loaded from a cache skips the checks.
    """
    options = dict(parser="lalr", propagate_positions=True, maybe_placeholders=False,
                   postlex=_ReservedWords(), strict=strict)
    if strict:
        return Lark(grammar_text(), **options)
    return cached_lark(grammar_text(), **options)


def parse(text: str, path: str) -> tuple[ast.RuleFile | None, tuple[Diagnostic, ...]]:
    """Parse one file; on a syntax error, no tree and one diagnostic saying what was expected."""
    try:
        tree = parser().parse(text)
    except UnexpectedInput as exc:
        return None, (syntax_diagnostic(exc, text, path, parser()),)
    return _ToAst(path).transform(tree), ()


def _meta_span(path: str, meta) -> ast.Span:
    return ast.Span(path, meta.line, meta.column, meta.end_line, meta.end_column)


@v_args(inline=True, meta=True)
class _ToAst(Transformer):
    """Lark tree → `rulesengine.ast` nodes; one method per grammar rule or alias."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    def _span(self, meta) -> ast.Span:
        return _meta_span(self.path, meta)

    def _token_span(self, token: Token) -> ast.Span:
        return ast.Span(self.path, token.line, token.column, token.end_line, token.end_column)

    def _word(self, token: Token) -> ast.Word:
        return ast.Word(str(token), span=self._token_span(token))

    # ---- file and declarations
    def start(self, meta, *items) -> ast.RuleFile:
        return ast.RuleFile(
            self.path,
            vocabularies=[i for i in items if isinstance(i, ast.VocabularyDecl)],
            params=[i for i in items if isinstance(i, ast.ParamDecl)],
            rules=[i for i in items if isinstance(i, ast.Rule)],
        )

    def vocabulary(self, meta, *children) -> ast.VocabularyDecl:
        extend = isinstance(children[0], Token) and children[0].type == "EXTEND"
        names = children[1:] if extend else children
        return ast.VocabularyDecl(self._word(names[0]), [self._word(n) for n in names[1:]],
                                  extend=extend, span=self._span(meta))

    def param(self, meta, name, type_, default, doc=None) -> ast.ParamDecl:
        return ast.ParamDecl(self._word(name), self._word(type_), default,
                             _unquote(doc) if doc is not None else None, span=self._span(meta))

    def number(self, meta, token) -> ast.Number:
        return ast.Number(str(token), span=self._span(meta))

    def word(self, meta, token) -> ast.Word:
        return ast.Word(str(token), span=self._span(meta))

    def text(self, meta, token) -> ast.Text:
        return ast.Text(_unquote(token), span=self._span(meta))

    # ---- rules
    def rule(self, meta, *children) -> ast.Rule:
        override = isinstance(children[0], Token) and children[0].type == "OVERRIDE"
        rule_id, description, kinds, *clauses = children[1:] if override else children
        found = {name: value for name, value in clauses}
        return ast.Rule(
            rule_id, _unquote(description), kinds,
            pattern=found.get("match"), condition=found.get("when"),
            outcomes=found["set"], priority=found.get("priority", 0),
            override=override, span=self._span(meta),
        )

    def rule_id(self, meta, *names) -> ast.Word:
        return ast.Word(".".join(names), span=self._span(meta))

    def for_clause(self, meta, *kinds) -> tuple[ast.Word, ...]:
        return tuple(self._word(kind) for kind in kinds)

    def match_clause(self, meta, pattern) -> tuple[str, ast.Pattern]:
        return "match", pattern

    def when_clause(self, meta, expr) -> tuple[str, ast.Expr]:
        return "when", expr

    def set_clause(self, meta, *outcomes) -> tuple[str, tuple[ast.Outcome, ...]]:
        return "set", outcomes

    def priority_clause(self, meta, value) -> tuple[str, int]:
        return "priority", int(value)

    def outcome(self, meta, slot, value, _reason_keyword=None, reason=None) -> ast.Outcome:
        return ast.Outcome(str(slot), self._word(value),
                           self._word(reason) if reason is not None else None,
                           span=self._span(meta))

    # ---- patterns
    def alternatives(self, meta, *options) -> ast.Pattern:
        return options[0] if len(options) == 1 else ast.Alternatives(options, span=self._span(meta))

    def sequence(self, meta, *items) -> ast.Pattern:
        return items[0] if len(items) == 1 else ast.Sequence(items, span=self._span(meta))

    def optional(self, meta, item) -> ast.Repeat:
        return ast.Repeat(item, "?", span=self._span(meta))

    def star(self, meta, item) -> ast.Repeat:
        return ast.Repeat(item, "*", span=self._span(meta))

    def plus(self, meta, item) -> ast.Repeat:
        return ast.Repeat(item, "+", span=self._span(meta))

    def step(self, meta, name) -> ast.StepTest:
        return ast.StepTest(self._word(name), span=self._span(meta))

    def step_with(self, meta, call, *tests) -> ast.StepTest:
        name = ast.Word(str(call)[:-1], span=ast.Span(self.path, call.line, call.column,
                                                      call.end_line, call.end_column - 1))
        return ast.StepTest(name, tests, span=self._span(meta))

    def any_step(self, meta) -> ast.StepTest:
        return ast.StepTest(None, span=self._span(meta))

    def attr_test(self, meta, name, value) -> ast.AttrTest:
        return ast.AttrTest(self._word(name), value, span=self._span(meta))

    # ---- conditions
    def any_of(self, meta, *exprs) -> ast.Expr:
        return exprs[0] if len(exprs) == 1 else ast.AnyOf(exprs, span=self._span(meta))

    def all_of(self, meta, *exprs) -> ast.Expr:
        return exprs[0] if len(exprs) == 1 else ast.AllOf(exprs, span=self._span(meta))

    def negation(self, meta, expr) -> ast.Not:
        return ast.Not(expr, span=self._span(meta))

    def flag(self, meta, name) -> ast.Flag:
        return ast.Flag(self._word(name), span=self._span(meta))

    def comparison(self, meta, fact, op, operand) -> ast.Comparison:
        return ast.Comparison(self._word(fact), str(op), operand, span=self._span(meta))

    def membership(self, meta, fact, *operands) -> ast.Membership:
        return ast.Membership(self._word(fact), operands, span=self._span(meta))


def _unquote(token) -> str:
    return str(token)[1:-1]
