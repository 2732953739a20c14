"""The run report as one self-contained HTML page: figures first, then a page per interaction.

The file must open anywhere, offline and years later, so everything is inline: the
style, the page's script, and Mermaid itself (vendored in `rulesengine/report/assets`,
with its licences), which draws each diagram in the reader's browser when its
interaction is opened. A content security policy forbids the page any request at all.
The same figures and details give the same bytes: nothing here reads a clock.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape
from importlib import resources
from urllib.parse import quote

import attrs

from rulesengine.output.diagram_words import duration
from rulesengine.report.details import Detail
from rulesengine.report.figures import Figures, PartyEntry
from rulesengine.wording import counted

ASSETS = "rulesengine.report.assets"
#: what Mermaid is, for the comment that heads it in every report
MERMAID = ("Mermaid 11.17.2 (MIT licence, (c) Knut Sveidqvist and contributors; the licences of the code "
           "it bundles ship with rulesengine in rulesengine/report/assets)")
#: no request of any kind: scripts and styles are inline, images only `data:`
POLICY = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src data:"
_SCRIPT_TAG = re.compile(r"</?script", re.IGNORECASE)


@attrs.frozen
class About:
    """What the report was made from."""

    sources: tuple[str, ...]
    rules: str
    version: str
    parameters: str
    #: how many interactions may have a page (`--details`)
    details_cap: int


def render(figures: Figures, details: Sequence[Detail], about: About) -> str:
    """The whole page."""
    title = f"rulesengine report: {counted(figures.stream.evaluated, 'interaction')}"
    pages = {detail.interaction for detail in details}
    body = "\n".join([
        _header(about),
        "<main>",
        _summary(figures),
        _descriptors(figures),
        _rules(figures),
        _answer(figures, pages),
        _abandoned(figures),
        _undecided(figures, pages),
        _rejected(figures),
        _index(figures, details, about),
        _section("parameters", "Parameters", f"<pre>{escape(about.parameters)}</pre>"),
        *(_detail(detail) for detail in details),
        "</main>",
    ])
    return (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n"
        f"<style>\n{_asset('report.css')}</style>\n"
        "</head>\n<body>\n"
        f"{body}\n"
        f"<script>/* {MERMAID} */\n{inline_script(_asset('mermaid.min.js'))}\n</script>\n"
        f"<script>\n{inline_script(_asset('report.js'))}</script>\n"
        "</body>\n</html>\n"
    )


def _asset(name: str) -> str:
    return resources.files(ASSETS).joinpath(name).read_text(encoding="utf-8")


def inline_script(script: str) -> str:
    """A script's text, checked to hold no `<script` or `</script` that would end it early
    (the vendored Mermaid holds none; a new version must not either)."""
    if _SCRIPT_TAG.search(script):
        raise ValueError("a script to inline holds '<script' or '</script'")
    return script


def anchor(interaction: str) -> str:
    """The id of an interaction's page: `i-` and the id, percent-encoded, so any id is a
    valid HTML id and the same text works in a link."""
    return "i-" + quote(interaction, safe="")


def _link(interaction: str, pages: set[str]) -> str:
    if interaction in pages:
        return f'<a href="#{anchor(interaction)}">{escape(interaction)}</a>'
    return escape(interaction)


def _section(key: str, title: str, content: str) -> str:
    return f'<section id="{key}">\n<h2>{escape(title)}</h2>\n{content}\n</section>'


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


def _time(ms: int | None) -> str:
    return "–" if ms is None else duration(ms)


def _table(head: Sequence[str], rows: Sequence[str], *, numbers: Sequence[int] = (), key: str = "") -> str:
    """A table of rows made by `_cells`; the columns numbered in `numbers` hold figures."""
    cells = "".join(f"<th{_number(index, numbers)}>{escape(name)}</th>" for index, name in enumerate(head))
    table_id = f' id="{key}"' if key else ""
    return (f"<table{table_id}>\n<thead><tr>{cells}</tr></thead>\n<tbody>\n" + "\n".join(rows)
            + "\n</tbody>\n</table>")


def _cells(*values: str, numbers: Sequence[int] = (), attributes: str = "") -> str:
    """One table row of already-escaped cells; `attributes` go on the row."""
    cells = "".join(f"<td{_number(index, numbers)}>{value}</td>" for index, value in enumerate(values))
    return f"<tr{attributes}>{cells}</tr>"


def _number(index: int, numbers: Sequence[int]) -> str:
    return _class("number" if index in numbers else "")


def _class(name: str) -> str:
    return f' class="{name}"' if name else ""


def _header(about: About) -> str:
    sources = ", ".join(escape(source) for source in about.sources)
    links = [("summary", "Summary"), ("descriptors", "Descriptors"), ("rules", "Rules"),
             ("answer", "Time to answer"), ("abandoned", "Abandoned"), ("undecided", "Undecided"),
             ("rejected", "Rejected"), ("interactions", "Interactions"), ("parameters", "Parameters")]
    nav = " ".join(f'<a href="#{key}">{name}</a>' for key, name in links)
    return (f"<header>\n<h1>Descriptor report</h1>\n"
            f'<p class="about">Events: {sources}. Rules: {escape(about.rules)}. '
            f"rulesengine {escape(about.version)}.</p>\n<nav>{nav}</nav>\n</header>")


def _summary(figures: Figures) -> str:
    stream = figures.stream
    abandon, alert = figures.abandon, figures.alert
    cards = [
        ("", "Interactions evaluated", f"{stream.evaluated} <small>of {stream.interactions} read</small>"),
        ("bad" if stream.rejected else "", "Rejected", f"{stream.rejected}"),
        ("", "Parties", f"{figures.parties}"),
        ("warn" if figures.undecided_total else "", "Parties not fully decided", f"{figures.undecided_total}"),
        ("", "Customer abandoned", (f"{_share(abandon.abandoned, abandon.interactions)} "
                                    f"<small>{abandon.abandoned} of {abandon.interactions}</small>")),
        ("", "Median time to answer", f"{_time(alert.median_ms)} <small>{alert.answered} answered</small>"),
    ]
    if stream.late_events or stream.bad_lines or stream.held_open:
        cards.append(("warn", "Late events, unreadable lines, held open",
                      f"{stream.late_events}, {stream.bad_lines}, {stream.held_open}"))
    items = "\n".join(f"<div{_class(style)}><dt>{escape(name)}</dt><dd>{value}</dd></div>"
                      for style, name, value in cards)
    return _section("summary", "Summary", f'<dl class="cards">\n{items}\n</dl>')


def _descriptors(figures: Figures) -> str:
    rows = []
    widest = max((d.parties for d in figures.descriptors), default=1)
    for d in figures.descriptors:
        shown = f"{d.descriptor} ({d.record})"
        link = f'<a href="#interactions" data-filter="{escape(shown)}">{escape(d.descriptor)}</a>'
        bar = f'<meter min="0" max="{widest}" value="{d.parties}"></meter>'
        rows.append(_cells(escape(d.kind), link, escape(d.record), str(d.parties),
                           _share(d.parties, figures.parties), bar, numbers=(3, 4)))
    note = ('<p class="note">Parties per descriptor and record type, most frequent first. '
            "A descriptor opens the interactions that have it.</p>")
    table = _table(["kind", "descriptor", "record", "parties", "share", ""], rows, numbers=(3, 4))
    return _section("descriptors", "Descriptors", f"{note}\n{table}")


def _rules(figures: Figures) -> str:
    rows = [_cells(f"<code>{escape(r.rule)}</code>", f"<code>{escape(r.at)}</code>", str(r.parties),
                   _share(r.parties, figures.parties), numbers=(2, 3),
                   attributes=_class("" if r.parties else "unused"))
            for r in figures.rules]
    unused = sum(1 for r in figures.rules if not r.parties)
    note = ('<p class="note">The parties each rule decided something for (role, result or record '
            f"type); {counted(unused, 'rule')} of the rule set decided nothing in this input.</p>")
    return _section("rules", "Rules", note + "\n" + _table(["rule", "written at", "parties", "share"], rows,
                                                           numbers=(2, 3)))


def _party_rows(entries: Sequence[PartyEntry], pages: set[str], *, alert: bool = False,
                undecided: bool = False) -> list[str]:
    rows = []
    for e in entries:
        values = [_link(e.interaction, pages), f"<code>{escape(e.party)}</code>", escape(e.kind),
                  escape(e.resource), escape(f"{e.descriptor} ({e.record})")]
        if alert:
            values.insert(4, _time(e.alert_ms))
        if undecided:
            values.append(escape(", ".join(e.undecided)))
        rows.append(_cells(*values, numbers=(4,) if alert else ()))
    return rows


def _answer(figures: Figures, pages: set[str]) -> str:
    alert = figures.alert
    if not alert.invitations:
        return _section("answer", "Time to answer", '<p class="note">No invitation in this input.</p>')
    summary = (f"<p>Of {counted(alert.invitations, 'invitation')}, {alert.answered} "
               f"({_share(alert.answered, alert.invitations)}) were answered: the agent accepted. "
               f"Time to answer (the alert time of an accepted invitation): median {_time(alert.median_ms)}, "
               f"90th percentile {_time(alert.p90_ms)}, longest {_time(alert.longest_ms)} "
               "(percentiles by nearest rank). The others were withdrawn, declined or still ringing "
               "at the end: how they ended is under Descriptors.</p>\n")
    slowest = _table(["interaction", "party", "kind", "resource", "alert", "outcome"],
                     _party_rows(alert.slowest, pages, alert=True), numbers=(4,))
    agents = _table(["agent", "invitations", "answered", "mean time to answer", "longest"],
                    [_cells(escape(a.resource), str(a.invitations), str(a.answered), _time(a.mean_ms),
                            _time(a.longest_ms), numbers=(1, 2, 3, 4)) for a in alert.agents],
                    numbers=(1, 2, 3, 4))
    return _section("answer", "Time to answer",
                    summary + f"<h3>Slowest to answer: the {len(alert.slowest)} longest</h3>\n{slowest}\n"
                    f"<h3>Agents slowest to answer, by mean time to answer</h3>\n{agents}")


def _abandoned(figures: Figures) -> str:
    abandon = figures.abandon
    where = [_cells(escape(kind), escape(descriptor), str(count), _share(count, abandon.interactions),
                    numbers=(2, 3)) for kind, descriptor, count in abandon.where]
    text = (f"<p>The customer abandoned {abandon.abandoned} of {counted(abandon.interactions, 'interaction')} "
            f"({_share(abandon.abandoned, abandon.interactions)}): a party's technical result is "
            "CustomerAbandoned. Where the customer was, by the first such party:</p>\n"
            + _table(["kind", "descriptor", "interactions", "share"], where, numbers=(2, 3))
            + f"\n<p>Invitations that came to nothing (technical result Abandoned: withdrawn or declined): "
            f"{abandon.invitations_abandoned} of {counted(abandon.invitations, 'invitation')} "
            f"({_share(abandon.invitations_abandoned, abandon.invitations)}).</p>")
    return _section("abandoned", "Abandoned", text)


def _more(shown: int, total: int, what: str) -> str:
    return "" if shown >= total else f'<p class="note">The first {shown} of {total} {what} are listed.</p>'


def _undecided(figures: Figures, pages: set[str]) -> str:
    if not figures.undecided_total and not figures.problems_total:
        return _section("undecided", "Undecided parties",
                        '<p class="note">Every party got a role, a result and a record type.</p>')
    text = (f"<p>{counted(figures.undecided_total, 'party', 'parties')} not fully decided: no rule set the parts "
            "named, which stay Unspecified in the rows.</p>\n"
            + _table(["interaction", "party", "kind", "resource", "outcome", "undecided"],
                     _party_rows(figures.undecided, pages, undecided=True))
            + _more(len(figures.undecided), figures.undecided_total, "parties"))
    if figures.problems_total:
        problems = [_cells(_link(p.interaction, pages), f"<pre>{escape(p.text)}</pre>") for p in figures.problems]
        text += (f"\n<h3>Problems while deciding: {figures.problems_total}</h3>\n"
                 + _table(["interaction", "problem"], problems)
                 + _more(len(figures.problems), figures.problems_total, "problems"))
    return _section("undecided", "Undecided parties", text)


def _rejected(figures: Figures) -> str:
    stream = figures.stream
    counts = (f"<p>{counted(stream.rejected, 'interaction')} rejected, {counted(stream.late_events, 'late event')}, "
              f"{counted(stream.bad_lines, 'unreadable line')}, {stream.held_open} held open (no "
              "interaction.ended; <code>--include-open</code> evaluates them).</p>")
    if not figures.rejections_total:
        return _section("rejected", "Rejected interactions", counts)
    rows = [_cells(escape(r.interaction or "(no interaction id)"), escape(r.kind),
                   "<pre>" + escape("\n".join(r.reasons)) + "</pre>") for r in figures.rejections]
    return _section("rejected", "Rejected interactions",
                    counts + "\n" + _table(["interaction", "kind", "reasons"], rows)
                    + _more(len(figures.rejections), figures.rejections_total, "rejections"))


def _index(figures: Figures, details: Sequence[Detail], about: About) -> str:
    rows = []
    for detail in details:
        search = " ".join([detail.interaction, *(f"{p.party} {p.resource} {p.outcome}" for p in detail.parties)])
        outcomes = "".join(f"<li><code>{escape(p.party.removeprefix(detail.interaction + '.'))}</code> "
                           f"{escape(p.resource)}: {escape(p.outcome)}</li>" for p in detail.parties)
        mark = ' <span class="tag">provisional</span>' if detail.provisional else ""
        rows.append(_cells(f'<a href="#{anchor(detail.interaction)}">{escape(detail.interaction)}</a>{mark}',
                           f'<ul class="outcomes">{outcomes}</ul>',
                           attributes=f' data-search="{escape(search.lower())}"'))
    evaluated = figures.stream.evaluated
    cap = (f" The first {about.details_cap} interactions of the input have a page, and every one the "
           "lists above name; the figures count them all.") if len(details) < evaluated else ""
    text = (f'<p class="note">{counted(len(details), "interaction")} of {evaluated} with a page: its diagram '
            f"and its explanation.{cap}</p>\n"
            '<div class="filter"><input id="filter" type="search" placeholder="Filter: an id, a resource, '
            'a descriptor (all words must match)" aria-label="filter the interactions"> '
            f'<span><span id="index-shown">{len(details)}</span> shown</span> '
            '<button id="draw-all" type="button">Show every diagram</button></div>\n'
            + _table(["interaction", "parties and their outcomes"], rows, key="index"))
    return _section("interactions", "Interactions", text)


def _detail(detail: Detail) -> str:
    parties = _table(["party", "kind", "resource", "outcome"],
                     [_cells(f"<code>{escape(p.party)}</code>", escape(p.kind), escape(p.resource),
                             escape(p.outcome)) for p in detail.parties])
    mark = ' <span class="tag">provisional</span>' if detail.provisional else ""
    return (f'<article class="detail" id="{anchor(detail.interaction)}" '
            f'data-interaction="{escape(detail.interaction)}">\n'
            f'<h2>{escape(detail.interaction)}{mark} <a class="back" href="#interactions">all interactions</a></h2>\n'
            f"{parties}\n<h3>Diagram</h3>\n"
            '<div class="diagram"></div>\n'
            "<details><summary>Mermaid source (as <code>rulesengine graph</code> prints it)</summary>"
            f'<pre class="diagram-source">{escape(detail.diagram)}</pre></details>\n'
            "<h3>Explanation (as <code>rulesengine explain</code> prints it)</h3>\n"
            f'<pre class="explanation">{escape(detail.explanation)}</pre>\n</article>')
