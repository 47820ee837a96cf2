"""Figures of a clip's gait (pure: data in, matplotlib ``Figure`` or PNG bytes out).

Used by the HTML report (CLI and page) and the Streamlit page. Figures are built with
``matplotlib.figure.Figure`` directly - no pyplot, so no global figure state and no backend change.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Colours of the runner's left and right side (same as the annotated video: left warm, right cool).
SIDE_COLOURS = {"left": "#ff8c00", "right": "#00a0d2"}


@dataclass(frozen=True)
class CycleCurve:
    pct: np.ndarray  # (101,) 0-100 % of the gait cycle (initial contact to next initial contact)
    mean: np.ndarray  # (101,)
    sd: np.ndarray  # (101,)
    n: int  # strides averaged


def time_normalised(signal: np.ndarray, t_s: np.ndarray, starts_s, ends_s, n_points: int = 101) -> np.ndarray:
    """(n_strides, n_points) of ``signal`` resampled from each [start, end] to 0-100 %."""
    signal, t_s = np.asarray(signal, float), np.asarray(t_s, float)
    ok = np.isfinite(signal)
    out = []
    for a, b in zip(starts_s, ends_s):
        if not (np.isfinite(a) and np.isfinite(b)) or b <= a:
            continue
        win = ok & (t_s >= a) & (t_s <= b)
        if win.sum() < 5:
            continue
        out.append(np.interp(np.linspace(a, b, n_points), t_s[win], signal[win]))
    return np.array(out).reshape(-1, n_points)


def cycle_curves(signals: Mapping[str, np.ndarray], t_s: np.ndarray, strides: pd.DataFrame | None) -> dict[str, CycleCurve]:
    """Per side, the mean ± SD of that side's signal over its strides (IC to next IC)."""
    out: dict[str, CycleCurve] = {}
    if strides is None or not len(strides) or "side" not in strides:
        return out
    for side, sig in signals.items():
        rows = strides[strides["side"] == side]
        m = time_normalised(sig, t_s, rows["start_s"], rows["end_s"])
        if len(m):
            out[side] = CycleCurve(np.linspace(0, 100, m.shape[1]), np.nanmean(m, axis=0), np.nanstd(m, axis=0), len(m))
    return out


def cycle_signals(analysis) -> tuple[str, dict[str, np.ndarray]]:
    """(y-axis label, per-side joint-angle time series) to draw as gait-cycle curves for one clip.

    Side view: knee flexion (0 = straight). Rear/front view: thigh angle from vertical in the image
    (+ knee towards the body midline). Plotting aid only; the rated metrics come from the core.
    """
    from formcheck import geometry as g
    from formcheck.landmarks import side_lm

    pose = analysis.clean if analysis.clean is not None else analysis.pose
    xy = pose.xy
    view = analysis.view.name if analysis.view is not None else "side"
    out = {}
    if view in ("rear", "front"):
        own_of = {"left": -1.0, "right": 1.0} if view == "rear" else {"left": 1.0, "right": -1.0}
        for side in ("left", "right"):
            hip, knee = xy[:, int(side_lm("hip", side))], xy[:, int(side_lm("knee", side))]
            d = knee - hip
            out[side] = np.degrees(np.arctan2(-own_of[side] * d[:, 0], d[:, 1]))
        return "thigh towards midline [deg]", out
    for side in ("left", "right"):
        out[side] = g.joint_flexion_deg(xy[:, int(side_lm("hip", side))], xy[:, int(side_lm("knee", side))],
                                        xy[:, int(side_lm("ankle", side))])
    return "knee flexion [deg] (0 = straight)", out


def _new_figure(height_in: float = 3.2):
    from matplotlib.figure import Figure  # no pyplot: figures are not kept in global state

    fig = Figure(figsize=(6.4, height_in), dpi=110, layout="constrained")
    return fig, fig.add_subplot()


def cycle_figure(curves: Mapping[str, CycleCurve], ylabel: str, title: str):
    """Left vs right mean ± SD over the gait cycle (matplotlib ``Figure``)."""
    fig, ax = _new_figure()
    for side, c in curves.items():
        col = SIDE_COLOURS[side]
        ax.plot(c.pct, c.mean, color=col, lw=2, label=f"{side} ({c.n} strides)")
        ax.fill_between(c.pct, c.mean - c.sd, c.mean + c.sd, color=col, alpha=0.2, lw=0)
    ax.set_xlabel("% of the stride (foot strike to the same foot's next strike)")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.set_xlim(0, 100)
    ax.grid(alpha=0.3)
    if curves:
        ax.legend(fontsize=8, frameon=False)
    return fig


def stride_series_figure(strides: pd.DataFrame, column: str, label: str, unit: str,
                         typical: tuple[float, float] = (np.nan, np.nan)):
    """One metric stride by stride, left and right (matplotlib ``Figure``), typical band shaded."""
    fig, ax = _new_figure(2.8)
    lo, hi = typical
    if np.isfinite(lo) or np.isfinite(hi):
        y0 = lo if np.isfinite(lo) else np.nanmin(strides[column])
        y1 = hi if np.isfinite(hi) else np.nanmax(strides[column])
        ax.axhspan(min(y0, y1), max(y0, y1), color="#2e7d32", alpha=0.08, lw=0, label="typical range")
    for side in ("left", "right"):
        rows = strides[(strides["side"] == side) & np.isfinite(strides[column].astype(float))]
        if len(rows):
            x, y = broken_line(rows["start_s"].to_numpy(float), rows[column].to_numpy(float),
                               rows["end_s"].to_numpy(float) - rows["start_s"].to_numpy(float))
            ax.plot(x, y, "o-", color=SIDE_COLOURS[side], ms=4, lw=1.2,
                    label=f"{side} (median {np.median(rows[column]):.3g})")
    ax.set_xlabel("time in the clip [s] (each point = one stride)")
    ax.set_ylabel(f"{label} [{unit}]" if unit else label)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, frameon=False)
    return fig


def broken_line(x: np.ndarray, y: np.ndarray, duration: np.ndarray, gap: float = 1.5) -> tuple[np.ndarray, np.ndarray]:
    """Insert NaN between consecutive strides that are not adjacent (a missed or rejected stride), so a
    plotted line does not bridge the gap. ``duration`` is each stride's length [s]."""
    order = np.argsort(x)
    x, y, duration = x[order], y[order], duration[order]
    xs, ys = [], []
    for i in range(len(x)):
        if i and x[i] - x[i - 1] > gap * np.nanmedian(duration):
            xs.append(np.nan)
            ys.append(np.nan)
        xs.append(x[i])
        ys.append(y[i])
    return np.array(xs), np.array(ys)


def plottable_columns(strides: pd.DataFrame | None, names: Sequence[str]) -> list[str]:
    """Metric columns of a strides table that have at least two finite values."""
    if strides is None or not len(strides):
        return []
    return [c for c in names if c in strides and np.isfinite(pd.to_numeric(strides[c], errors="coerce")).sum() >= 2]


def figure_png(fig, dpi: int = 110) -> bytes:
    """PNG bytes of a matplotlib ``Figure`` (for the HTML report)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


