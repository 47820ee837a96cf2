"""Compare estimated landmarks with a synthetic clip's truth (used by tests and the benchmark).

The landmark error is the image distance between each estimated landmark and the truth joint, divided
by the runner's body height in pixels at that frame (so it is resolution- and distance-free).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from formcheck.landmarks import Landmark
from formcheck.synth.truth import truth_path

CORE_JOINTS = tuple(Landmark[f"{s}_{j}"] for j in ("SHOULDER", "HIP", "KNEE", "ANKLE") for s in ("LEFT", "RIGHT"))


def load_truth(video: str | Path) -> dict:
    return json.loads(truth_path(video).read_text())


def landmark_report(truth: dict, xy_px: np.ndarray, frames: np.ndarray | None = None) -> dict:
    """Detection rate, landmark error (fraction of body height) and rear/front width ratios.

    ``xy_px`` is (T,33,2) estimated landmarks (NaN where none) for truth frames ``frames``
    (default: all, in order).
    """
    F = truth["frames"]
    txy = np.asarray(F["xy_px"], float)
    bh = np.asarray(F["body_height_px"], float)
    if frames is None:
        frames = np.arange(len(txy))
    txy, bh = txy[frames], bh[frames]
    det = np.isfinite(xy_px[:, :, 0]).any(axis=1)
    idx = [int(j) for j in CORE_JOINTS]
    err = np.linalg.norm(xy_px[:, idx] - txy[:, idx], axis=-1) / bh[:, None]
    # the same with left/right swapped (reveals side confusions, e.g. from behind)
    sw = [int(Landmark[j.name.replace("LEFT", "TMP").replace("RIGHT", "LEFT").replace("TMP", "RIGHT")]) for j in CORE_JOINTS]
    err_sw = np.linalg.norm(xy_px[:, sw] - txy[:, idx], axis=-1) / bh[:, None]
    e, es = err[det], err_sw[det]
    swapped_frac = float(np.mean(np.nanmedian(es, axis=1) < np.nanmedian(e, axis=1))) if det.any() else float("nan")
    per_joint = {j.name.lower(): float(np.nanmedian(e[:, k])) for k, j in enumerate(CORE_JOINTS)} if det.any() else {}

    def width(a, b, xy):
        return np.abs(xy[:, a, 0] - xy[:, b, 0])

    L, R = Landmark, Landmark
    widths = {}
    for name, a, b in (("hip", L.LEFT_HIP, R.RIGHT_HIP), ("shoulder", L.LEFT_SHOULDER, R.RIGHT_SHOULDER)):
        est = width(int(a), int(b), xy_px)[det]
        tru = width(int(a), int(b), txy)[det]
        ok = tru > 0.02 * bh[det]  # meaningless in profile (side view), where the true width is ~0
        widths[f"{name}_width_ratio"] = float(np.nanmedian(est[ok] / tru[ok])) if ok.sum() > 0.5 * ok.size else float("nan")
    return {
        "n_frames": len(det),
        "detection_rate": float(det.mean()) if len(det) else 0.0,
        "landmark_err_median_frac": float(np.nanmedian(e)) if det.any() else float("nan"),
        "landmark_err_p90_frac": float(np.nanpercentile(e, 90)) if det.any() else float("nan"),
        "landmark_err_median_px": float(np.nanmedian(e * bh[det][:, None])) if det.any() else float("nan"),
        "per_joint_median_frac": per_joint,
        "left_right_swapped_frac": swapped_frac,
        **widths,
    }


def overlay(rgb: np.ndarray, truth_xy: np.ndarray, est_xy: np.ndarray | None) -> np.ndarray:
    """Draw truth joints (green, left = filled) and estimated landmarks (red/blue skeleton) on a frame."""
    import cv2

    from formcheck.landmarks import SKELETON_EDGES

    img = np.ascontiguousarray(rgb.copy())
    col = {"left": (255, 60, 60), "right": (60, 120, 255), "mid": (255, 255, 0)}
    if est_xy is not None and np.isfinite(est_xy).any():
        for a, b, side in SKELETON_EDGES:
            pa, pb = est_xy[int(a)], est_xy[int(b)]
            if np.all(np.isfinite([*pa, *pb])):
                cv2.line(img, tuple(np.round(pa).astype(int)), tuple(np.round(pb).astype(int)), col[side], 2,
                         cv2.LINE_AA)
    for j in CORE_JOINTS + (Landmark.LEFT_HEEL, Landmark.RIGHT_HEEL, Landmark.LEFT_FOOT_INDEX,
                            Landmark.RIGHT_FOOT_INDEX, Landmark.NOSE):
        p = truth_xy[int(j)]
        if np.all(np.isfinite(p)):
            filled = -1 if j.name.startswith("LEFT") or j.name == "NOSE" else 1
            cv2.circle(img, tuple(np.round(p).astype(int)), 4, (0, 230, 0), filled, cv2.LINE_AA)
    return img
