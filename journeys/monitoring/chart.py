"""An hourly series with its expected band as SVG geometry, for the alert page (no JavaScript)."""

from dataclasses import dataclass

import numpy as np

WIDTH, HEIGHT, PAD = 900, 260, 30


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    observed: str  # polyline points
    band: str  # polygon points (upper edge left to right, then lower edge back)
    expected: str
    highlight: tuple[float, float] | None  # x and width of the alert's window
    peak: float  # the value at the top of the plot


def _points(xs, ys, scale) -> str:
    return " ".join(f"{x:.1f},{scale(y):.1f}" for x, y in zip(xs, ys, strict=True) if not np.isnan(y))


def chart_geometry(observed, expected, lower, upper, *, window: tuple[int, int] | None) -> Chart:
    """SVG shapes for the series; `window` is the alert's [first, last] hour index in these arrays."""
    n = len(observed)
    peak = float(np.nanmax(np.concatenate([observed, upper, [1.0]])))
    xs = [PAD + (WIDTH - 2 * PAD) * i / max(1, n - 1) for i in range(n)]

    def scale(value: float) -> float:
        return HEIGHT - PAD - (HEIGHT - 2 * PAD) * value / peak

    band_upper = _points(xs, upper, scale)
    band_lower = " ".join(reversed(_points(xs, lower, scale).split()))
    highlight = None
    if window is not None:
        step = (WIDTH - 2 * PAD) / max(1, n - 1)
        highlight = (xs[window[0]] - step / 2, step * (window[1] - window[0] + 1))
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        observed=_points(xs, observed, scale),
        band=f"{band_upper} {band_lower}".strip(),
        expected=_points(xs, expected, scale),
        highlight=highlight,
        peak=peak,
    )
