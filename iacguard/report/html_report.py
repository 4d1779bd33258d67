"""``--format html``: the compliance report as one self-contained HTML page
(its stylesheet inline, no script, nothing fetched), in the language of
``--lang``, written line by line as it is laid out."""

from __future__ import annotations

import html
from importlib.resources import files
from typing import Iterable, Iterator, List, Sequence, Tuple

from ..findings import SEVERITIES
from .common import location, xml_safe
from .compliance import STATUSES, CheckSection, Compliance, ControlRow, build, slug
from .i18n import t
from .layout import (
    CODE_SPAN,
    DASH,
    INLINE_CHECKS,
    about,
    by_file,
    check_tables,
    failures_by_detail,
    group_notes,
    intro,
    joined,
    overview,
    overview_heads,
    passed_places,
    status_counts,
    tallies,
)
from .model import Report


def _stylesheet() -> str:
    """compliance.css, shipped beside this module (screen and print)."""
    return files(__package__).joinpath("compliance.css").read_text(encoding="utf-8")


def _h(text: str) -> str:
    return html.escape(xml_safe(text), quote=True)


def _h_cell(kind: str, text: str, lang: str) -> str:
    if kind in ("id", "ids"):
        return "<td>" + ", ".join(f'<code class="id">{_h(i)}</code>' for i in text.split(", ")) + "</td>"
    if kind == "code":
        return f"<td><code>{_h(text)}</code></td>" if text else "<td></td>"
    if kind == "loc":
        return f"<td>{_h_loc(text)}</td>"
    if kind == "status":
        return f'<td><span class="status status-{_h(text)}">{_h(t(f"status.{text}", lang))}</span></td>'
    if kind == "num":
        return f'<td class="num">{_h(text)}</td>'
    if kind == "rich":
        return "<td>" + _h_rich(text) + "</td>"
    return f"<td>{_h(text)}</td>"


def _h_loc(text: str) -> str:
    """A path or file:line that may break after a slash, never inside a name
    or a number."""
    return '<code class="loc">' + _h(text).replace("/", "/<wbr>") + "</code>"


def _h_rich(text: str) -> str:
    """Check-authored text: `code` spans become <code>, nothing else is markup."""
    return CODE_SPAN.sub(r"<code>\1</code>", _h(text))


def _h_table(heads: Sequence[str], rows: Iterable[str], css: str = "", numeric: Sequence[int] = ()) -> Iterator[str]:
    """The table's lines: its head, a row a line (an empty line when there
    are none), its end."""
    cls = f' class="{css}"' if css else ""
    head = "".join(f'<th class="num" scope="col">{_h(h)}</th>' if i in numeric else f'<th scope="col">{_h(h)}</th>'
                   for i, h in enumerate(heads))
    yield f"<table{cls}><thead><tr>{head}</tr></thead><tbody>"
    empty = True
    for row in rows:
        empty = False
        yield row
    if empty:
        yield ""
    yield "</tbody></table>"


def _h_row(cells: Iterable[Tuple[str, str]], lang: str) -> str:
    return "<tr>" + "".join(_h_cell(k, v, lang) for k, v in cells) + "</tr>"


def pieces(report: Report) -> Iterator[str]:
    return joined(_html_lines(build(report)))


def _html_lines(m: Compliance) -> Iterator[str]:
    lang = m.lang
    yield from [
        "<!DOCTYPE html>", f'<html lang="{_h(lang)}">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_h(t('c.title', lang))}</title>", f"<style>\n{_stylesheet()}</style>", "</head>", "<body>",
        f"<header><h1>{_h(t('c.title', lang))}</h1>",
        f'<p class="meta">{_h(intro(m))}</p>',
        '<table class="about">' + "".join(f'<tr><th scope="row">{_h(label)}</th>{_h_cell(kind, value, lang)}</tr>'
                                          for label, kind, value in about(m)) + "</table>",
        *([f'<p class="meta">{_h(t("c.base", lang))} {_h_loc(m.base)}</p>'] if m.base else []),
        "</header>",
    ]
    toc = [f'<li><a href="#summary">{_h(t("c.summary", lang))}</a></li>']
    toc += [f'<li><a href="#part-{p.key}">{_h(p.title)}</a></li>' for p in m.parts]
    if m.checks:
        toc.append(f'<li><a href="#by-check">{_h(t("c.by_check", lang))}</a></li>')
    toc.append(f'<li><a href="#parse-errors">{_h(t("c.parse_errors", lang))}</a></li>')
    yield from [f'<nav aria-label="{_h(t("c.contents", lang))}"><h2>{_h(t("c.contents", lang))}</h2><ol>',
                *toc, "</ol></nav>"]
    yield from ['<section id="summary">', f"<h2>{_h(t('c.summary', lang))}</h2>"]
    if m.parse_errors:
        yield f'<p class="warning" role="note">{_h(t("c.parse_warning", lang, count=len(m.parse_errors)))}</p>'
    yield f"<h3>{_h(t('c.status_counts', lang))}</h3>"
    heads, rows = status_counts(m)
    status_rows = []
    for r in rows:
        label = (f"<th scope=\"row\">{_h(t('col.total', lang))}</th>" if r[0] == "total" else
                 f'<th scope="row"><span class="status status-{r[0]}">{_h(t(f"status.{r[0]}", lang))}</span></th>')
        status_rows.append("<tr>" + label + "".join(f'<td class="num">{_h(v)}</td>' for v in r[1:]) + "</tr>")
    yield from _h_table(heads, status_rows, "summary", numeric=range(1, len(heads)))
    yield f"<h3>{_h(t('c.severity_counts', lang))}</h3>"
    yield from _h_table([t("col.severity", lang), t("col.count", lang)],
                        [f'<tr><th scope="row">{_h(t(f"severity.{s}", lang))}</th>'
                         f'<td class="num">{m.by_severity.get(s, 0)}</td></tr>' for s in reversed(SEVERITIES)],
                        "summary", numeric=[1])
    yield f'<p>{_h(t("c.suppressed_count", lang, count=m.suppressed))}</p>'
    yield f"<h3>{_h(t('c.legend', lang))}</h3>"
    yield '<dl class="legend">' + "".join(
        f'<dt><span class="status status-{s}">{_h(t(f"status.{s}", lang))}</span></dt>'
        f'<dd>{_h(t(f"status.{s}.help", lang))}</dd>' for s in STATUSES) + "</dl>"
    yield from [f'<p class="note">{_h(t("c.catalogue_note", lang))}</p>', "</section>"]
    for part in m.parts:
        yield from [f'<section class="part" id="part-{part.key}">', f"<h2>{_h(part.title)}</h2>"]
        for group in part.groups:
            yield f'<h3 id="{_h(group.anchor)}">{_h(group.title)}</h3>'
            yield from _h_table(overview_heads(part, lang),
                                ("<tr>" + "".join(_h_cell(k, v, lang) for k, v in overview(row)) + _h_checks(row, lang)
                                 + "</tr>" for row in group.rows), f"overview {part.key}", numeric=[3])
            notes = group_notes(group)
            if notes:
                yield '<ul class="notes">' + "".join(
                    f"<li>{', '.join(_h_id(i) for i in ids)}: {_h(note)}</li>" for ids, note in notes) + "</ul>"
        yield "</section>"
    if m.checks:
        yield from ['<section class="part" id="by-check">', f"<h2>{_h(t('c.by_check', lang))}</h2>",
                    f'<p class="note">{_h(t("c.by_check_note", lang))}</p>']
        for section in m.checks:
            yield from _h_check(section, lang)
        yield "</section>"
    yield from ['<section class="part" id="parse-errors">', f"<h2>{_h(t('c.parse_errors', lang))}</h2>"]
    if m.parse_errors:
        yield from _h_table([t("col.location", lang), t("col.error", lang)],
                            (_h_row([("code", location(e.file, e.line)), ("text", e.message)], lang)
                             for e in m.parse_errors))
    else:
        yield f"<p>{_h(t('c.none', lang))}</p>"
    yield from ["</section>", f"<footer><p>{_h(t('c.footer', lang, version=m.version))}</p></footer>",
                "</body>", "</html>", ""]


def _h_checks(row: ControlRow, lang: str) -> str:
    """The checks cell: each check with failures or suppressions, linked to
    its section with its counts; the others by id, folded when many."""
    if not row.checks:
        return f"<td>{DASH}</td>"
    detailed, others = tallies(row)
    parts = [f'<a href="#check-{_h(slug(x.check_id))}">{_h_id(x.check_id)}</a> ' + " ".join(
        f'<span class="result-{r}">{_h(t("c.check_result", lang, result=t(f"result.{r}", lang), count=n))}</span>'
        for r, n in x.results()) for x in detailed]
    ids = ", ".join(_h_id(x.check_id) for x in others)
    if len(others) <= INLINE_CHECKS:
        parts += [ids] if ids else []
    else:
        key = "c.other_checks" if detailed else "c.checks_count"
        parts.append(f'<details class="more"><summary>{_h(t(key, lang, count=len(others)))}</summary>{ids}</details>')
    places = passed_places(row)
    if places:
        # Folded on screen; on paper, where nothing unfolds, written out small.
        label, where = _h(t("c.passed_at", lang)), _h_places(places)
        parts.append(f'<details class="passed"><summary>{label}</summary>{where}</details>'
                     f'<span class="passed-print">{label}: {where}</span>')
    return "<td>" + "; ".join(parts) + "</td>"


def _h_places(places: List[str]) -> str:
    return "; ".join(_h_loc(place) for place in places)


def _h_id(check_id: str) -> str:
    return f'<code class="id">{_h(check_id)}</code>'


def _h_check(section: CheckSection, lang: str) -> Iterator[str]:
    yield f'<article class="check" id="check-{_h(slug(section.check_id))}">'
    yield (f"<h3>{_h_id(section.check_id)} {_h(section.title)} "
           f'<span class="severity">{_h(t(f"severity.{section.severity}", lang))}</span></h3>')
    if section.failures and section.remediation:
        yield f'<p class="remedy"><strong>{_h(t("c.remedies", lang))}:</strong> {_h_rich(section.remediation)}</p>'
    if section.failures:
        yield f'<ul class="failures" aria-label="{_h(t("c.failures", lang))}">'
        for detail, failures in failures_by_detail(section):
            places = "; ".join(f"{_h_loc(file)}: {lines}" if lines else _h_loc(file)
                               for file, lines, _ in by_file(failures))
            # Resource names: folded on screen, left out on paper (file:line says where).
            names = (f'<details class="names"><summary>{_h(t("c.resource_names", lang, count=len(failures)))}'
                     "</summary>" + ", ".join(f"<code>{_h(f.resource)}</code>" for f in failures) + "</details>")
            yield f"<li>{_h(detail) + ': ' if detail else ''}{places} {names}</li>"
        yield "</ul>"
    for heading, cols, cells in check_tables(section, lang):
        yield f"<h5>{_h(heading)}</h5>"
        yield from _h_table(cols, (_h_row(c, lang) for c in cells), "findings")
    yield "</article>"
