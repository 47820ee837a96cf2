"""Gait events in a rear or front view, where the foot-height methods of ``events.py`` fail.

Why a separate detector: seen from behind (or in front), the stance foot moves along the camera axis
(on a treadmill the belt carries it towards a rear camera), so its image height changes by ~10 % of the
body height during stance through perspective alone; the swing foot, behind the body, can sit lower in
the image than the stance foot does at initial contact. A "foot height above the floor" threshold
then fires only near toe-off: on a synthetic rear clip (165 spm, true contact 0.25 s) the ``height``
method found contacts of 0.05-0.07 s and rejected all but one.

Method (one step = one mid-stance):

1. Mid-stance = each maximum of the hip-midpoint image y (the pelvis is lowest at mid-stance in
   running), at least 0.6 step periods apart, with parabolic sub-frame refinement. The step period
   comes from the spectrum of the same signal (120-220 steps/min). Where a waistband edge is found
   (``pelvis_edge.waistband_features``; ``waist_rows_for_timing``: in >= ``WAIST_MIN_FRAC`` of the
   frames, above the hip joints) and bounces with the hips, each mid-stance moves to the edge row's
   nearest maximum (``_snap_to_waist``), see "Mid-stance timing".
2. Stance side = the foot whose lowest point (max heel/toe y) is lower in the image at that instant:
   the swing foot is lifted (rear view: also behind the body, front view: farther away).
3. Stance window = mid-stance +- 0.3 step periods (a typical running contact is 0.6-0.7 step periods).
   The foot extrema cannot time contact from behind: on the synthetic rear clip the heel and toe
   image-y maxima (foot nearest the camera) came ~3 frames before toe-off (heel rise, toe hidden
   behind the heel) and the pelvis's lowest point ~2 frames after true mid-stance, so a window
   built from them was 4 frames long instead of 15.

Mid-stance timing. The pose model (VIDEO mode) smooths its landmarks over time, and the slower a
landmark moves the more it lags: the hip landmarks' image y lags the renderer's true hip by 2.25
frames (37 ms) in the 60 fps rear clips of ``benchmarks/accuracy.py`` and by 1.25 frames (21 ms) in
the front ones (best-fit shift; 33 / 21 ms at 120 fps), so the hip-y maxima came 36 ms (rear) and
24 ms (front) after the true mid-stance and the whole window with them: IC +51 / +39 ms, TO +22 /
+11 ms (rear / front, pooled medians). The waistband edge row is found in each frame on its own,
without that smoothing: its maxima (moving average over 0.1 step) lie within 1 ms of the true
mid-stance on all 16 rear/front grid clips (30-240 fps). On real clips the hip maxima come ~20 ms
after the edge's (rear overground and front in-place, 30 fps), the same lag; of the four real running
rear/front clips, the edge times the rear overground one (and the 3-step front overground one); the
in-place ones fall back to the hips (an edge at the hip joints; an edge found in 20 % of frames).
Without an edge (a loose top) the window keeps the hips' lag (synthetic loose top: IC +47, TO +18 ms).
Contact onset from the feet was tried and rejected: a front-view treadmill foot's lowest image point
(it lands, then the belt carries it up the image) timed IC to +-5 ms on most grid clips, but +18 ms
with an 18 deg heel strike (the heel keeps sinking while the foot slaps down) and +28 ms on
``sample_videos/front_treadmill.mp4`` (960x540): at a turning point the landmark is slowest, so the
pose model's smoothing lags it most. From behind, the descent's end (heel velocity relative to the
hips falling to its stance level) scattered from -100 to +40 ms between clips.

Measured (``benchmarks/accuracy.py``, 16 rear/front clips, true contact 0.68 step periods; detected -
true, median; frames at capture rate):

===========  ==================  ==================  =============
view         IC before / after   TO before / after   CT mean after
===========  ==================  ==================  =============
rear         +51 / +14 ms        +22 / -15 ms        -28 ms
front        +39 / +15 ms        +11 / -14 ms        -28 ms
===========  ==================  ==================  =============

(IC / TO |median| 0.4-0.9 frames at 30-60 fps, 1.6-1.8 at 120 fps, 3.2-3.6 capture frames on the 240
fps clip; ``sample_videos`` rear / front: IC +13 / +14 ms, TO -15 / -14 ms.) What is left is the
window's width: 0.6 step periods for a true 0.68, so contact time is ~28 ms short and duty factor
~0.03 low; the rendered pelvis bounce is a pure cosine, so it holds no contact-time information, and
the feet's landmarks lag too much at their turning points to time contact to a frame (above).

Fallback, ``alternation_contacts`` (one step = one extremum of the left-right foot height difference):
when the pelvis barely moves (walking in place: hip-y ptp ~1 % of the leg) or its rhythm is buried
under camera motion (a following camera), the step rhythm is still in which foot is lower in the
image: the swing foot is lifted (and, seen from behind, farther away). Each maximum of
``lowest(left) - lowest(right)`` is a left step, each minimum a right step, at the stride period
from that signal's own spectrum. The instant is a fixed phase of the step (mid-stance when marching
in place, near the front foot's contact when walking towards or away from the camera), so step and
stride times and cadence are right while contact times are not: the stance window is the same
+-``HALF_STANCE_STEP`` step periods as above, marked ``method = "alternation"``.

Short or receding passes, any view, ``bounce_contacts``: when the feet are too small or mislabelled
for foot events (a runner crossing the frame in under 2 s, or receding from a rear camera, where the
pelvis's downward drift in the image hides the bounce from step 1), the steps are still the pelvis's
bounces: hip-y maxima of the detected span after removing the slower drift (perspective, camera),
sides alternating, the parity that puts the lower foot on the ground most often. Only cadence and
step and stride times come from them (``method = "bounce"``); ``gait`` keeps them only when very
regular or matching the spectral cadence.

Contact times from a rear/front view are rough (not reported: ``contact_time_s`` is a side-view
metric; the fixed window makes them 0.6 step periods); cadence, step/stride times, the mid-stance
instants and the stance windows are what the frontal metrics use.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from formcheck.events import (
    CONTACT_COLUMNS,
    REJECTED_COLUMNS,
    dominant_period_frames,
    frame_to_s,
    lowest_point,
    peak_positions,
)
from formcheck.landmarks import Landmark

METHOD = "frontal"
ALT_METHOD = "alternation"
BOUNCE_METHOD = "bounce"
HALF_STANCE_STEP = 0.3  # stance window half-width / step period
WAIST_MIN_FRAC = 0.6  # the waistband edge must be found in this share of frames to time mid-stance
WAIST_MIN_COVERAGE = 0.6  # a frame's edge counts as found with this coverage ...
WAIST_MIN_STRENGTH = 8.0  # ... and this contrast (the pelvic-drop test of gait.py)
WAIST_MIN_REL_TORSO = 0.05  # the edge must sit this many torso lengths above the hip joints (else a hem)
WAIST_SMOOTH_STEP = 0.1  # moving-average width of the edge row / step period
WAIST_MIN_R = 0.5  # the edge row's step rhythm must correlate this well with the hips' (grid 0.75-0.91, real 0.81-0.94)
WAIST_AMP_RATIO = (0.5, 2.0)  # ... with an amplitude within this ratio of the hips' (grid 0.94-1.40, real 0.95-1.36)
WAIST_SNAP_STEP = 0.25  # a hip mid-stance moves to an edge-row maximum at most this many step periods away
MIN_ALT_AMP_LEG = 0.04  # foot-height difference amplitude (ptp at the stride rhythm) / leg length below this: no steps


def _fill(x: np.ndarray) -> np.ndarray:
    ok = np.isfinite(x)
    if ok.sum() < 2:
        return x
    return np.interp(np.arange(len(x)), np.flatnonzero(ok), x[ok])


def _lowest(xy: np.ndarray, side: str) -> np.ndarray:
    """Image y [px] of one foot's lowest point (heel or toe), NaN where both are missing."""
    return -lowest_point(xy, (side,))


def _empty() -> tuple[pd.DataFrame, pd.DataFrame]:
    return pd.DataFrame(columns=list(CONTACT_COLUMNS)), pd.DataFrame(columns=list(REJECTED_COLUMNS))


def midstance_frames(xy: np.ndarray, fps: float, waist_y_px: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """Sub-frame mid-stance positions (hip-midpoint image-y maxima) and the step period [frames].

    With ``waist_y_px`` (the waistband edge row per frame, ``pelvis_edge.waistband_features``), each
    mid-stance is moved to the edge row's maximum within +- ``WAIST_SNAP_STEP`` step periods: the
    edge is measured in every frame on its own, while the pose model's landmarks lag (module
    docstring, "Mid-stance timing")."""
    hip_y = _fill(0.5 * (xy[:, int(Landmark.LEFT_HIP), 1] + xy[:, int(Landmark.RIGHT_HIP), 1]))
    per = dominant_period_frames(hip_y, lo=fps * 60 / 220, hi=fps * 60 / 120)
    if not np.isfinite(per):
        return np.array([]), float("nan")
    amp = np.nanpercentile(hip_y, 90) - np.nanpercentile(hip_y, 10)
    mids = peak_positions(hip_y, distance=int(0.6 * per), prominence=0.25 * amp)
    return (_snap_to_waist(mids, per, waist_y_px, hip_y) if waist_y_px is not None else mids), per


def _snap_to_waist(mids: np.ndarray, per: float, waist_y_px: np.ndarray, hip_y: np.ndarray) -> np.ndarray:
    """Mid-stances moved to the waistband edge row's maxima (see ``midstance_frames``). Unchanged where
    the edge is missing in more than 1 - ``WAIST_MIN_FRAC`` of the frames, does not bounce with the
    hips (step-rhythm parts correlated below ``WAIST_MIN_R``, amplitude ratio outside
    ``WAIST_AMP_RATIO``: another edge, e.g. 200 px jumps between clothing edges on a real clip) or has
    no maximum near a mid-stance."""
    w = np.asarray(waist_y_px, float)
    ok = np.isfinite(w)
    if len(mids) == 0 or len(w) != len(hip_y) or len(w) < 3 or ok.mean() < WAIST_MIN_FRAC:
        return mids
    k = int(WAIST_SMOOTH_STEP * per)
    y = _smooth(_fill(w), k)
    bw, bh = y - _smooth(y, int(per)), _smooth(hip_y, k) - _smooth(hip_y, int(per))  # step rhythm
    amp = np.percentile(y, 90) - np.percentile(y, 10)
    ratio = (np.percentile(bw, 90) - np.percentile(bw, 10)) / max(np.percentile(bh, 90) - np.percentile(bh, 10), 1e-9)
    if not (WAIST_AMP_RATIO[0] <= ratio <= WAIST_AMP_RATIO[1]) or np.corrcoef(bw[ok], bh[ok])[0, 1] < WAIST_MIN_R:
        return mids
    peaks = peak_positions(y, distance=int(0.6 * per), prominence=0.25 * amp)
    if len(peaks) == 0:
        return mids
    out = mids.astype(float).copy()
    for k, m in enumerate(mids):
        j = int(np.argmin(np.abs(peaks - m)))
        if abs(peaks[j] - m) <= WAIST_SNAP_STEP * per:
            out[k] = peaks[j]
    return out


def waist_rows_for_timing(features: dict) -> np.ndarray | None:
    """The waistband edge row [px] per frame where the edge is found (NaN elsewhere), or None when it
    cannot time mid-stance: found (coverage >= ``WAIST_MIN_COVERAGE``, strength >= ``WAIST_MIN_STRENGTH``,
    as for pelvic drop in ``gait.py``) in fewer than ``WAIST_MIN_FRAC`` of the frames, or sitting at
    the hip joints (median height above them below ``WAIST_MIN_REL_TORSO`` torso lengths), where a
    loose top's hem would be: the synthetic loose top's hem, which sways with the trunk, timed
    mid-stance ~20 ms early. Unlike pelvic drop, timing needs no minimum edge width and no tilt test."""
    need = ("waist_y_px", "waist_coverage", "waist_strength", "waist_rel_y_frac")
    if not all(k in features for k in need):
        return None
    y = np.asarray(features["waist_y_px"], float)
    found = (np.isfinite(y) & (np.nan_to_num(np.asarray(features["waist_coverage"], float)) >= WAIST_MIN_COVERAGE)
             & (np.nan_to_num(np.asarray(features["waist_strength"], float)) >= WAIST_MIN_STRENGTH))
    if found.mean() < WAIST_MIN_FRAC:
        return None
    if not np.nanmedian(np.asarray(features["waist_rel_y_frac"], float)[found]) <= -WAIST_MIN_REL_TORSO:
        return None
    return np.where(found, y, np.nan)


def _windows(mids: np.ndarray, sides: list[str], per: float, t_s: np.ndarray, min_contact_time_s: float,
             max_contact_time_s: float, method: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stance windows mid +- ``HALF_STANCE_STEP`` step periods, rejected at the clip's ends."""
    h = HALF_STANCE_STEP * per
    kept, rej = [], []
    for m, side in zip(mids, sides):
        a, b = m - h, m + h
        row = {"side": side or "unknown", "ic": int(np.rint(a)), "tc": int(np.rint(b)), "ic_s": float(frame_to_s(a, t_s)),
               "tc_s": float(frame_to_s(b, t_s)), "method": method}
        row["contact_time_s"] = row["tc_s"] - row["ic_s"]
        if not side:
            row["reason"] = "stance foot not identified (foot landmarks missing)"
        elif a < 0:
            row["reason"] = "clip starts after initial contact"
        elif b > len(t_s) - 1:
            row["reason"] = "clip ends before toe-off"
        elif not (min_contact_time_s <= row["contact_time_s"] <= max_contact_time_s):
            row["reason"] = f"contact time outside {min_contact_time_s:.2f}-{max_contact_time_s:.2f} s"
        else:
            kept.append(row)
            continue
        rej.append(row)
    contacts = pd.DataFrame(kept, columns=list(CONTACT_COLUMNS)).sort_values("ic_s", ignore_index=True)
    rejected = pd.DataFrame(rej, columns=list(REJECTED_COLUMNS)).sort_values("ic_s", ignore_index=True)
    return contacts, rejected


def frontal_contacts(
    xy: np.ndarray, t_s: np.ndarray, *, min_contact_time_s: float = 0.08, max_contact_time_s: float = 1.0,
    waist_y_px: np.ndarray | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Contacts of both feet from a rear or front view (same columns as ``events.detect_contacts``;
    ``ic``/``tc`` bound the stance window, see the module docstring). ``waist_y_px``: the waistband
    edge row per frame (optional), which times mid-stance better than the hip landmarks."""
    fps = float(1.0 / np.median(np.diff(t_s)))
    mids, per = midstance_frames(xy, fps, waist_y_px)
    if len(mids) == 0:
        return _empty()
    low = {s: _lowest(xy, s) for s in ("left", "right")}
    sides = []
    for m in mids:
        i = int(np.rint(m))
        a, b = low["left"][i], low["right"][i]
        sides.append("" if not (np.isfinite(a) and np.isfinite(b)) else ("left" if a > b else "right"))
    return _windows(mids, sides, per, t_s, min_contact_time_s, max_contact_time_s, METHOD)


def _smooth(x: np.ndarray, width: int) -> np.ndarray:
    """Moving average over ``width`` frames (odd), edges by shrinking windows."""
    w = max(1, int(width) | 1)
    k = np.ones(w)
    return np.convolve(x, k, "same") / np.convolve(np.ones_like(x), k, "same")


def alternation_contacts(
    xy: np.ndarray, t_s: np.ndarray, *, leg_px: float, lo_spm: float = 70.0, hi_spm: float = 220.0,
    min_contact_time_s: float = 0.08, max_contact_time_s: float = 1.0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Steps from the left-right foot height difference (module docstring, "Fallback"): step rate
    ``lo_spm``-``hi_spm``; nothing when the difference swings by less than ``MIN_ALT_AMP_LEG`` leg
    lengths (feet not lifting in turn)."""
    empty = _empty()
    fps = float(1.0 / np.median(np.diff(t_s)))
    d = _lowest(xy, "left") - _lowest(xy, "right")
    ok = np.flatnonzero(np.isfinite(d))
    if len(ok) < 10 or not (np.isfinite(leg_px) and leg_px > 0):
        return empty
    start = int(ok[0])
    d = d[start : ok[-1] + 1]  # the detected span (a runner entering late or leaving early)
    if np.isfinite(d).sum() < 0.5 * len(d):
        return empty
    d = _fill(d)
    stride = dominant_period_frames(d, lo=fps * 120.0 / hi_spm, hi=min(len(d), fps * 120.0 / lo_spm))
    if not np.isfinite(stride):
        return empty
    # remove what is slower than the stride (camera motion, receding) and smooth within a step
    y = _smooth(d, int(0.15 * stride)) - _smooth(d, int(1.0 * stride))
    amp = np.percentile(y, 95) - np.percentile(y, 5)
    if amp < MIN_ALT_AMP_LEG * leg_px:
        return empty
    per = 0.5 * stride
    left = peak_positions(y, distance=int(0.6 * stride), prominence=0.25 * amp)
    right = peak_positions(-y, distance=int(0.6 * stride), prominence=0.25 * amp)
    mids = np.r_[left, right] + start
    sides = ["left"] * len(left) + ["right"] * len(right)
    order = np.argsort(mids)
    return _windows(mids[order], [sides[i] for i in order], per, t_s, min_contact_time_s, max_contact_time_s, ALT_METHOD)


def bounce_contacts(
    xy: np.ndarray, t_s: np.ndarray, *, lo_spm: float = 120.0, hi_spm: float = 220.0,
    min_contact_time_s: float = 0.08, max_contact_time_s: float = 1.0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Steps from the pelvis bounce of the detected span (module docstring, "Short side-view passes")."""
    empty = _empty()
    fps = float(1.0 / np.median(np.diff(t_s)))
    hip = 0.5 * (xy[:, int(Landmark.LEFT_HIP), 1] + xy[:, int(Landmark.RIGHT_HIP), 1])
    ok = np.flatnonzero(np.isfinite(hip))
    if len(ok) < 10:
        return empty
    a, b = ok[0], ok[-1] + 1
    y = _fill(hip[a:b])
    per = dominant_period_frames(y - _smooth(y, int(fps * 60 / lo_spm)), lo=fps * 60 / hi_spm, hi=min(len(y), fps * 60 / lo_spm))
    if not np.isfinite(per):
        return empty
    y = _smooth(y, int(0.2 * per)) - _smooth(y, int(per))
    amp = np.percentile(y, 95) - np.percentile(y, 5)
    mids = peak_positions(y, distance=int(0.6 * per), prominence=0.25 * amp) + a
    if len(mids) < 2:
        return empty
    low = {s: _lowest(xy, s) for s in ("left", "right")}
    votes = [np.sign(low["left"][int(np.rint(m))] - low["right"][int(np.rint(m))]) for m in mids]
    parity = np.nansum([v * (1 if k % 2 == 0 else -1) for k, v in enumerate(votes)])
    first, second = ("left", "right") if parity >= 0 else ("right", "left")
    sides = [first if k % 2 == 0 else second for k in range(len(mids))]
    return _windows(mids, sides, per, t_s, min_contact_time_s, max_contact_time_s, BOUNCE_METHOD)
