"""Server-drawn SVG charts: geometry computed here, drawn by templates/admin/backoffice/charts/*.html.

No JavaScript and no CDN: the page arrives with its charts already drawn, prints as it shows, and
works with scripts blocked. Amounts stay Decimal until the last step, where they become pixel
coordinates (floats are fine for pixels, never for money).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from core.formats import money_label

# One palette for the whole back-office (also used by static/backoffice/backoffice.css).
INVOICED = "#94a3b8"
COLLECTED = "#0f766e"
AGING_COLOURS = ("#f59e0b", "#f97316", "#dc2626", "#7f1d1d")


def short_money(value: Decimal | float) -> str:
    """Axis label: 950, 12k, 2.5k, 1.2M."""
    value = float(value)
    for divisor, suffix in ((1_000_000, "M"), (1_000, "k")):
        if abs(value) >= divisor:
            scaled = round(value / divisor, 1)
            text = f"{scaled:.0f}" if scaled == int(scaled) else f"{scaled:.1f}"
            return f"{text}{suffix}"
    return f"{value:.0f}"


NICE_STEPS = (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)


def nice_step(value: float) -> float:
    """The smallest round step (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k) at or above value."""
    if value <= 0:
        return 1.0
    magnitude = 1.0
    while magnitude * 10 <= value:
        magnitude *= 10
    while magnitude > value:
        magnitude /= 10
    for step in NICE_STEPS:
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str


@dataclass
class Chart:
    width: int
    height: int
    left: int
    top: int
    plot_width: int
    plot_height: int
    bars: list[Bar] = field(default_factory=list)
    gridlines: list[dict] = field(default_factory=list)
    x_labels: list[dict] = field(default_factory=list)
    legend: list[dict] = field(default_factory=list)
    empty: bool = True

    @property
    def bottom(self) -> int:
        return self.top + self.plot_height

    @property
    def right(self) -> int:
        return self.left + self.plot_width


def column_chart(
    *,
    labels: list[str],
    titles: list[str],
    series: list[tuple[str, str, list[Decimal]]],
    width: int = 640,
    height: int = 260,
    label_every: int = 1,
    gridlines: int = 4,
) -> Chart:
    """Grouped columns: one group per label, one column per series (name, colour, values)."""
    left, top, right_pad, bottom_pad = 56, 12, 8, 28
    chart = Chart(
        width=width, height=height, left=left, top=top,
        plot_width=width - left - right_pad, plot_height=height - top - bottom_pad,
    )
    chart.legend = [{"name": name, "colour": colour} for name, colour, _ in series]
    peak = max((float(v) for _, _, values in series for v in values), default=0.0)
    chart.empty = peak <= 0
    step = nice_step(peak / gridlines)
    ceiling = step * gridlines
    for i in range(gridlines + 1):
        amount = step * i
        y = chart.bottom - chart.plot_height * i / gridlines
        chart.gridlines.append({"y": round(y, 1), "label": short_money(amount)})

    groups = len(labels)
    if not groups:
        return chart
    slot = chart.plot_width / groups
    gap = slot * 0.2
    column = (slot - gap) / max(len(series), 1)
    for g, label in enumerate(labels):
        x0 = chart.left + g * slot + gap / 2
        if g % label_every == 0 or g == groups - 1:
            chart.x_labels.append({"x": round(x0 + (slot - gap) / 2, 1), "label": label})
        for s, (name, colour, values) in enumerate(series):
            value = values[g]
            bar_height = chart.plot_height * float(value) / ceiling if ceiling else 0.0
            if value > 0:
                bar_height = max(bar_height, 1.5)  # a tiny amount stays visible
            # Collections are net of reversals: a day or month with more reversed than received
            # draws no column (SVG refuses a negative height); its title still says the figure.
            bar_height = max(bar_height, 0.0)
            chart.bars.append(
                Bar(
                    x=round(x0 + s * column, 1),
                    y=round(chart.bottom - bar_height, 1),
                    width=round(max(column - 1, 1), 1),
                    height=round(bar_height, 1),
                    colour=colour,
                    title=f"{titles[g]} · {name}: {money_label(value)}",
                )
            )
    return chart


def horizontal_bars(
    *, rows: list[tuple[str, Decimal, str, str]], width: int = 360, row_height: int = 50
) -> Chart:
    """One bar per row (label, value, colour, caption), scaled to the largest value; the amount
    and caption are written under the bar so narrow cards stay readable."""
    left, top, right_pad, bar_height = 92, 4, 8, 18
    chart = Chart(
        width=width, height=top * 2 + row_height * len(rows), left=left, top=top,
        plot_width=width - left - right_pad, plot_height=row_height * len(rows),
    )
    peak = max((float(value) for _, value, _, _ in rows), default=0.0)
    chart.empty = peak <= 0
    for i, (label, value, colour, caption) in enumerate(rows):
        bar_width = chart.plot_width * float(value) / peak if peak else 0.0
        if value > 0:
            bar_width = max(bar_width, 2.0)
        y = top + i * row_height + 4
        chart.bars.append(
            Bar(x=left, y=y, width=round(bar_width, 1), height=bar_height, colour=colour,
                title=f"{label}: {money_label(value)} · {caption}")
        )
        chart.x_labels.append(
            {"x": left - 10, "y": y + bar_height - 4, "label": label, "value_x": left,
             "value_y": y + bar_height + 17, "value": money_label(value), "caption": caption}
        )
    return chart
