"""Pelvis-attached colour edge (waistband) near the hips, measured on the image pixels.

Why pixels: the BlazePose hip landmarks are joint-centre guesses whose left/right height difference
follows trunk roll (gain ~0.46) and hardly the pelvis (gain ~0.07), so pelvic drop cannot come from the
hip-landmark line. The waistband of the shorts (or a belt / tape at the waist) is fixed to the pelvis;
the tilt of that edge tracked a synthetic pelvis with r 0.99 and 0.8 deg RMSE. It measures whatever
the edge is attached to: a loose top whose hem hides the waistband gives the *trunk*, so
``gait.py`` decides per clip whether the edge is pelvis-attached before reporting a number.

Method (one frame, only the band region of interest is touched, ~1 ms at 1080p):

1. Band: from 0.45 torso lengths above to 0.15 below the hip-landmark midpoint, +-0.7 hip-landmark
   widths wide (the hip width is floored at 0.2 torso lengths so the band never collapses in a side
   view). The crop is resampled so its height is at most 96 px.
2. Edge image: CIE Lab (8-bit OpenCV scaling) vertical central difference, Euclidean over L, a, b:
   a colour step, not only a brightness step, so a navy top over black shorts still registers by hue.
   Pixels outside the (eroded) person mask are zeroed, so the silhouette outline and the background
   between the legs never count.
3. Coarse line: a Radon-style search (on 4-column bins) over tilts of +-20 deg (2 deg steps) for the row/tilt pair whose
   line collects the largest mean edge strength (the strongest horizontal edge, not the first one).
4. Fine line: per column, the edge peak within +-3 px of that line with parabolic sub-pixel
   refinement; columns whose peak is weak are dropped; Theil-Sen line through the rest (robust to
   ~29 % outlier columns: a hand, a logo, a fold).

Sign convention: ``waist_tilt_deg`` > 0 when the **image-right** end of the edge is lower (image y
grows downwards), i.e. ``atan(dy/dx)`` in image pixels. Converting to a runner-side pelvic drop
depends on the view and happens in ``gait.py``.

Returned keys (all floats, NaN when not found):

=====================  ====================================================================
``waist_tilt_deg``     tilt of the fitted edge line, + image-right end lower [deg]
``waist_strength``     median Lab gradient on the line inside the mask [8-bit Lab units / px]
``waist_y_px``         image y of the line at the hip-midpoint x [px]
``waist_rel_y_frac``   (waist_y - hip-midpoint y) / torso length; negative = above the hips
``waist_coverage``     share of in-mask band columns whose edge peak lies on the line [0-1]
``waist_residual_px``  median absolute residual of the column peaks about the line [px]
``waist_width_px``     horizontal extent of the columns used for the fit [px]
=====================  ====================================================================
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from formcheck.landmarks import Landmark

WAIST_KEYS: tuple[str, ...] = (
    "waist_tilt_deg",
    "waist_strength",
    "waist_y_px",
    "waist_rel_y_frac",
    "waist_coverage",
    "waist_residual_px",
    "waist_width_px",
)

_ABOVE_FRAC = 0.45  # band top, torso lengths above the hip midpoint
_BELOW_FRAC = 0.15  # band bottom, torso lengths below the hip midpoint
_HALF_WIDTH_HIPS = 0.7  # band half-width in hip widths
_MIN_HIP_WIDTH_TORSO = 0.2  # hip width floor, torso lengths
_MAX_ROI_H = 96  # px after resampling
_MAX_ROI_W = 128
_ANGLES_DEG = np.arange(-20.0, 20.5, 2.0)
_SEARCH_PX = 3  # half-window around the coarse line (resampled px)
_MIN_EDGE = 4.0  # weakest column peak accepted [Lab units / px]


def _nan_result() -> dict[str, float]:
    return dict.fromkeys(WAIST_KEYS, float("nan"))


def _theil_sen(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Median of pairwise slopes (pairs at least 3 px apart) and the median intercept."""
    i, j = np.triu_indices(len(x), k=1)
    dx = x[j] - x[i]
    keep = dx >= 3.0
    if not np.any(keep):
        return float("nan"), float("nan")
    slope = float(np.median((y[j] - y[i])[keep] / dx[keep]))
    return slope, float(np.median(y - slope * x))


def waistband_features(
    rgb: np.ndarray, mask: np.ndarray | None, xy_px: np.ndarray, visibility: np.ndarray
) -> dict[str, float]:
    """Find the strongest horizontal colour edge near the hips and fit a robust line to it.

    Parameters
    ----------
    rgb : (H, W, 3) uint8
        Upright RGB frame.
    mask : (H, W) float in [0, 1] or None
        Person segmentation. Without it every band pixel counts (more false edges from clutter).
    xy_px : (33, 2) float
        BlazePose landmarks in image pixels of ``rgb``; NaN when there is no pose.
    visibility : (33,) float
        Landmark visibility; unused for the geometry (the band is only a search window) but kept in
        the signature so callers need not special-case it.

    Returns
    -------
    dict[str, float]
        Exactly the keys in ``WAIST_KEYS`` (see the module docstring), NaN when not found.
    """
    out = _nan_result()
    pts = np.asarray(xy_px, dtype=float)
    lh, rh = pts[int(Landmark.LEFT_HIP)], pts[int(Landmark.RIGHT_HIP)]
    ls, rs = pts[int(Landmark.LEFT_SHOULDER)], pts[int(Landmark.RIGHT_SHOULDER)]
    if not (np.all(np.isfinite(lh)) and np.all(np.isfinite(rh)) and np.all(np.isfinite(ls)) and np.all(np.isfinite(rs))):
        return out
    hip = 0.5 * (lh + rh)
    torso = float(np.hypot(*(0.5 * (ls + rs) - hip)))
    if torso < 15.0:
        return out
    hip_w = max(float(np.hypot(*(lh - rh))), _MIN_HIP_WIDTH_TORSO * torso)
    h_img, w_img = rgb.shape[:2]
    y0 = int(max(0, math.floor(hip[1] - _ABOVE_FRAC * torso)))
    y1 = int(min(h_img, math.ceil(hip[1] + _BELOW_FRAC * torso)))
    x0 = int(max(0, math.floor(hip[0] - _HALF_WIDTH_HIPS * hip_w)))
    x1 = int(min(w_img, math.ceil(hip[0] + _HALF_WIDTH_HIPS * hip_w)))
    if y1 - y0 < 8 or x1 - x0 < 8:
        return out
    crop = rgb[y0:y1, x0:x1]
    scale = min(1.0, _MAX_ROI_H / (y1 - y0), _MAX_ROI_W / (x1 - x0))
    if scale < 1.0:
        size = (max(8, round((x1 - x0) * scale)), max(8, round((y1 - y0) * scale)))
        crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
    sy = crop.shape[0] / (y1 - y0)  # resampled px per image px (vertical)
    sx = crop.shape[1] / (x1 - x0)
    lab = cv2.cvtColor(np.ascontiguousarray(crop), cv2.COLOR_RGB2LAB).astype(np.float32)
    lab = cv2.GaussianBlur(lab, (3, 3), 0)
    d = 0.5 * (lab[2:] - lab[:-2])
    grad = np.sqrt((d * d).sum(axis=2))  # (h-2, w); row r <-> crop row r+1
    if mask is not None:
        m = mask[y0:y1, x0:x1].astype(np.float32)
        if m.shape != crop.shape[:2]:
            m = cv2.resize(m, (crop.shape[1], crop.shape[0]), interpolation=cv2.INTER_LINEAR)
        inside = cv2.erode((m > 0.5).astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
        inside = inside[1:-1]
    else:
        inside = np.ones_like(grad, dtype=bool)
    grad = np.where(inside, grad, 0.0)
    h, w = grad.shape
    col_in = inside.any(axis=0)
    if col_in.sum() < 6:
        return out

    # Coarse Radon search on 4-column bins: mean edge strength along every (tilt, row) line.
    nb = w // 4
    gb = grad[:, : nb * 4].reshape(h, nb, 4).mean(axis=2)  # (h, nb)
    xb = 4.0 * np.arange(nb) + 1.5 - 0.5 * (w - 1)
    tans = np.tan(np.deg2rad(_ANGLES_DEG))
    shifts_b = np.rint(tans[:, None] * xb[None, :]).astype(int)  # (A, nb)
    pad = int(np.abs(shifts_b).max()) + 1
    gp = np.zeros((h + 2 * pad, nb), dtype=np.float32)
    gp[pad : pad + h] = gb
    idx = np.arange(h)[None, :, None] + shifts_b[:, None, :] + pad  # (A, h, nb)
    score = gp[idx, np.arange(nb)[None, None, :]].sum(axis=2)  # (A, h)
    a_best, r_best = np.unravel_index(int(np.argmax(score)), score.shape)
    if score[a_best, r_best] <= 0:
        return out
    xs = np.arange(w, dtype=float) - 0.5 * (w - 1)
    line = np.rint(r_best + tans[a_best] * xs).astype(int)  # (w,) coarse row per column

    # Fine: per-column peak near the coarse line, parabolic sub-pixel refinement.
    offs = np.arange(-_SEARCH_PX, _SEARCH_PX + 1)
    rr = np.clip(line[None, :] + offs[:, None], 0, h - 1)  # (S, w)
    vals = grad[rr, np.arange(w)[None, :]]
    k = np.argmax(vals, axis=0)
    peak = vals[k, np.arange(w)]
    r0 = rr[k, np.arange(w)].astype(float)
    km, kp = np.clip(k - 1, 0, len(offs) - 1), np.clip(k + 1, 0, len(offs) - 1)
    vm, vp = vals[km, np.arange(w)], vals[kp, np.arange(w)]
    den = vm - 2 * peak + vp
    sub = np.where((k > 0) & (k < len(offs) - 1) & (den < 0), 0.5 * (vm - vp) / np.where(den < 0, den, -1), 0.0)
    r_sub = r0 + np.clip(sub, -0.5, 0.5)
    good = col_in & (peak >= _MIN_EDGE) & (peak >= 0.35 * np.median(peak[col_in]))
    n_in = int(col_in.sum())
    if good.sum() < max(6, 0.25 * n_in):
        out["waist_coverage"] = float(good.sum() / n_in)
        return out
    # back to image px: column x -> x0 + (x + 0.5)/sx - 0.5 ; grad row r -> crop row r+1
    x_img = x0 + (np.arange(w)[good] + 0.5) / sx - 0.5
    y_img = y0 + (r_sub[good] + 1 + 0.5) / sy - 0.5
    slope, icpt = _theil_sen(x_img, y_img)
    if not np.isfinite(slope):
        return out
    resid = np.abs(y_img - (slope * x_img + icpt))
    y_hip = slope * hip[0] + icpt
    out.update(
        waist_tilt_deg=float(np.degrees(np.arctan(slope))),
        waist_strength=float(np.median(peak[good])),
        waist_y_px=float(y_hip),
        waist_rel_y_frac=float((y_hip - hip[1]) / torso),
        waist_coverage=float(good.sum() / n_in),
        waist_residual_px=float(np.median(resid)),
        waist_width_px=float(x_img.max() - x_img.min()),
    )
    return out
