"""Landmark cleaning: masking, left/right fixes, outliers, gap filling and zero-phase low-pass.

Order in ``clean_pose`` (each step returns new arrays, nothing is mutated, nothing dropped silently;
the counts of every change land in ``CleaningReport``):

1. ``mask_low_visibility`` - points whose MediaPipe visibility is below ``min_visibility`` -> NaN;
   ``mask_out_of_frame`` - points placed outside the picture (BlazePose extrapolates a whole body
   even when only the legs are in view; such points are guesses, e.g. a "trunk" above the frame).
2. ``assign_sides_by_view`` - rear view: the runner's left is on image left; front view: on image
   right. BlazePose sometimes reads a back as a face and mirrors every label; frames whose hip and
   shoulder order contradicts the view get all left/right labels swapped.
3. ``fix_leg_swaps`` - side/oblique views: per frame, keep or swap the two legs' labels, choosing the
   sequence with the smoothest leg-point accelerations over the whole clip (Viterbi) plus a small
   cost per swapped frame (BlazePose flips near and far leg for single frames, mostly where the legs
   cross). Stretches that continuity cannot decide are settled at the event level by the step
   alternation (``contact_sides.assign_contact_sides``), which ``gait.analyze_gait`` feeds back here as
   ``leg_anchors``.
4. ``reject_outliers`` - Hampel filter on each coordinate: a point further than ``k`` scaled MADs
   from the running median (window ``outlier_window_s``) -> NaN.
5. ``interpolate_gaps`` - linear interpolation over NaN gaps up to ``max_gap_s``; longer gaps stay NaN.
6. ``lowpass`` - Butterworth (``output='sos'``, ``fs=``) run forward and backward (``sosfiltfilt``),
   applied separately to every NaN-free run long enough for the default padding; shorter runs are
   left unfiltered and NaNs stay NaN.

Not a cleaning step: ``longest_track`` finds where the tracked person changes (a crowd: the
hip midpoint jumps by more than half a torso length between consecutive detected frames; running
clips move at most 0.12 torso per frame, a person switch 0.5-6.8) and returns the longest stretch
with one person; ``gait.analyze_gait`` uses it only for walking steps from the feet's alternation.

Method comparison for the low-pass (why Butterworth): a Savitzky-Golay filter keeps peaks better but
its cut-off depends on the window in samples, i.e. on fps; a moving median removes spikes but lags
edges; Butterworth's cut-off is in Hz (fps-independent) and zero-phase when run both ways, so event
timing is not shifted. 8 Hz keeps the heel's contact transient at 60-240 fps within a frame
(measured in ``benchmarks/events_mocap.py``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from scipy import signal

from formcheck.config import CleaningConfig
from formcheck.landmarks import Landmark, mirror_index
from formcheck.types import PoseSeries

LEG_NAMES = ("hip", "knee", "ankle", "heel", "foot_index")
_LEFT_LEG = np.array([int(Landmark[f"LEFT_{n.upper()}"]) for n in LEG_NAMES])
_RIGHT_LEG = np.array([int(Landmark[f"RIGHT_{n.upper()}"]) for n in LEG_NAMES])
_SWAP_LEGS_ONLY = np.array([int(Landmark[f"LEFT_{n.upper()}"]) for n in ("knee", "ankle", "heel", "foot_index")])
_SWAP_LEGS_ONLY_R = np.array([int(Landmark[f"RIGHT_{n.upper()}"]) for n in ("knee", "ankle", "heel", "foot_index")])


@dataclass(frozen=True)
class CleaningReport:
    """What cleaning changed (counts are landmark-frames unless named ``frames``)."""

    masked_low_visibility: int
    view_swapped_frames: int
    leg_swapped_frames: int
    outliers: int
    interpolated: int
    still_missing: int
    leg_swapped: np.ndarray | None = dataclasses.field(default=None, compare=False, repr=False)  # (T,) bool
    masked_out_of_frame: int = 0


def mask_out_of_frame(xy: np.ndarray, *, width_px: int, height_px: int, margin_frac: float = 0.02
                      ) -> tuple[np.ndarray, int]:
    """NaN for points more than ``margin_frac`` of the frame size outside the picture; (new xy, count)."""
    mx, my = margin_frac * width_px, margin_frac * height_px
    x, y = xy[..., 0], xy[..., 1]
    bad = np.isfinite(x) & ((x < -mx) | (x > width_px + mx) | (y < -my) | (y > height_px + my))
    out = xy.copy()
    out[bad] = np.nan
    return out, int(bad.sum())


def mask_low_visibility(xy: np.ndarray, visibility: np.ndarray, *, min_visibility: float) -> tuple[np.ndarray, int]:
    """NaN where ``visibility < min_visibility``; returns (new xy, number of points masked)."""
    bad = ~(np.nan_to_num(visibility, nan=0.0) >= min_visibility) & np.isfinite(xy[..., 0])
    out = np.array(xy, dtype=float, copy=True)
    out[bad] = np.nan
    return out, int(bad.sum())


def assign_sides_by_view(xy: np.ndarray, *, view: str) -> tuple[np.ndarray, np.ndarray]:
    """Make labels agree with a rear or front view. Returns (new xy, (T,) bool frames swapped).

    Rear view: the runner's left hip/shoulder must be at smaller image x than the right one; front
    view: larger. The vote uses hips and shoulders; side and oblique views are returned unchanged.
    """
    out = np.array(xy, dtype=float, copy=True)
    swapped = np.zeros(len(xy), dtype=bool)
    if view not in ("rear", "front"):
        return out, swapped
    dx = (xy[:, int(Landmark.LEFT_HIP), 0] - xy[:, int(Landmark.RIGHT_HIP), 0]) + (
        xy[:, int(Landmark.LEFT_SHOULDER), 0] - xy[:, int(Landmark.RIGHT_SHOULDER), 0]
    )
    swapped = np.nan_to_num(dx > 0 if view == "rear" else dx < 0, nan=False).astype(bool)
    if swapped.any():
        out[swapped] = out[swapped][:, list(mirror_index())]
    return out, swapped


def _acceleration_costs(xy: np.ndarray) -> np.ndarray:
    """(T, 2, 2, 2) cost of labellings (a, b, c) at frames (t-2, t-1, t): the summed length of the
    second difference of the eight distal leg points (0 = labels as given, 1 = legs swapped).

    Missing points add nothing, so a missing frame carries no evidence either way."""
    n = len(xy)
    legs = np.stack([xy[:, _SWAP_LEGS_ONLY], xy[:, _SWAP_LEGS_ONLY_R]], axis=1)  # (T, 2 legs, 4, 2)
    lab = np.stack([legs, legs[:, ::-1]], axis=1)  # (T, labelling, 2, 4, 2)
    acc = np.zeros((n, 2, 2, 2))
    if n < 3:
        return acc
    for a in (0, 1):
        for b in (0, 1):
            for c in (0, 1):
                d = lab[2:, c] - 2 * lab[1:-1, b] + lab[:-2, a]
                acc[2:, a, b, c] = np.nansum(np.linalg.norm(d, axis=-1).reshape(n - 2, -1), axis=1)
    return acc


def fix_leg_swaps(xy: np.ndarray, *, prior: float = 2.0, anchors: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Swap knee/ankle/heel/toe labels where the whole sequence is smoother that way (Viterbi).

    Every frame is either kept or has its two legs' distal labels swapped. The chosen sequence
    minimises, over the clip, the summed second difference (acceleration) of the eight distal leg
    points plus ``prior`` x (median acceleration cost of the input) per swapped frame. The prior keeps
    the pose model's labels where continuity cannot tell (the legs cross in a side view twice per
    stride); the global optimum cannot drift into a long wrong stretch the way a frame-by-frame
    greedy fix does (measured on the rendered side sample: a greedy constant-velocity fix turned 14
    single-frame model swaps into 253 swapped frames; this one corrects all 14 and adds none).

    Parameters
    ----------
    xy : (T, 33, 2) image landmarks [px]; NaN = missing.
    prior : cost of one swapped frame, in units of the clip's median acceleration cost.
    anchors : optional (T,) int: -1 = free, 0 = these labels are right, 1 = these labels are
        swapped (from the step alternation at the event level, ``contact_sides.leg_label_anchors``).

    Returns
    -------
    (new xy, (T,) bool frames whose labels were swapped relative to the input)
    """
    out = np.array(xy, dtype=float, copy=True)
    n = len(out)
    if n < 3:
        return out, np.zeros(n, dtype=bool)
    acc = _acceleration_costs(out)
    base = acc[2:, 0, 0, 0]
    noise = float(np.median(base[base > 0])) if (base > 0).any() else 1.0
    unary = np.zeros((n, 2))
    unary[:, 1] = prior * noise
    if anchors is not None:
        a = np.asarray(anchors)
        unary[a == 0, 1] = np.inf
        unary[a == 1, 0] = np.inf
    # state at frame t = (label at t-1, label at t); D[b, c] = best cost of frames 0..t ending in (b, c)
    cost = unary[0][:, None] + unary[1][None, :]
    back = np.zeros((n, 2, 2), dtype=np.int8)
    for t in range(2, n):
        cand = cost[:, :, None] + acc[t]  # [a, b, c]
        best = np.argmin(cand, axis=0)  # [b, c]
        cost = np.take_along_axis(cand, best[None], 0)[0] + unary[t][None, :]
        back[t] = best
    b, c = np.unravel_index(int(np.argmin(cost)), cost.shape)
    state = np.zeros(n, dtype=np.int8)
    state[-2], state[-1] = b, c
    for t in range(n - 1, 1, -1):
        state[t - 2] = back[t, state[t - 1], state[t]]
    swapped = state.astype(bool)
    return swap_leg_labels(out, swapped), swapped


def swap_leg_labels(values: np.ndarray, frames: np.ndarray) -> np.ndarray:
    """A copy of per-landmark ``values`` (T, 33, ...) with the two legs' distal points (knee, ankle,
    heel, toe) exchanged in ``frames`` ((T,) bool): what ``fix_leg_swaps`` does to the coordinates,
    for any per-landmark array (e.g. the visibility scores that belong to them)."""
    out = np.array(values, dtype=float, copy=True)
    rows = np.flatnonzero(np.asarray(frames, bool))
    if len(rows):
        li, ri = _SWAP_LEGS_ONLY, _SWAP_LEGS_ONLY_R
        left, right = out[rows[:, None], li[None, :]], out[rows[:, None], ri[None, :]]
        out[rows[:, None], li[None, :]] = right
        out[rows[:, None], ri[None, :]] = left
    return out


def reject_outliers(x: np.ndarray, t_s: np.ndarray, *, window_s: float, k: float) -> tuple[np.ndarray, int]:
    """Hampel filter along axis 0 (any trailing shape). Returns (new x, number of points set NaN)."""
    x = np.array(x, dtype=float, copy=True)
    dt = float(np.median(np.diff(t_s))) if len(t_s) > 1 else 1.0
    half = max(2, int(round(0.5 * window_s / dt)))
    flat = x.reshape(len(x), -1)
    n_bad = 0
    from numpy.lib.stride_tricks import sliding_window_view

    padded = np.pad(flat, ((half, half), (0, 0)), constant_values=np.nan)
    win = sliding_window_view(padded, 2 * half + 1, axis=0)  # (T, C, W)
    with np.errstate(all="ignore"), _quiet_nan():
        med = np.nanmedian(win, axis=2)
        mad = 1.4826 * np.nanmedian(np.abs(win - med[..., None]), axis=2)
    scale = np.maximum(mad, 1e-9 + 0.5)  # floor: half a pixel
    bad = np.abs(flat - med) > k * scale
    bad &= np.isfinite(flat)
    n_bad = int(bad.sum())
    flat[bad] = np.nan
    return flat.reshape(x.shape), n_bad


class _quiet_nan:
    def __enter__(self):
        import warnings

        self._cm = warnings.catch_warnings()
        self._cm.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)


def interpolate_gaps(x: np.ndarray, t_s: np.ndarray, *, max_gap_s: float) -> tuple[np.ndarray, int]:
    """Linear interpolation in time over interior NaN gaps no longer than ``max_gap_s``.

    A gap's length is the time between the valid samples around it minus one frame interval, so a
    single missing frame at 30 fps is a 33 ms gap. Returns (new x, number of values filled).
    """
    x = np.array(x, dtype=float, copy=True)
    flat = x.reshape(len(x), -1)
    t = np.asarray(t_s, float)
    dt = float(np.median(np.diff(t))) if len(t) > 1 else 0.0
    filled = 0
    for c in range(flat.shape[1]):
        col = flat[:, c]
        ok = np.isfinite(col)
        if ok.sum() < 2 or ok.all():
            continue
        idx = np.flatnonzero(ok)
        gaps = np.flatnonzero(np.diff(idx) > 1)
        for g in gaps:
            a, b = idx[g], idx[g + 1]
            if t[b] - t[a] - dt <= max_gap_s + 1e-9:
                col[a + 1 : b] = np.interp(t[a + 1 : b], [t[a], t[b]], [col[a], col[b]])
                filled += b - a - 1
    return flat.reshape(x.shape), filled


def nan_runs(ok: np.ndarray) -> list[tuple[int, int]]:
    """Half-open [start, stop) runs where ``ok`` is True."""
    d = np.diff(np.concatenate([[0], ok.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1)))


def lowpass(x: np.ndarray, *, fs_hz: float, cutoff_hz: float, order: int) -> np.ndarray:
    """Zero-phase Butterworth low-pass along axis 0, NaN-aware (each NaN-free run separately).

    Runs shorter than the filter's default padding (``3 * (2 * len(sos) + 1)`` samples) are returned
    unfiltered. When ``cutoff_hz`` is at or above Nyquist the input is returned unchanged.
    """
    x = np.array(x, dtype=float, copy=True)
    if cutoff_hz >= 0.5 * fs_hz * 0.99:
        return x
    sos = signal.butter(order, cutoff_hz, btype="lowpass", output="sos", fs=fs_hz)
    padlen = 3 * (2 * len(sos) + 1)
    flat = x.reshape(len(x), -1)
    for c in range(flat.shape[1]):
        col = flat[:, c]
        for a, b in nan_runs(np.isfinite(col)):
            if b - a > padlen:
                col[a:b] = signal.sosfiltfilt(sos, col[a:b])
    return flat.reshape(x.shape)


def clean_pose(pose: PoseSeries, cfg: CleaningConfig = CleaningConfig(), *, view: str = "side",
               leg_anchors: np.ndarray | None = None) -> tuple[PoseSeries, CleaningReport]:
    """Run every cleaning step (module docstring) and return a new ``PoseSeries`` plus a report.

    ``leg_anchors`` (side/oblique views): (T,) int passed to ``fix_leg_swaps``, relative to the
    labels of ``pose`` (-1 free, 0 labels right, 1 legs swapped), e.g. from the step alternation.
    """
    xy, n_mask = mask_low_visibility(pose.xy, pose.visibility, min_visibility=cfg.min_visibility)
    xy, n_off = mask_out_of_frame(xy, width_px=pose.meta.width_px, height_px=pose.meta.height_px)
    xy, view_sw = assign_sides_by_view(xy, view=view)
    if view in ("side", "oblique"):
        xy, leg_sw = fix_leg_swaps(xy, anchors=leg_anchors)
    else:
        leg_sw = np.zeros(len(xy), dtype=bool)
    xy, n_out = reject_outliers(xy, pose.t_s, window_s=cfg.outlier_window_s, k=cfg.outlier_k)
    xy, n_fill = interpolate_gaps(xy, pose.t_s, max_gap_s=cfg.max_gap_s)
    xy = lowpass(xy, fs_hz=pose.fps, cutoff_hz=cfg.lowpass_cutoff_hz, order=cfg.filter_order)
    report = CleaningReport(
        masked_low_visibility=n_mask,
        view_swapped_frames=int(view_sw.sum()),
        leg_swapped_frames=int(leg_sw.sum()),
        outliers=n_out,
        interpolated=n_fill,
        still_missing=int((~np.isfinite(xy[..., 0])).sum()),
        leg_swapped=leg_sw,
        masked_out_of_frame=n_off,
    )
    return dataclasses.replace(pose, xy=xy), report


MAX_TRACK_JUMP_TORSO = 0.5  # hip-midpoint jump between consecutive detected frames / torso length: another person


def longest_track(xy: np.ndarray, *, max_jump_torso: float = MAX_TRACK_JUMP_TORSO) -> tuple[int, int, list[int]]:
    """Longest stretch [start, stop) of frames with one tracked person, and the frames where the
    person changes. A change is a hip-midpoint jump above ``max_jump_torso`` torso lengths between
    consecutive frames with hips and shoulders found. ``(0, len(xy), [])`` without a change."""
    body = [Landmark.LEFT_HIP, Landmark.RIGHT_HIP, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER]
    det = np.flatnonzero(np.isfinite(xy[:, body, 0]).all(axis=1))
    if len(det) < 2:
        return 0, len(xy), []
    hip = 0.5 * (xy[det, Landmark.LEFT_HIP] + xy[det, Landmark.RIGHT_HIP])
    torso = np.linalg.norm(0.5 * (xy[det, Landmark.LEFT_SHOULDER] + xy[det, Landmark.RIGHT_SHOULDER]) - hip, axis=1)
    jump = np.linalg.norm(np.diff(hip, axis=0), axis=1) / np.maximum(np.minimum(torso[1:], torso[:-1]), 1e-9)
    cut = np.flatnonzero(jump > max_jump_torso) + 1
    if len(cut) == 0:
        return 0, len(xy), []
    bounds = np.r_[0, cut, len(det)]
    k = int(np.argmax(np.diff(bounds)))
    return int(det[bounds[k]]), int(det[bounds[k + 1] - 1]) + 1, [int(det[c]) for c in cut]
