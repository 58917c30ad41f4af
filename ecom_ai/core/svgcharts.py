"""Tiny server-side SVG charts (line, grouped bar, heatmap); every text is XML-escaped."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape

PALETTE = ["#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#0ea5e9", "#ec4899", "#84cc16"]
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="11"'
Number = float | int | None


def _fmt(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value / 1000:.1f}k".replace(".0k", "k")
    if value == int(value):
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def percent(value: float) -> str:
    return f"{value * 100:.0f}%" if value * 100 >= 10 or value == 0 else f"{value * 100:.1f}%"


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exp:
            return step * exp
    return 10 * exp


def _floats(series: dict[str, Sequence[Number]]) -> dict[str, list[float | None]]:
    """Plain floats (Decimal from the database included); None stays a gap."""
    return {name: [None if v is None else float(v) for v in vs] for name, vs in series.items()}


def _top(values: list[float]) -> float:
    """Axis maximum: a round number, and a multiple of 4 for counts so every tick is whole."""
    top = _nice_max(max(values, default=0))
    if values and all(float(v).is_integer() for v in values) and not float(top / 4).is_integer():
        top = max(4.0, math.ceil(max(values) / 4) * 4)
    return top


_PLOT_PAD = (56, 16, 28, 26)  # left, right, top, bottom margins of line and bar charts


def _scaled(series: dict[str, Sequence[Number]]) -> tuple[dict[str, list[float | None]], float]:
    """The series as floats and the axis maximum that fits all their values."""
    floats = _floats(series)
    return floats, _top([v for vs in floats.values() for v in vs if v is not None])


def _frame(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'class="ecom-chart" preserveAspectRatio="xMidYMid meet"><title>{escape(title)}</title>'
        + "".join(body)
        + "</svg>"
    )


def _axes(
    width: int, height: int, pad: tuple[int, int, int, int], top: float, fmt: Callable[[float], str]
) -> list[str]:
    left, right, top_pad, bottom = pad
    out = []
    for i in range(5):
        value = top * i / 4
        y = height - bottom - (height - top_pad - bottom) * i / 4
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e7eb"/>')
        out.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#6b7280" {FONT}>'
            f"{escape(fmt(value))}</text>"
        )
    return out


def _legend(names: Sequence[str], width: int) -> list[str]:
    out, x = [], 56
    for i, name in enumerate(names):
        color = PALETTE[i % len(PALETTE)]
        out.append(f'<rect x="{x}" y="6" width="10" height="10" rx="2" fill="{color}"/>')
        out.append(f'<text x="{x + 14}" y="15" fill="#374151" {FONT}>{escape(str(name))}</text>')
        x += 24 + 7 * len(str(name))
        if x > width - 80:
            break
    return out


def _x_labels(labels: Sequence[str], xs: list[float], height: int, bottom: int) -> list[str]:
    step = max(1, math.ceil(len(labels) / 10))
    return [
        f'<text x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle" fill="#6b7280" {FONT}>'
        f"{escape(str(label))}</text>"
        for i, (label, x) in enumerate(zip(labels, xs, strict=True))
        if i % step == 0
    ]


def line_chart(
    labels: Sequence[str],
    series: dict[str, Sequence[Number]],
    *,
    title: str = "",
    width: int = 560,
    height: int = 220,
    fmt: Callable[[float], str] = _fmt,
) -> str:
    """Lines over shared x labels; ``None`` values leave a gap."""
    series, top = _scaled(series)
    pad = left, right, top_pad, bottom = _PLOT_PAD
    n = max(len(labels), 1)
    xs = [left + (width - left - right) * (i / (n - 1) if n > 1 else 0.5) for i in range(len(labels))]

    def y(v: float) -> float:
        return height - bottom - (height - top_pad - bottom) * v / top

    body = _axes(width, height, pad, top, fmt) + _x_labels(labels, xs, height, bottom)
    for i, (name, vs) in enumerate(series.items()):
        color = PALETTE[i % len(PALETTE)]
        segments: list[list[str]] = [[]]
        for x, v in zip(xs, vs, strict=False):
            if v is None:
                segments.append([])
            else:
                segments[-1].append(f"{x:.1f},{y(v):.1f}")
        for seg in segments:
            if len(seg) > 1:
                body.append(
                    f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{" ".join(seg)}"/>'
                )
        for x, v, label in zip(xs, vs, labels, strict=False):
            if v is not None:
                body.append(
                    f'<circle cx="{x:.1f}" cy="{y(v):.1f}" r="2.5" fill="{color}"><title>'
                    f"{escape(f'{name} {label}: {fmt(v)}')}</title></circle>"
                )
    body += _legend(list(series), width)
    return _frame(width, height, title, body)


def bar_chart(
    labels: Sequence[str],
    series: dict[str, Sequence[Number]],
    *,
    title: str = "",
    width: int = 560,
    height: int = 220,
    fmt: Callable[[float], str] = _fmt,
) -> str:
    """Grouped vertical bars, one group per label and one bar per series."""
    series, top = _scaled(series)
    pad = left, right, top_pad, bottom = _PLOT_PAD
    n = max(len(labels), 1)
    group = (width - left - right) / n
    bar = max(1.0, group * 0.8 / max(len(series), 1))
    xs = [left + group * (i + 0.5) for i in range(len(labels))]
    body = _axes(width, height, pad, top, fmt) + _x_labels(labels, xs, height, bottom)
    for j, (name, vs) in enumerate(series.items()):
        color = PALETTE[j % len(PALETTE)]
        for i, v in enumerate(vs):
            if v is None:
                continue
            h = (height - top_pad - bottom) * v / top
            x = left + group * i + group * 0.1 + bar * j
            body.append(
                f'<rect x="{x:.1f}" y="{height - bottom - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'rx="1.5" fill="{color}"><title>{escape(f"{name} {labels[i]}: {fmt(v)}")}</title></rect>'
            )
    if len(series) > 1:
        body += _legend(list(series), width)
    return _frame(width, height, title, body)


def heatmap(
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    values: Sequence[Sequence[Number]],
    *,
    title: str = "",
    width: int = 560,
    fmt: Callable[[float], str] = percent,
) -> str:
    """A grid of cells shaded by value in [0, 1]; ``None`` cells stay blank."""
    left, top_pad, cell_h = 112, 24, 26
    cols = max(len(col_labels), 1)
    cell_w = (width - left - 8) / cols
    height = top_pad + cell_h * max(len(row_labels), 1) + 8
    body = []
    for j, label in enumerate(col_labels):
        body.append(
            f'<text x="{left + cell_w * (j + 0.5):.1f}" y="16" text-anchor="middle" fill="#6b7280" '
            f"{FONT}>{escape(str(label))}</text>"
        )
    for i, label in enumerate(row_labels):
        y = top_pad + cell_h * i
        body.append(
            f'<text x="{left - 8}" y="{y + cell_h / 2 + 4:.1f}" text-anchor="end" fill="#374151" '
            f"{FONT}>{escape(str(label))}</text>"
        )
        for j in range(cols):
            v = values[i][j] if j < len(values[i]) else None
            if v is None:
                continue
            shade = max(0.0, min(1.0, float(v)))
            r, g, b = (
                int(239 - (239 - 37) * shade),
                int(246 - (246 - 99) * shade),
                int(255 - (255 - 235) * shade),
            )
            text_color = "#ffffff" if shade > 0.5 else "#1f2937"
            x = left + cell_w * j
            body.append(
                f'<rect x="{x + 1:.1f}" y="{y + 1}" width="{cell_w - 2:.1f}" height="{cell_h - 2}" rx="3" '
                f'fill="rgb({r},{g},{b})">'
                f"<title>{escape(f'{label} {col_labels[j]}: {fmt(v)}')}</title></rect>"
            )
            body.append(
                f'<text x="{x + cell_w / 2:.1f}" y="{y + cell_h / 2 + 4:.1f}" text-anchor="middle" '
                f'fill="{text_color}" {FONT}>{escape(fmt(v))}</text>'
            )
    return _frame(width, int(height), title, body)


def interval_chart(
    labels: Sequence[str],
    estimates: Sequence[tuple[float, float, float]],
    *,
    title: str = "",
    width: int = 300,
    fmt: Callable[[float], str] = _fmt,
) -> str:
    """Horizontal point estimates with their intervals, one row per label (value, low, high)."""
    left, right, row_h, top_pad = 58, 44, 28, 8
    height = top_pad + row_h * max(len(labels), 1) + 24
    lows = [lo for _, lo, _ in estimates] + [0.0]
    highs = [hi for _, _, hi in estimates]
    lo_axis = min(lows)
    hi_axis = _nice_max(max(highs, default=0))
    span = (hi_axis - lo_axis) or 1.0

    def x(v: float) -> float:
        return left + (width - left - right) * (v - lo_axis) / span

    body = []
    for i in range(5):
        v = lo_axis + span * i / 4
        body.append(
            f'<line x1="{x(v):.1f}" x2="{x(v):.1f}" y1="{top_pad}" y2="{height - 20}" stroke="#e5e7eb"/>'
        )
        body.append(
            f'<text x="{x(v):.1f}" y="{height - 6}" text-anchor="middle" fill="#6b7280" {FONT}>'
            f"{escape(fmt(v))}</text>"
        )
    for i, (label, (value, lo, hi)) in enumerate(zip(labels, estimates, strict=True)):
        y = top_pad + row_h * i + row_h / 2
        color = PALETTE[i % len(PALETTE)]
        body.append(
            f'<text x="{left - 10}" y="{y + 4:.1f}" text-anchor="end" fill="#374151" {FONT}>'
            f"{escape(str(label))}</text>"
        )
        body.append(
            f'<line x1="{x(lo):.1f}" x2="{x(hi):.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{color}" '
            f'stroke-width="3" stroke-linecap="round" opacity="0.55"/>'
        )
        body.append(
            f'<circle cx="{x(value):.1f}" cy="{y:.1f}" r="5" fill="{color}"><title>'
            f"{escape(f'{label}: {fmt(value)} ({fmt(lo)} – {fmt(hi)})')}</title></circle>"
        )
        body.append(
            f'<text x="{width - right + 8}" y="{y + 4:.1f}" fill="#111827" {FONT}>{escape(fmt(value))}</text>'
        )
    return _frame(width, int(height), title, body)
