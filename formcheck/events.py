"""Gait events (initial contact ``ic`` and toe-off ``tc``) per foot from 2D landmarks.

All methods work on the cleaned image landmarks of one clip, in a runner frame where ``u`` is the
forward coordinate (``facing * x``, px) and ``z`` the height (``-y``, px). Events are returned as
fractional frame positions (sub-frame interpolation), turned into times with the clip's own
timestamps in exactly one place (``frame_to_s``).

Candidate methods
-----------------
``zeni`` - Zeni et al. 2008 (Gait Posture 27:710). IC = maximum forward heel position relative to
    the hip midpoint; TO = maximum backward toe (foot_index) position relative to the hip midpoint.
    ++ needs no floor, works on a treadmill, overground and with a panning camera; one smooth extremum
    per stride, robust to noise.
    -- validated for walking; in running the foot retracts before touching down, so IC comes early
    and TO late (the foot keeps moving back after it leaves the belt), by an amount that depends on
    speed and style; side view only.
``height`` - foot height over the floor (as Pose2Sim ``trc_gaitevents`` "height_coordinates", made
    robust to the blurred contact kink). The floor is, per foot, the running 5th percentile of that
    foot's lowest point height (per foot because a side camera sees the near foot's floor lower).
    The foot's lowest point (min of heel and toe height) is followed down; where it crosses
    ``h1 = 0.06`` leg lengths its velocity is extrapolated linearly to the stance level of the point
    that is lowest there (its own running 5th percentile: a pose model's heel stands a few px above
    the toe's floor line, so a heel extrapolated to the toe's floor lands late). That comes early
    when the foot slows down before touching (a forefoot striker hovering above the belt), so IC is
    the later of it and the end of the foot's last fast descent (``_descent_end``: the ground stops
    the foot, so its descent cannot speed up after contact; the velocity is that of the point the
    ground stops, from a local cubic fit over ~70 ms, ``smooth_velocity``). TO mirrors the
    extrapolation on the way up. A lift too short (< 0.2 stride) and too low (< 2 h1) to be a swing
    is one stance with a wobbling toe point (``_merge_short_lifts``).
    ++ uses the event's physical definition (the foot touches/leaves the floor); independent of
    strike pattern; works for any view where the feet's height is visible (rear/front too).
    -- needs a level floor in the image and both feet visible; camera tilt or a strongly receding
    runner bend the floor (a running percentile absorbs slow changes). The TO comes early when the
    toe point rises before the toe leaves (mocap: -25 ms).
``fellin`` - Fellin et al. 2010 (J Sci Med Sport 13:646). IC = lowest heel point (heel vertical
    velocity turns from down to up); TO = peak knee extension in late stance (searched after the
    stance's deepest knee flexion, so the terminal-swing extension just before IC is never taken;
    located by a parabola over +- 0.08 stride, as the peak is broad and flat).
    ++ knee angle is the most robust landmark signal; reported TO error ~5 ms with markers.
    -- the low-pass filter rounds the contact kink, so the heel minimum comes late; forefoot strikers
    touch with the toe first; peak knee extension comes slightly after toe-off in fast running, and
    before it where the knee stays extended through push-off (the rendered runner: -28 ms).
``hybrid`` - IC from ``height``; TO = the later of the ``height`` TO and the peak knee extension
    (each comes early on one data set: the toe point lifting on the mocap, the knee plateau on the
    rendered runner), the height TO alone where the knee gives none or peaks only after the foot is
    clearly airborne (above 2 h1). Keeps every contact the height method keeps.

Measured accuracy (errors = detected - true, ms, |median| / signed median). Mocap: ``python
benchmarks/events_mocap.py`` (RBDS001 T25, 77 force-plate contacts, landmarks from the static-trial
calibration, 2 noise seeds, 3 px near / 4.5 px far noise, body ~650 px). Synthetic: 60 fps 2D side
runner, 3 px noise, 5 leg-swapped frames (``tests/synthetic_gait.py``, 28 contacts). Rendered:
BlazePose on clips from ``formcheck synth`` (960x540, 3 m/s, 170 spm; ``sample_videos/
side_treadmill.mp4`` = 60 fps facing right, 28 contacts; a 120 fps facing-right and a 60 fps
facing-left clip rendered the same way, 22 contacts each), through ``analyze``; matched within
0.1 s. The 24-clip grid of ``benchmarks/accuracy.py`` reports the same per clip.

==========================  ======  =======  ============  ============  =======  ==========
data                        method  matched  IC |med|/med  TO |med|/med  CT mean  cadence
==========================  ======  =======  ============  ============  =======  ==========
mocap 60 fps                zeni    77/77    27 / -27      120 / +120    +147     156.84
mocap 60 fps                height  77/77    9 / +7        25 / -25      -31      156.87
mocap 60 fps                fellin  68/77    81 / +81      5 / -3        -84      157.02
mocap 60 fps                hybrid  77/77    9 / +7        4 / -3        -8       156.87
mocap 120 fps               zeni    77/77    27 / -27      119 / +119    +147     156.84
mocap 120 fps               height  77/77    8 / +6        25 / -25      -33      156.64
mocap 120 fps               fellin  70/77    81 / +81      4 / -2        -84      156.84
mocap 120 fps               hybrid  77/77    8 / +6        4 / -2        -9       156.64
mocap 60 fps, clusters      hybrid  77/77    32 / -5       6 / -1        +20      156.78
mocap 120 fps, clusters     hybrid  77/77    32 / -16      5 / -0        +28      156.85
mocap T35 60 fps            height  85/85    13 / +13      16 / -16      -35      170.90
mocap T35 60 fps            hybrid  85/85    13 / +13      13 / +13      -6       170.90
mocap T35 120 fps           hybrid  85/85    13 / +12      12 / +12      -6       171.14
synthetic 60 fps            zeni    26/28    79 / -79      29 / +29      +107     170.19
synthetic 60 fps            height  28/28    5 / -0        7 / -7        -9       170.07
synthetic 60 fps            fellin  refused: step times irregular (IC jitter)
synthetic 60 fps            hybrid  28/28    5 / -0        3 / +3        +3       170.07
rendered 60 fps right       height  27/28    8 / +3        16 / +7       -2       -0.06
rendered 60 fps right       hybrid  28/28    6 / +1        16 / +6       -1       -0.11
rendered 120 fps right      height  21/22    11 / +7       9 / -1        -16      -0.69
rendered 120 fps right      hybrid  22/22    9 / +5        10 / -1       -7       -0.63
rendered 60 fps left        height  22/22    17 / -17      8 / -1        +7       +0.61
rendered 60 fps left        hybrid  22/22    17 / -17      8 / -1        +5       +0.58
==========================  ======  =======  ============  ============  =======  ==========
(cadence: ``cadence_spm_from_strides`` = 120 / mean of the inlier stride times; true 156.83 spm on
the mocap (60 (n - 1) / first-to-last force-plate IC), 157.0 spm as the issue states it; 170 spm
synthetic; rendered: error vs truth in spm, on 4-8 s clips where the first and last IC's errors do
not average out; the 120 / median-stride estimator gave 156.93 / 156.64 on the mocap. "clusters" = the older marker mapping from cluster means, kept for
comparison; "T35" = the same runner at 3.5 m/s (c3d; its unscaled force channel thresholded at
T25's fractions of the stance peak; 171.18 spm), where the far foot's ICs come ~20 ms late (at the
force onset its heel and toe points are still ~2 cm above their stance level) and the knee peaks
after TO. On the rendered clips zeni's IC is 71-75 ms early and fellin's 35-43 ms late, TO -21
to -26 ms.)

Reading: the mocap forefoot striker's foot hovers ~20 mm above the belt for ~80 ms before touching
and its shoe sinks another ~25 mm after the force starts, so the height threshold alone fires 45-70
ms early there; the end of the last fast descent fixes that. Its near (left) foot lands heel first
while the toe point first dips and rises again, so the final descent is a second, slower one: it
counts because minima need only 3 h1/s of descent speed (not half the swing's fastest, which took
the first dip, ~100 ms early, on a fifth of the near foot's contacts), and its velocity comes from
a cubic fit of the point the ground stops (2-frame differences of the lowest point picked noise
minima: 15 / 10 ms |median| at 60 / 120 fps before, 9 / 8 now; 5 / 4 ms without landmark noise).
The residual is a +6 ms bias: after an 8 Hz low-pass the fastest descent lies just after the touch.
The knee-extension peak is broad; a 3-point parabola followed the noise (mocap TO 6 / 5 ms, rendered
1.15 frames), a parabola over +- 0.08 stride does not (4 / 4 ms, 0.96 frames). The stance level of
the landing point moved the rendered IC from ~1 frame late to +0.1 frame (BlazePose's heel stands
~4 px above the toe's floor line there). On the renderer's own (truth) landmarks ``hybrid`` gives
IC -20 ms and TO +20 ms for both feet and both facings (old and new estimators alike): the
rendered heel decelerates into the floor (3.5 -> 2.2 px/frame over its last frames, touching at
the true IC), so both early IC bounds fire ~1.2 frames early, and the toe creeps off the floor, so
the TO extrapolation lands ~1.2 frames late. The mocap trial pushes off differently: its knee is
most extended 5 ms after the force-plate TO (rendered: 36-56 ms before it, which is why the knee TO
comes early there), and its toe point rises 12 mm in the first 13 ms after TO (rendered: 1-2 mm;
that point is carried level with the ball of the foot in push-off, so this is partly the marker
mapping's); ``benchmarks/metrics_mocap.py`` prints both. So the rendered side TO misses are the
renderer's push-off as much as the pose model's. On BlazePose's landmarks the right leg's events come
~30 ms and the left leg's 0-17 ms later than that, whichever way the runner faces, so the
facing-left clip's -17 ms (its near leg is the left) and the facing-right clip's near-leg +12 ms
are a per-leg offset of the pose model on these rendered legs (plus the soft landing), not of the
view; on the 640x480 grid clips the left leg's IC is ~-13 ms and the right's ~+10 ms.
``hybrid`` is the default: it meets the mocap targets (IC <= 10 ms, TO <= 15 ms, cadence within
0.5 spm at 60 and 120 fps), the synthetic ones and the rendered 60 fps sample's (IC 0.46, TO 0.79
frames; renderer revision 2, 0.39 / 0.96 with revision 1). Misses: rendered 60 fps facing left IC
17 ms (1 frame; the pose model's leg offset above); on the accuracy grid the side TO comes ~15 ms
late (height TO; 1.2 frames pooled), and the low-cadence overstrider's IC +31 ms (1.8 frames).

The default (``EventConfig.method = "auto"``) is the method with the best measured accuracy, see
``DEFAULT_METHOD``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import signal

from formcheck.landmarks import Landmark, side_lm

CONTACT_COLUMNS = ("side", "ic", "tc", "ic_s", "tc_s", "contact_time_s", "method")
REJECTED_COLUMNS = CONTACT_COLUMNS + ("reason",)
METHODS = ("zeni", "height", "fellin", "hybrid")
DEFAULT_METHOD = "hybrid"
_H1_LEG = 0.06  # height threshold (leg lengths) where the extrapolation starts


@dataclass(frozen=True)
class FootSignals:
    """Runner-frame signals of one foot (all (T,), px; u forward, z up)."""

    heel_u: np.ndarray
    heel_z: np.ndarray
    toe_u: np.ndarray
    toe_z: np.ndarray
    knee_ext_deg: np.ndarray  # 180 - knee flexion (180 = straight)
    pelvis_u: np.ndarray


def foot_signals(xy: np.ndarray, side: str, *, facing: float) -> FootSignals:
    """Build a foot's runner-frame signals from (T, 33, 2) image landmarks."""
    from formcheck.geometry import joint_flexion_deg, midpoint

    p = lambda n: xy[:, int(side_lm(n, side))]  # noqa: E731
    pelvis = midpoint(xy[:, int(Landmark.LEFT_HIP)], xy[:, int(Landmark.RIGHT_HIP)])
    return FootSignals(
        heel_u=facing * p("heel")[:, 0],
        heel_z=-p("heel")[:, 1],
        toe_u=facing * p("foot_index")[:, 0],
        toe_z=-p("foot_index")[:, 1],
        knee_ext_deg=180.0 - joint_flexion_deg(p("hip"), p("knee"), p("ankle")),
        pelvis_u=facing * pelvis[:, 0],
    )


def frame_to_s(pos: np.ndarray | float, t_s: np.ndarray) -> np.ndarray:
    """Fractional frame positions -> seconds via the clip's own timestamps (the one conversion)."""
    return np.interp(pos, np.arange(len(t_s)), t_s)


def _parabolic(y: np.ndarray, i: int) -> float:
    """Sub-sample position of the extremum at ``i`` from a parabola through its neighbours."""
    if 0 < i < len(y) - 1 and np.all(np.isfinite(y[i - 1 : i + 2])):
        den = y[i - 1] - 2 * y[i] + y[i + 1]
        if den != 0:
            return i + float(np.clip(0.5 * (y[i - 1] - y[i + 1]) / den, -0.5, 0.5))
    return float(i)


def peak_positions(y: np.ndarray, *, distance: int, prominence: float) -> np.ndarray:
    """Sub-frame positions of maxima of ``y`` (NaN-safe: NaNs never hold a peak)."""
    z = np.where(np.isfinite(y), y, np.nanmin(y) if np.isfinite(y).any() else 0.0)
    idx, _ = signal.find_peaks(z, distance=max(1, distance), prominence=prominence)
    idx = [i for i in idx if np.isfinite(y[i])]
    return np.array([_parabolic(y, i) for i in idx])


def dominant_period_frames(x: np.ndarray, *, lo: float, hi: float) -> float:
    """Period (frames) of the strongest spectral peak of ``x`` between ``lo`` and ``hi`` frames."""
    ok = np.isfinite(x)
    if ok.sum() < 2 * lo:
        return float("nan")
    y = np.interp(np.arange(len(x)), np.flatnonzero(ok), x[ok])
    y = (y - y.mean()) * np.hanning(len(y))
    n = 8 * int(2 ** np.ceil(np.log2(len(y))))
    p = np.abs(np.fft.rfft(y, n)) ** 2
    f = np.fft.rfftfreq(n)
    band = (f >= 1.0 / hi) & (f <= 1.0 / lo)
    if not band.any():
        return float("nan")
    return float(1.0 / f[band][np.argmax(p[band])])


def floor_height(z_low: np.ndarray, *, window: int) -> np.ndarray:
    """Running 5th percentile of the lowest foot point's height (the floor), window in frames."""
    s = pd.Series(z_low)
    w = max(5, int(window) | 1)
    fl = s.rolling(w, center=True, min_periods=max(3, w // 4)).quantile(0.05)
    return fl.bfill().ffill().to_numpy()


def _crossings(h: np.ndarray, level: float, *, rising: bool) -> np.ndarray:
    """Fractional positions where ``h`` crosses ``level`` (upwards if ``rising``)."""
    a, b = h[:-1], h[1:]
    ok = np.isfinite(a) & np.isfinite(b)
    hit = ok & ((a < level) & (b >= level) if rising else (a >= level) & (b < level))
    i = np.flatnonzero(hit)
    return i + (level - a[i]) / (b[i] - a[i])


def _extrapolate_to_floor(h: np.ndarray, pos: float, *, down: bool) -> float:
    """From a crossing at ``pos``, follow the local slope (3-frame fit) linearly to height 0."""
    i = int(np.floor(pos))
    lo, hi = max(0, i - 1), min(len(h), i + 3)
    seg = h[lo:hi]
    xs = np.arange(lo, hi)[np.isfinite(seg)]
    if len(xs) < 2:
        return pos
    slope = np.polyfit(xs, h[xs], 1)[0]
    level = np.interp(pos, xs, h[xs])
    if down and slope < 0:
        return pos + level / -slope
    if not down and slope > 0:
        return pos - level / slope
    return pos


SMOOTH_VELOCITY_S = 0.07  # support of the local cubic fit that differentiates foot heights [s]


def smooth_velocity(x: np.ndarray, *, fps_hz: float, window_s: float = SMOOTH_VELOCITY_S) -> np.ndarray:
    """Per-frame derivative of ``x`` (units per frame) from a local cubic least-squares fit.

    Savitzky-Golay (polynomial order 3, at least 5 frames, ``window_s`` wide): a 2-frame central
    difference of a noisy landmark height has a velocity minimum that wanders by a frame or more;
    a cubic over ~70 ms averages the noise without flattening the minimum as a line fit would.
    NaN gaps are bridged linearly for the fit and NaN again in the output.

    Parameters
    ----------
    x : (T,) signal, NaN where missing.
    fps_hz : frames per second of ``x``.
    window_s : fit support [s].

    Returns
    -------
    (T,) derivative [units of ``x`` per frame], NaN where ``x`` is.
    """
    ok = np.isfinite(x)
    w = max(5, int(round(window_s * fps_hz)) | 1)
    if ok.sum() < w:
        return np.gradient(x)
    xf = np.interp(np.arange(len(x)), np.flatnonzero(ok), x[ok])
    v = signal.savgol_filter(xf, w, 3, deriv=1)
    v[~ok] = np.nan
    return v


def _descent_end(h: np.ndarray, heel_h: np.ndarray, toe_h: np.ndarray, down: np.ndarray, *, fps_hz: float,
                 h1: float, after_s: float = 0.0, cap_s: float = 0.25) -> np.ndarray:
    """Per down-crossing of the lowest point ``h``: when its last fast descent ends (sub-frame), NaN
    if none. ``heel_h``/``toe_h`` are the two points' heights over the same floor.

    Before contact the foot descends (in late swing, or from a hover just above the floor); the
    ground then stops it, so the descent cannot speed up after contact: the last local minimum of
    the vertical velocity (fastest descent) before the foot settles is at or before IC. The velocity
    is that of the point (heel or toe) that is lower where the foot settles (the one the ground
    stops), from ``smooth_velocity``. Window: from the crossing until ``after_s`` after ``h`` first
    falls below ``h1 / 4`` (default 0: the descent has ended once the foot is that low; a later
    window let the far foot's landmark noise pick minima 130 ms late; at most ``cap_s``), and no later than 30 ms after a heel landing (heel
    lowest and within ``h1 / 2``: the forefoot slapping down afterwards is a second descent after
    IC). Minima count when the point descends faster than 3 ``h1`` per second (~0.2 leg lengths/s:
    a second, slower drop after a hover is still a descent; the noise of a settled foot is not)."""
    v_heel = smooth_velocity(heel_h, fps_hz=fps_hz)
    v_toe = smooth_velocity(toe_h, fps_hz=fps_hz)
    slow = -3.0 * h1 / fps_hz  # 3 h1 per second, per frame
    out = []
    for p in down:
        lo, hi = int(np.floor(p)), int(min(len(h) - 2, np.ceil(p + cap_s * fps_hz)))
        below = np.flatnonzero(h[lo:hi + 1] <= 0.25 * h1)
        settle = lo + int(below[0]) if len(below) else hi
        if len(below):
            hi = min(hi, lo + int(below[0]) + round(after_s * fps_hz))
        landed = np.flatnonzero((heel_h[lo:hi + 1] <= 0.5 * h1) & (heel_h[lo:hi + 1] <= toe_h[lo:hi + 1]))
        if len(landed):
            hi = min(hi, lo + int(landed[0]) + round(0.03 * fps_hz))
        v = v_heel if heel_h[settle] < toe_h[settle] else v_toe
        lo = max(1, lo)
        seg = v[lo:hi + 1]
        if hi - lo < 2 or not np.isfinite(seg).any():
            out.append(np.nan)
            continue
        mins = [i for i in range(lo + 1, hi) if v[i] <= v[i - 1] and v[i] <= v[i + 1] and v[i] < slow]
        k = mins[-1] if mins else lo + int(np.nanargmin(seg))
        out.append(_parabolic(-v, k))
    return np.array(out, dtype=float)


def _ic_tc_height(f: FootSignals, *, floor: np.ndarray, leg_px: float, min_sep: int, fps_hz: float,
                  period_frames: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """IC and TO from the lowest foot point's height (module docstring, ``height``).

    The IC extrapolation aims at the stance level of the point that is lowest at the crossing (its
    own running 5th percentile over ``floor``, at most ``h1 / 2``): a pose model's heel point
    stands a few px above the toe's floor line, so a heel extrapolated to the toe's floor lands
    late."""
    heel_h, toe_h = f.heel_z - floor, f.toe_z - floor
    h = np.fmin(heel_h, toe_h)
    h1 = _H1_LEG * leg_px
    down = _crossings(h, h1, rising=False)
    up = _crossings(h, h1, rising=True)
    if period_frames is not None and np.isfinite(period_frames):
        down, up = _merge_short_lifts(down, up, h, h1=h1, max_gap=0.2 * period_frames)
    w = int(2 * period_frames) if period_frames is not None and np.isfinite(period_frames) else int(1.6 * fps_hz)
    rest = {"heel": floor_height(f.heel_z, window=w) - floor, "toe": floor_height(f.toe_z, window=w) - floor}
    ic = []
    for p in down:
        i = int(np.clip(round(p), 0, len(h) - 1))
        lvl = rest["heel"][i] if heel_h[i] <= toe_h[i] else rest["toe"][i]
        lvl = float(np.clip(lvl, 0.0, 0.5 * h1)) if np.isfinite(lvl) else 0.0
        ic.append(min(_extrapolate_to_floor(h - lvl, p, down=True), p + min_sep))
    ic = np.array(ic, dtype=float)
    if len(ic):
        end = _descent_end(h, heel_h, toe_h, down, fps_hz=fps_hz, h1=h1)
        ic = np.fmax(ic, np.where(np.isfinite(end), end, -np.inf))  # the later of two early bounds
    tc = np.array([max(_extrapolate_to_floor(h, p, down=False), p - min_sep) for p in up])
    return ic, tc


def _merge_short_lifts(down: np.ndarray, up: np.ndarray, h: np.ndarray, *, h1: float, max_gap: float) -> tuple[np.ndarray, np.ndarray]:
    """Drop an up-crossing and the down-crossing that follows it when the foot comes back down
    within ``max_gap`` frames (0.2 stride) without rising above ``2 h1``: a swing takes most of a
    stride and lifts the foot higher, so this is one stance with a wobbling landmark (a pose
    model's toe point can rise early in push-off and drop back; measured on a rendered clip)."""
    drop_d, drop_u = set(), set()
    for j, u in enumerate(up):
        if not (down < u).any():
            continue  # no stance before this lift
        nxt = np.flatnonzero(down > u)
        if not len(nxt):
            continue
        k = int(nxt[0])
        if (up[(up > u) & (up < down[k])]).size:
            continue
        seg = h[int(np.floor(u)):int(np.ceil(down[k])) + 1]
        if down[k] - u < max_gap and np.isfinite(seg).any() and np.nanmax(seg) < 2 * h1:
            drop_d.add(k)
            drop_u.add(j)
    return (np.array([d for i, d in enumerate(down) if i not in drop_d]),
            np.array([u for j, u in enumerate(up) if j not in drop_u]))


KNEE_PEAK_FIT = 0.08  # half-width of the parabola fitted to the knee-extension peak [strides]


def _peak_fit(y: np.ndarray, i: int, *, half: int) -> float:
    """Sub-sample position of the maximum at ``i`` from a least-squares parabola over ``i +- half``
    (a 3-point parabola follows the noise of a broad, flat peak); ``_parabolic`` when the fit has no
    maximum inside the window."""
    lo, hi = max(0, i - half), min(len(y), i + half + 1)
    xs = np.arange(lo, hi)
    ok = np.isfinite(y[lo:hi])
    if ok.sum() >= 4:
        c = np.polyfit(xs[ok] - i, y[lo:hi][ok], 2)
        if c[0] < 0 and abs(c[1] / (2 * c[0])) <= half:
            return i - c[1] / (2 * c[0])
    return _parabolic(y, i)


def _knee_extension_to(ke: np.ndarray, ic: np.ndarray, *, period: float) -> np.ndarray:
    """TO = peak knee extension of late stance, per IC (NaN where none), sub-frame.

    The knee is most extended twice per stride: in terminal swing just before IC and at push-off.
    So the search starts at the stance's deepest flexion (knee-extension minimum within 0.35 stride
    after IC) and takes the maximum over the next 0.35 stride, before the next IC of this foot. The
    peak's position comes from a parabola fitted over +- ``KNEE_PEAK_FIT`` stride (``_peak_fit``)."""
    half = max(2, int(round(KNEE_PEAK_FIT * period)))
    out = []
    for k, a in enumerate(ic):
        nxt = ic[k + 1] if k + 1 < len(ic) else len(ke) - 1
        lo, hi = int(np.ceil(a)), int(min(nxt, a + 0.35 * period))
        if hi - lo < 3 or not np.isfinite(ke[lo:hi]).any():
            out.append(np.nan)
            continue
        mid = lo + int(np.nanargmin(ke[lo:hi]))
        end = int(min(nxt, mid + 0.35 * period))
        if end - mid < 3 or not np.isfinite(ke[mid:end]).any():
            out.append(np.nan)
            continue
        out.append(_peak_fit(ke, mid + int(np.nanargmax(ke[mid:end])), half=half))
    return np.array(out, dtype=float)


def _hybrid_to(ic: np.ndarray, tc_height: np.ndarray, knee_to: np.ndarray, *, rule: str,
               airborne: np.ndarray | None = None) -> np.ndarray:
    """Per IC, the TO before the next IC: knee extension (``rule="knee"``, height TO where the knee
    gives none) or the later of the two (``rule="later"``). A knee TO after the foot is clearly
    airborne (``airborne``: up-crossings of ``2 h1``) is not a toe-off and is not used."""
    out = []
    up2 = np.sort(airborne) if airborne is not None else np.array([])
    for k, a in enumerate(ic):
        nxt = ic[k + 1] if k + 1 < len(ic) else np.inf
        th = tc_height[(tc_height > a) & (tc_height < nxt)]
        hgt = th[0] if len(th) else np.nan
        kn = knee_to[k] if a < knee_to[k] < nxt else np.nan
        lift = up2[(up2 > a) & (up2 < nxt)]
        if len(lift) and np.isfinite(kn) and kn > lift[0]:
            kn = np.nan
        if rule == "later" and np.isfinite(hgt) and np.isfinite(kn):
            out.append(max(hgt, kn))
        else:
            out.append(kn if np.isfinite(kn) else hgt)
    out = np.array(out, dtype=float)
    return out[np.isfinite(out)]


HYBRID_TO_RULE = "later"


def candidate_events(
    xy: np.ndarray, side: str, *, facing: float, method: str, fps_hz: float, leg_px: float, floor: np.ndarray | None = None,
    merge_lifts: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Unpaired IC and TO positions (fractional frames) of one foot by one method.

    ``merge_lifts``: height-based methods drop a lift of the foot that is too short and low to be a
    swing (``_merge_short_lifts``); off when the labels may still jump between the legs.

    ``fps_hz`` is frames per second of *gait* time: the clip's fps times ``time_scale`` of
    ``detect_contacts`` (slow-motion footage), so the windows below follow the gait, not the clock.
    """
    f = foot_signals(xy, side, facing=facing)
    rel_heel = f.heel_u - f.pelvis_u
    period = dominant_period_frames(rel_heel, lo=0.4 * fps_hz, hi=2.0 * fps_hz)
    if not np.isfinite(period):
        period = 0.75 * fps_hz
    dist = int(0.6 * period)
    if method == "zeni":
        rng = np.nanpercentile(rel_heel, 95) - np.nanpercentile(rel_heel, 5)
        ic = peak_positions(rel_heel, distance=dist, prominence=0.3 * rng)
        rel_toe = f.toe_u - f.pelvis_u
        rng_t = np.nanpercentile(rel_toe, 95) - np.nanpercentile(rel_toe, 5)
        tc = peak_positions(-rel_toe, distance=dist, prominence=0.3 * rng_t)
        return ic, tc
    if floor is None:
        floor = floor_height(lowest_point(xy), window=int(2 * period))
    if method == "height":
        return _ic_tc_height(f, floor=floor, leg_px=leg_px, min_sep=int(0.1 * fps_hz), fps_hz=fps_hz,
                             period_frames=period if merge_lifts else None)
    if method == "hybrid":
        ic, tc = _ic_tc_height(f, floor=floor, leg_px=leg_px, min_sep=int(0.1 * fps_hz), fps_hz=fps_hz,
                             period_frames=period if merge_lifts else None)
        airborne = _crossings(np.fmin(f.heel_z, f.toe_z) - floor, 2 * _H1_LEG * leg_px, rising=True)
        return ic, _hybrid_to(ic, tc, _knee_extension_to(f.knee_ext_deg, ic, period=period), rule=HYBRID_TO_RULE,
                              airborne=airborne)
    if method == "fellin":
        hz = f.heel_z - floor
        rng = np.nanpercentile(hz, 95) - np.nanpercentile(hz, 5)
        ic = peak_positions(-hz, distance=dist, prominence=0.3 * rng)
        tc = _knee_extension_to(f.knee_ext_deg, ic, period=period)
        return ic, tc[np.isfinite(tc)]
    raise ValueError(f"unknown event method {method!r}; valid: {', '.join(METHODS)}")


def lowest_point(xy: np.ndarray, sides: tuple[str, ...] = ("left", "right")) -> np.ndarray:
    """Height (-y, px) of the lowest heel/toe point of the given feet, per frame."""
    ids = [int(side_lm(n, s)) for s in sides for n in ("heel", "foot_index")]
    with np.errstate(all="ignore"):
        y = np.nanmax(np.where(np.isfinite(xy[:, ids, 1]), xy[:, ids, 1], -np.inf), axis=1)
    y[~np.isfinite(y)] = np.nan
    return -y


def pair_contacts(
    ic: np.ndarray, tc: np.ndarray, *, side: str, t_s: np.ndarray, fps_hz: float,
    min_contact_s: float, max_contact_s: float, missing: np.ndarray, method: str,
) -> tuple[list[dict], list[dict]]:
    """Pair each IC with the first TO before the next IC of the same foot; reject with a reason."""
    kept, rejected = [], []
    ic = np.sort(ic)
    tc = np.sort(tc)
    for k, a in enumerate(ic):
        nxt = ic[k + 1] if k + 1 < len(ic) else np.inf
        cand = tc[(tc > a) & (tc < nxt)]
        row = {"side": side, "ic": int(round(a)), "tc": -1, "ic_s": float(frame_to_s(a, t_s)),
               "tc_s": float("nan"), "contact_time_s": float("nan"), "method": method}
        if len(cand) == 0:
            row["reason"] = "no toe-off before the next contact of this foot" if np.isfinite(nxt) else "clip ends before toe-off"
            rejected.append(row)
            continue
        b = cand[0]
        row.update(tc=int(round(b)), tc_s=float(frame_to_s(b, t_s)))
        row["contact_time_s"] = row["tc_s"] - row["ic_s"]
        lo, hi = max(0, int(np.floor(a)) - 1), min(len(missing), int(np.ceil(b)) + 2)
        if missing[lo:hi].mean() > 0.3:
            row["reason"] = "foot landmarks missing in more than 30% of the contact"
        elif row["contact_time_s"] < min_contact_s:
            row["reason"] = f"contact shorter than {min_contact_s:.2f} s"
        elif row["contact_time_s"] > max_contact_s:
            row["reason"] = f"contact longer than {max_contact_s:.2f} s"
        else:
            kept.append(row)
            continue
        rejected.append(row)
    return kept, rejected


def detect_contacts(
    xy: np.ndarray, t_s: np.ndarray, *, facing: float, leg_px: float, method: str = DEFAULT_METHOD,
    min_contact_time_s: float = 0.08, max_contact_time_s: float = 1.0, time_scale: float = 1.0, merge_lifts: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Initial contacts and toe-offs of both feet.

    Parameters
    ----------
    xy : (T, 33, 2) cleaned image landmarks [px].
    t_s : (T,) timestamps [s].
    facing : +1 when the runner faces image +x, -1 otherwise (only ``zeni`` uses it).
    leg_px : leg length [px] (scales the height thresholds).
    method : ``zeni`` | ``height`` | ``fellin`` | ``hybrid`` (module docstring).
    time_scale : clip seconds per second of gait (> 1 for slow-motion footage played at a normal
        rate); stretches every window and the contact-time limits, so a 4x slowed clip is analysed
        like a real-time one (its times stay in clip seconds).

    Returns
    -------
    (contacts, rejected) : DataFrames with ``CONTACT_COLUMNS`` (+ ``reason`` in ``rejected``), sorted
        by ``ic_s``. ``ic``/``tc`` are the nearest frame indices; ``ic_s``/``tc_s`` are interpolated.
    """
    fps = float(1.0 / np.median(np.diff(t_s))) * max(1.0, time_scale)  # frames per second of gait time
    min_contact_time_s, max_contact_time_s = (x * max(1.0, time_scale) for x in (min_contact_time_s, max_contact_time_s))
    kept, rej = [], []
    for side in ("left", "right"):
        floor = None
        if method != "zeni":  # per foot: in a side view the near foot's floor line is lower in the image
            low = lowest_point(xy, (side,))
            per = dominant_period_frames(low, lo=0.4 * fps, hi=2.0 * fps)
            floor = floor_height(low, window=int(2 * (per if np.isfinite(per) else 0.8 * fps)))
        ic, tc = candidate_events(xy, side, facing=facing, method=method, fps_hz=fps, leg_px=leg_px, floor=floor,
                                  merge_lifts=merge_lifts)
        ids = [int(side_lm(n, side)) for n in ("heel", "foot_index", "ankle")]
        missing = ~np.isfinite(xy[:, ids, 0]).all(axis=1)
        k, r = pair_contacts(ic, tc, side=side, t_s=t_s, fps_hz=fps, min_contact_s=min_contact_time_s,
                             max_contact_s=max_contact_time_s, missing=missing, method=method)
        kept += k
        rej += r
    contacts = pd.DataFrame(kept, columns=list(CONTACT_COLUMNS)).sort_values("ic_s", ignore_index=True)
    rejected = pd.DataFrame(rej, columns=list(REJECTED_COLUMNS)).sort_values("ic_s", ignore_index=True)
    return contacts, rejected


CADENCE_INLIER_MADS = 3.0  # stride times within this many scaled MADs of the median are averaged


def cadence_spm_from_strides(stride_time_s: np.ndarray, *, k_mad: float = CADENCE_INLIER_MADS) -> float:
    """Cadence [steps/min] = 120 / mean of the inlier stride times.

    A stride time is the difference of two IC times of one foot, so each IC's timing error enters
    two neighbouring strides with opposite signs: over contiguous strides the mean telescopes to
    (last IC - first IC) / n and the per-event jitter cancels, where a median keeps it (at 120 fps
    the median of ~76 mocap strides sat 0.5 spm off). Strides with a missed or extra contact would
    pull a mean, so only inliers count: within ``k_mad`` scaled MADs (1.4826 MAD, at least 1 % of
    the median) of the median stride time.

    Parameters
    ----------
    stride_time_s : (N,) stride times [s] (IC to the next IC of the same foot, either foot; NaNs
        are ignored).
    k_mad : inlier half-width in scaled MADs.

    Returns
    -------
    Cadence [steps/min]; NaN without a finite positive stride time.
    """
    st = np.asarray(stride_time_s, dtype=float)
    st = st[np.isfinite(st) & (st > 0)]
    if not len(st):
        return float("nan")
    med = float(np.median(st))
    spread = max(1.4826 * float(np.median(np.abs(st - med))), 0.01 * med)
    return float(120.0 / np.mean(st[np.abs(st - med) <= k_mad * spread]))


def build_strides(contacts: pd.DataFrame, *, max_stride_time_s: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per stride (IC to next IC of the same foot) and the step that ends it.

    Per side, a step belongs to the foot that lands at its end, as in clinical gait analysis (a left
    step runs from the right IC to the left IC): ``step_time_s`` is the other foot's IC inside the
    stride to this foot's next IC, and ``flight_time_s`` the other foot's toe-off to that IC.
    ``contact_time_s`` is this foot's stance that starts the stride.

    Returns (strides, rejected) where rejected strides carry a ``reason`` (too long = a missed or
    rejected contact in between; no contralateral contact inside = left/right confusion).
    """
    rows, rej = [], []
    c = contacts.sort_values("ic_s")
    for side in ("left", "right"):
        mine = c[c.side == side].reset_index(drop=True)
        other = c[c.side != side]
        for k in range(len(mine) - 1):
            a, b = mine.iloc[k], mine.iloc[k + 1]
            between = other[(other.ic_s > a.ic_s) & (other.ic_s < b.ic_s)]
            row = {"side": side, "start": int(a.ic), "end": int(b.ic), "tc": int(a.tc),
                   "start_s": a.ic_s, "end_s": b.ic_s, "tc_s": a.tc_s,
                   "stride_time_s": b.ic_s - a.ic_s, "contact_time_s": a.contact_time_s}
            if row["stride_time_s"] > max_stride_time_s:
                row["reason"] = f"stride longer than {max_stride_time_s:.2f} s (missed contact)"
            elif len(between) != 1:
                row["reason"] = f"{len(between)} contacts of the other foot inside the stride (expected 1)"
            else:
                o = between.iloc[0]
                row["step_time_s"] = b.ic_s - o.ic_s  # the step this foot lands at the end of the stride
                row["flight_time_s"] = b.ic_s - o.tc_s
                row["other_ic_s"] = o.ic_s
                rows.append(row)
                continue
            rej.append(row)
    strides = pd.DataFrame(rows)
    if len(strides):
        strides = strides.sort_values("start_s", ignore_index=True)
    return strides, pd.DataFrame(rej)
