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

from formcheck.plots import (  # noqa: F401 - re-exported for app.py
    SIDE_COLOURS,
    CycleCurve,
    broken_line,
    cycle_curves,
    cycle_figure,
    cycle_signals,
    figure_png,
    plottable_columns,
    stride_series_figure,
    time_normalised,
)

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
# (moved to formcheck.plots; re-exported here for the page)


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
