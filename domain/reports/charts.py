"""Charts as inline SVG text: bar charts and line charts drawn from numbers alone, with every
label escaped, so a report is one file that needs no script, font or image from elsewhere.

Policy: P3.2.7 (standard report formats that can be read anywhere and archived as they are).
"""

from __future__ import annotations

from html import escape

from domain.i18n import N_, translate
from domain.reports.registry import Chart

WIDTH = 640
HEIGHT = 260
LEFT = 56
RIGHT = 16
TOP = 28
BOTTOM = 56
PALETTE = ("#2f6690", "#d1495b", "#edae49", "#66a182", "#8d6a9f", "#3a7d44")


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 or value == int(value) else f"{value:,.1f}"


def _scale_max(values: list[float]) -> float:
    top = max([0.0, *values])
    if top <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(top))) - 1)
    return float(((int(top) // magnitude) + 1) * magnitude)


def _frame(chart: Chart, top: float) -> list[str]:
    plot_h = HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(chart.title)}">',
        f'<text x="{LEFT}" y="18" font-size="13" font-weight="bold">{escape(chart.title)}</text>',
    ]
    for step in range(5):
        value = top * step / 4
        y = TOP + plot_h - plot_h * step / 4
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            'stroke="#ddd" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="10" text-anchor="end">'
            f"{escape(_fmt(value))}</text>"
        )
    if chart.unit:
        parts.append(f'<text x="4" y="{TOP - 8}" font-size="10">{escape(chart.unit)}</text>')
    return parts


NO_DATA = N_("No data for this period.")


def _empty(chart: Chart, empty_text: str = NO_DATA) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} 60" width="{WIDTH}" '
        f'height="60"><text x="{LEFT}" y="18" font-size="13" font-weight="bold">'
        f'{escape(chart.title)}</text><text x="{LEFT}" y="42" font-size="12" fill="#666">'
        f"{escape(empty_text)}</text></svg>"
    )


def bar_chart(chart: Chart, empty_text: str = NO_DATA) -> str:
    values = chart.series[0][1] if chart.series else []
    if not values or not any(values):
        return _empty(chart, empty_text)
    top = _scale_max(values)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    slot = plot_w / len(values)
    bar = min(48.0, slot * 0.7)
    parts = _frame(chart, top)
    for i, (label, value) in enumerate(zip(chart.labels, values, strict=True)):
        height = plot_h * value / top
        x = LEFT + slot * i + (slot - bar) / 2
        y = TOP + plot_h - height
        colour = PALETTE[i % len(PALETTE)]
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{height:.1f}" '
            f'fill="{colour}"><title>{escape(label)}: {escape(_fmt(value))}</title></rect>'
        )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{y - 4:.1f}" font-size="10" '
            f'text-anchor="middle">{escape(_fmt(value))}</text>'
        )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{HEIGHT - BOTTOM + 16}" font-size="10" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def line_chart(chart: Chart, empty_text: str = NO_DATA) -> str:
    if not chart.labels or not any(any(values) for _, values in chart.series):
        return _empty(chart, empty_text)
    top = _scale_max([v for _, values in chart.series for v in values])
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    count = len(chart.labels)
    step = plot_w / max(1, count - 1)
    parts = _frame(chart, top)
    every = max(1, count // 10)
    for i, label in enumerate(chart.labels):
        if i % every == 0 or i == count - 1:
            parts.append(
                f'<text x="{LEFT + step * i:.1f}" y="{HEIGHT - BOTTOM + 16}" font-size="10" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    for n, (name, values) in enumerate(chart.series):
        colour = PALETTE[n % len(PALETTE)]
        points = " ".join(
            f"{LEFT + step * i:.1f},{TOP + plot_h - plot_h * v / top:.1f}"
            for i, v in enumerate(values)
        )
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2">'
            f"<title>{escape(name)}</title></polyline>"
        )
        legend_y = HEIGHT - 16
        legend_x = LEFT + 120 * n
        parts.append(
            f'<rect x="{legend_x}" y="{legend_y - 9}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{legend_x + 14}" y="{legend_y}" font-size="10">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def render(chart: Chart, lang: str | None = None) -> str:
    """The chart as inline SVG; its title comes translated, the empty-chart text is
    translated here."""
    empty_text = translate(NO_DATA, lang)
    return line_chart(chart, empty_text) if chart.kind == "line" else bar_chart(chart, empty_text)
