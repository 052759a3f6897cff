"""One report as one self-contained HTML document: inline CSS, inline SVG charts, no scripts and
no external resources, every value escaped.

Policy: P3.2.7 (standard report formats), P3.2.3 (archived as a work record exactly as sent).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from html import escape

from domain.i18n import default_language, t, translate
from domain.reports import charts
from domain.reports.charts import NO_DATA
from domain.reports.periods import Window
from domain.reports.registry import Section, SectionContent, Table

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#222}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;
border-bottom:1px solid #ccc;padding-bottom:.2rem}.meta{color:#555;font-size:.9rem}
table{border-collapse:collapse;margin:.6rem 0}td,th{border:1px solid #ccc;padding:.25rem .6rem;
text-align:left}th{background:#f3f3f3}td.num{text-align:right}.figures td:first-child{color:#555}
.note{color:#555;font-size:.9rem}figure{margin:.8rem 0}
"""


def _table(table: Table, lang: str, css_class: str = "") -> str:
    head = "".join(f"<th>{escape(translate(h, lang))}</th>" for h in table.headers)
    rows = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{escape(c)}</td>' if i else f"<td>{escape(c)}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in table.rows
    )
    if not table.rows:
        empty = escape(translate(NO_DATA, lang))
        rows = f'<tr><td colspan="{len(table.headers)}">{empty}</td></tr>'
    attribute = f' class="{css_class}"' if css_class else ""
    return f"<table{attribute}><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _section(section: Section, content: SectionContent, lang: str) -> str:
    title = escape(translate(section.title, lang))
    parts = [f'<section id="{escape(section.key)}"><h2>{title}</h2>']
    if content.figures:
        parts.append(
            '<table class="figures"><tbody>'
            + "".join(
                f'<tr><td>{escape(translate(k, lang))}</td><td class="num">{escape(v)}</td></tr>'
                for k, v in content.figures
            )
            + "</tbody></table>"
        )
    parts.extend(_table(t, lang) for t in content.tables)
    parts.extend(
        f"<figure>{charts.render(replace(c, title=translate(c.title, lang)), lang)}</figure>"
        for c in content.charts
    )
    if content.note:
        parts.append(f'<p class="note">{escape(translate(content.note, lang))}</p>')
    parts.append("</section>")
    return "".join(parts)


def render_report(
    title: str,
    target: Window,
    sections: list[tuple[Section, SectionContent]],
    *,
    generated_at: dt.datetime,
    timezone: str,
    due_at: dt.datetime,
    lang: str | None = None,
) -> bytes:
    """The report in `lang` (default: the hotel's default language)."""
    lang = lang or default_language()
    body = "".join(_section(s, c, lang) for s, c in sections)
    meta = t(
        lang,
        "Period {period} ({timezone}) · generated {generated} · submission due {due}",
        period=target.label,
        timezone=timezone,
        generated=generated_at.isoformat(timespec="minutes"),
        due=due_at.isoformat(timespec="minutes"),
    )
    nothing = t(lang, "No sections are registered for this report.")
    html = (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{escape(title)}</h1>"
        f'<p class="meta">{escape(meta)}</p>'
        f"{body or f'<p>{escape(nothing)}</p>'}"
        "</body></html>"
    )
    return html.encode("utf-8")
