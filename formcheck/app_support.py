"""Pure helpers for the Streamlit page (``app.py``): wording, progress text, tables and figures.

Nothing here imports Streamlit, so every helper is testable without a browser. The page itself only
lays these out; measurement and rating logic stays in the core (``pipeline``, ``session``,
``guidance``).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Upload types offered by the page (content is still checked by decoding).
UPLOAD_TYPES = ("mp4", "mov", "m4v", "avi", "webm")

#: status -> (colour, plain-language label). Statuses come from ``assessment.MetricStatus``. Shown as
#: Streamlit badges (``:red-badge[Flag]``): colour and words, no emoji (not every system has the font).
STATUS_BADGE: dict[str, tuple[str, str]] = {
    "flag": ("red", "Flag"),
    "watch": ("orange", "Watch"),
    "typical": ("green", "Typical"),
    "info": ("blue", "For information"),
    "unrated": ("gray", "No reference"),
    "not_measured": ("gray", "Not measured"),
}
STATUS_ORDER = {"flag": 0, "watch": 1, "typical": 2, "info": 3, "unrated": 4, "not_measured": 5}

#: Colours of the runner's left and right side (same as the annotated video: left warm, right cool).
SIDE_COLOURS = {"left": "#ff8c00", "right": "#00a0d2"}


# --------------------------------------------------------------------------- inputs
def digest(data) -> str:
    """Content hash of an upload (bytes or a buffer; cache key: identical clips share results)."""
    return hashlib.sha256(data).hexdigest()


def write_upload(path, data) -> None:
    """Write an upload (bytes, or a file-like object such as Streamlit's ``UploadedFile``) without
    copying it in memory first."""
    from pathlib import Path

    Path(path).write_bytes(data.getbuffer() if hasattr(data, "getbuffer") else data)


def safe_filename(name: str, default: str = "clip.mp4") -> str:
    """A file name that is safe to create in a temporary folder (keeps the extension)."""
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", str(name).rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip("._")
    return base[:120] or default


def speed_mps(kmh: float | None) -> float | None:
    """Treadmill speed from km/h (what treadmills show) to m/s (what formcheck uses)."""
    return None if kmh is None or not math.isfinite(kmh) or kmh <= 0 else kmh / 3.6


def describe_clip(meta) -> str:
    """One line a runner understands: size, frame rate, length."""
    dur = meta.duration_s * meta.time_scale if meta.duration_s else None
    parts = [f"{meta.width_px}×{meta.height_px}", f"{meta.capture_fps:.0f} fps"]
    if dur:
        parts.append(f"{dur:.1f} s")
    return " · ".join(parts)


def clip_advice(meta) -> list[str]:
    """Filming problems visible from the container alone (before any analysis)."""
    out = []
    if meta.capture_fps < 50:
        out.append(f"filmed at {meta.capture_fps:.0f} fps: contact and flight times need 60 fps or more "
                   "(120 fps is better).")
    dur = meta.duration_s * meta.time_scale if meta.duration_s else None
    if dur is not None and dur < 8:
        out.append(f"only {dur:.1f} s long: film at least 10 s (30 s is best) of steady running.")
    if min(meta.width_px, meta.height_px) < 480:
        out.append("low resolution: film at 720p or more.")
    return out


# --------------------------------------------------------------------------- progress
def fmt_duration(seconds: float) -> str:
    """``"45 s"``, ``"2 min 05 s"``."""
    s = max(0, round(seconds))
    return f"{s} s" if s < 60 else f"{s // 60} min {s % 60:02d} s"


def progress_text(label: str, done: int, total: int | None, elapsed_s: float, done_at_start: int = 0) -> tuple[float, str]:
    """(fraction, text) for a progress bar: percentage and the time left once it can be estimated.

    ``elapsed_s`` is the time since ``done_at_start`` items were done (the first report), so start-up
    time (opening the clip, loading the model) does not inflate the estimate.
    """
    if not total or total <= 0:
        return 0.0, f"{label}: frame {done}…"
    frac = min(1.0, max(0.0, done / total))
    text = f"{label}: {frac:.0%}"
    rate_done = done - done_at_start
    if 0.02 <= frac < 1.0 and elapsed_s > 1.0 and rate_done > 0:
        left = elapsed_s * (total - done) / rate_done
        text += f" · about {fmt_duration(left)} left"
    elif frac < 0.02:
        text += " · estimating time left…"
    return frac, text


class ProgressThrottle:
    """Turns ``progress(done, total)`` calls into at most ~``max_updates`` bar updates.

    ``update(frac, text)`` is whatever draws the bar; ``clock`` is injectable for tests.
    """

    def __init__(self, label: str, update: Callable[[float, str], None], *, max_updates: int = 60,
                 min_interval_s: float = 0.3, clock: Callable[[], float] = time.perf_counter) -> None:
        self.label, self.update, self.clock = label, update, clock
        self.max_updates, self.min_interval_s = max_updates, min_interval_s
        self.t0: float | None = None  # time of the first report
        self.done0 = 0
        self._last_t, self._last_frac, self.n_updates = -1e9, -1.0, 0

    def __call__(self, done: int, total: int | None) -> None:
        now = self.clock()
        if self.t0 is None:
            self.t0, self.done0 = now, done
        frac, text = progress_text(self.label, done, total, now - self.t0, self.done0)
        final = bool(total) and done >= total
        if not final and (frac - self._last_frac < 1.0 / self.max_updates
                          or now - self._last_t < self.min_interval_s):
            return
        self._last_t, self._last_frac = now, frac
        self.n_updates += 1
        self.update(frac, text)


# --------------------------------------------------------------------------- wording
def confidence_word(confidence: float) -> str:
    """Plain-language confidence of a measurement (the 0-1 score from the core)."""
    if not math.isfinite(confidence):
        return "unknown"
    return "high" if confidence >= 0.7 else "medium" if confidence >= 0.4 else "low"


def status_badge(status: str) -> str:
    colour, label = STATUS_BADGE.get(status, ("gray", status.replace("_", " ")))
    return f":{colour}-badge[{label}]"


def side_values_text(st) -> str:
    """"left 9.1 deg · right 4.2 deg" from a ``MetricStatus`` (empty when not per side)."""
    parts = []
    for s in st.sides:
        flag = "" if s.status in ("typical", "info") else f" ({STATUS_BADGE.get(s.status, ('', s.status))[1].lower()})"
        parts.append(f"{s.side} {st.fmt(s.value)}{flag}")
    return " · ".join(parts)


def card_rows(statuses, *, include_unmeasured: bool = False) -> list:
    """Statuses in display order: flags, watch, typical, information (unmeasured last or dropped)."""
    rows = [s for s in statuses if include_unmeasured or s.status != "not_measured"]
    return sorted(rows, key=lambda s: (STATUS_ORDER.get(s.status, 9), -(s.confidence or 0.0)))


def view_label(view) -> str:
    """"side view (auto, 93%)" from a ``ViewEstimate``."""
    if view is None:
        return "view unknown"
    how = "you chose it" if view.source == "user" else f"detected, {view.confidence:.0%} sure"
    return f"{view.name} view ({how})"


# --------------------------------------------------------------------------- tables and files
def summary_table(statuses) -> pd.DataFrame:
    """One row per metric: value, unit, rating, confidence, left/right, typical range, source clip."""
    rows = []
    for s in statuses:
        side = {sv.side: sv for sv in s.sides}
        rows.append({
            "metric": s.name, "label": s.label, "value": s.value, "unit": s.unit_label, "status": s.status,
            "confidence": s.confidence, "n_strides": s.n,
            "left": side["left"].value if "left" in side else np.nan,
            "right": side["right"].value if "right" in side else np.nan,
            "typical_low": s.typical[0], "typical_high": s.typical[1], "watch": s.watch, "flag": s.flag,
            "clip": s.source_clip, "view": s.view, "note": s.reason,
        })
    return pd.DataFrame(rows)


def strides_table(clips: Sequence[tuple[str, pd.DataFrame | None]]) -> pd.DataFrame:
    """All clips' per-stride tables stacked, with a ``clip`` column first."""
    frames = [df.assign(clip=name) for name, df in clips if df is not None and len(df)]
    if not frames:
        return pd.DataFrame(columns=["clip"])
    out = pd.concat(frames, ignore_index=True)
    return out[["clip"] + [c for c in out.columns if c != "clip"]]


def csv_bytes(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False, float_format="%.6g").encode("utf-8")


def parquet_bytes(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return buf.getvalue()


def json_bytes(doc: Mapping) -> bytes:
    from formcheck.export import _clean

    return (json.dumps(_clean(dict(doc)), indent=2, allow_nan=False) + "\n").encode("utf-8")


# --------------------------------------------------------------------------- figures
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


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class ClipResult:
    """One clip's outcome as the page caches it: the analysis, or an error."""

    name: str
    digest: str
    analysis: object = None  # formcheck.types.Analysis
    error: str = ""
    error_kind: str = ""  # FormcheckError subclass name
    seconds: float = float("nan")  # wall time of this clip's analysis

    @property
    def ok(self) -> bool:
        return self.analysis is not None and not self.error


#: What to tell a runner for each kind of failure (the core's message is shown underneath).
ERROR_HELP = {
    "VideoReadError": ("This file could not be read as a video.",
                       "Upload the clip as it came from the phone (mp4, mov, m4v, avi or webm)."),
    "NoRunnerDetectedError": ("No runner was found in this clip.",
                              "Film the whole body, head to feet, with one person in the frame and good light."),
    "NoGaitDetectedError": ("No running was detected in this clip.",
                            "Film at least 10 s of steady running (not standing, warming up or stopping)."),
    "InsufficientStridesError": ("Too few strides to measure.",
                                 "Film at least 10 s (30 s is best) of steady running, with the feet always in frame."),
    "walking": ("This looks like walking, not running.",
                "formcheck analyses running. Film again at your easy running pace."),
    "no_metrics": ("No strides could be measured in this clip.",
                   "Check the notes above, then film again following the guide."),
}


def error_help(kind: str) -> tuple[str, str]:
    return ERROR_HELP.get(kind, ("Something went wrong with this clip.", "Try another clip."))


def clip_problem(result: ClipResult) -> str:
    """The ``ERROR_HELP`` key of a failed or unusable clip, or "" when it can be used."""
    if result.error:
        return result.error_kind or "error"
    a = result.analysis
    if getattr(a, "activity", "") == "walking":
        return "walking"
    if not getattr(a, "metrics", None):
        return "no_metrics"
    return ""


def figure_png(fig, dpi: int = 110) -> bytes:
    """PNG bytes of a matplotlib ``Figure`` (for the HTML report)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def measurements_view(statuses) -> pd.DataFrame:
    """Every measured metric as readable text (the "All measurements" table on the page)."""
    rows = []
    for s in card_rows(statuses):
        side = {sv.side: sv for sv in s.sides}
        rows.append({
            "Measurement": s.label,
            "Value": s.fmt(s.value),
            "Left": s.fmt(side["left"].value) if "left" in side else "",
            "Right": s.fmt(side["right"].value) if "right" in side else "",
            "Rating": STATUS_BADGE.get(s.status, ("", s.status))[1],
            "Confidence": confidence_word(s.confidence),
            "Typical": s.typical_text(),
            "Clip": s.source_clip,
        })
    return pd.DataFrame(rows)


def missing_input_hint(statuses, runner) -> str:
    """A sentence asking for the height / treadmill speed when metrics were not measured without it."""
    wanted = []
    for attr, word, step in (("height_m", "height", "your height"), ("treadmill_speed_mps", "speed", "the treadmill speed")):
        if getattr(runner, attr, None) is not None:
            continue
        labels = [s.label.lower() for s in statuses if s.status == "not_measured" and word in (s.reason or "").lower()]
        if labels:
            wanted.append(f"{step} ({', '.join(labels)})")
    return f"Enter {' and '.join(wanted)} in step 2 to measure more." if wanted else ""
