"""Clip understanding from landmarks: camera view, facing / travel direction, setting.

Features (medians over frames with a pose), measured on the 21 clips in the shared test set:

* ``width_ratio`` = mean(shoulder width, hip width) / torso length in the image. Side-view clips
  0.07-0.17 (0.26-0.28 for the oblique sprint and a legs-only close-up), front and rear 0.48-0.67.
* ``left_right_order`` = share of frames with the left shoulder at larger image x than the right one.
  Front clips 0.88-1.00 (the runner's left is image right), rear clips 0.00-0.11.
* ``nose_ahead`` = (nose x - ear-midpoint x) / torso length: the facing direction in a side view
  (+ = facing image right); |value| 0.10-0.15 on the side clips.
* ``scale_trend`` = d log(torso length) / dt: receding (rear, overground) < 0, approaching > 0.
* ``travel_range`` = 5-95 % range of the hip-midpoint x over the clip / torso length: > 1.5 means the
  runner crosses the frame (overground, static camera).

Walking or running in a rear/front view (``swing_shank_ratio``): a runner folds the swing knee past
~90 deg, so the shank's vertical image extent (ankle y - knee y, per torso length) drops to a fraction
of its standing value once per stride; a walker's swing knee flexes ~60 deg and the shank stays near
vertical. 5th percentile / median of that extent, mean of both legs: running clips -0.3-0.5 (in place
0.49 and -0.33, overground rear 0.49, slowed front 0.20), walking clips 0.83-0.91 (in place, following
rear camera, front crowd); standing still 0.95. Above ``WALK_MIN_SHANK_RATIO`` the gait is walking.
"""

from __future__ import annotations

import numpy as np

from formcheck.landmarks import Landmark as L
from formcheck.types import ViewEstimate

SIDE_MAX_WIDTH = 0.30
FRONTAL_MIN_WIDTH = 0.40
WALK_MIN_SHANK_RATIO = 0.70  # rear/front views: swing shank never folds below this share of its height -> walking


def view_features(xy: np.ndarray, t_s: np.ndarray) -> dict[str, float]:
    """The features in the module docstring, NaN when not computable."""
    with np.errstate(all="ignore"):
        torso = np.linalg.norm(0.5 * (xy[:, L.LEFT_SHOULDER] + xy[:, L.RIGHT_SHOULDER]) - 0.5 * (xy[:, L.LEFT_HIP] + xy[:, L.RIGHT_HIP]), axis=1)
        sh = np.abs(xy[:, L.LEFT_SHOULDER, 0] - xy[:, L.RIGHT_SHOULDER, 0])
        hp = np.abs(xy[:, L.LEFT_HIP, 0] - xy[:, L.RIGHT_HIP, 0])
        ok = np.isfinite(torso) & (torso > 0)
        if ok.sum() < 3:
            return dict.fromkeys(("width_ratio", "left_right_order", "nose_ahead", "scale_trend", "travel_range"), np.nan)
        tl = float(np.median(torso[ok]))
        order_ok = ok & np.isfinite(sh)
        hip_x = 0.5 * (xy[:, L.LEFT_HIP, 0] + xy[:, L.RIGHT_HIP, 0])
        ears_x = 0.5 * (xy[:, L.LEFT_EAR, 0] + xy[:, L.RIGHT_EAR, 0])
        return {
            "width_ratio": float(np.median((0.5 * (sh + hp) / torso)[ok])),
            "left_right_order": float(np.mean(xy[order_ok, L.LEFT_SHOULDER, 0] > xy[order_ok, L.RIGHT_SHOULDER, 0])),
            "nose_ahead": float(np.nanmedian(xy[:, L.NOSE, 0] - ears_x) / tl),
            "scale_trend": float(np.polyfit(t_s[ok], np.log(torso[ok]), 1)[0]),
            "travel_range": float((np.nanpercentile(hip_x, 95) - np.nanpercentile(hip_x, 5)) / tl),
        }


def classify_view(xy: np.ndarray, t_s: np.ndarray, *, user_view: str = "auto") -> tuple[ViewEstimate, dict[str, float]]:
    """Camera view with a confidence; ``user_view`` (side|rear|front) overrides, keeping the auto
    estimate in ``reason`` so a contradiction can be warned about."""
    f = view_features(xy, t_s)
    w, order, nose = f["width_ratio"], f["left_right_order"], f["nose_ahead"]
    facing = None
    if np.isfinite(nose) and nose != 0:
        facing = "right" if nose > 0 else "left"
    if not np.isfinite(w):
        name, conf = "oblique", 0.0
    elif w < SIDE_MAX_WIDTH:
        name, conf = "side", float(np.clip(1.0 - w / SIDE_MAX_WIDTH, 0.1, 1.0) ** 0.5)
    elif w < FRONTAL_MIN_WIDTH:
        name, conf = "oblique", 0.5
    else:
        if order >= 0.7:
            name, conf = "front", float(order)
        elif order <= 0.3:
            name, conf = "rear", float(1.0 - order)
        else:
            name, conf = "oblique", 0.3
        conf *= float(np.clip((w - FRONTAL_MIN_WIDTH) / 0.1 + 0.5, 0.5, 1.0))
    auto = ViewEstimate(name, conf, facing if name in ("side", "oblique") else None, "auto",
                        f"width ratio {w:.2f}, left/right order {order:.2f}")
    if user_view != "auto":
        agree = user_view == name or (user_view == "side" and name == "oblique")
        return ViewEstimate(user_view, 1.0 if agree else 0.6, facing if user_view == "side" else None, "user",
                            "" if agree else f"landmarks look like a {name} view ({auto.reason})"), f
    return auto, f


def swing_shank_ratio(xy: np.ndarray) -> float:
    """Shank vertical image extent (ankle y - knee y, per torso length), 5th percentile / median,
    mean of both legs (module docstring); NaN when not computable. Time on axis 0."""
    with np.errstate(all="ignore"):
        torso = np.linalg.norm(0.5 * (xy[:, L.LEFT_SHOULDER] + xy[:, L.RIGHT_SHOULDER]) - 0.5 * (xy[:, L.LEFT_HIP] + xy[:, L.RIGHT_HIP]), axis=1)
        out = []
        for knee, ankle in ((L.LEFT_KNEE, L.LEFT_ANKLE), (L.RIGHT_KNEE, L.RIGHT_ANKLE)):
            r = (xy[:, ankle, 1] - xy[:, knee, 1]) / torso
            r = r[np.isfinite(r)]
            if len(r) >= 10 and np.median(r) > 0:
                out.append(float(np.percentile(r, 5) / np.median(r)))
    return float(np.mean(out)) if out else float("nan")


def facing_sign(xy: np.ndarray) -> float:
    """+1 when the runner faces image +x, from the nose-ahead-of-ears and toe-ahead-of-heel votes."""
    with np.errstate(all="ignore"):
        nose = np.nanmedian(xy[:, L.NOSE, 0] - 0.5 * (xy[:, L.LEFT_EAR, 0] + xy[:, L.RIGHT_EAR, 0]))
        toe = np.nanmedian(np.r_[xy[:, L.LEFT_FOOT_INDEX, 0] - xy[:, L.LEFT_HEEL, 0],
                                 xy[:, L.RIGHT_FOOT_INDEX, 0] - xy[:, L.RIGHT_HEEL, 0]])
    votes = np.nansum([np.sign(nose), np.sign(toe)])
    return 1.0 if votes >= 0 else -1.0


def classify_setting(features: dict[str, float], *, treadmill_speed_mps: float | None, view: str) -> str:
    """``treadmill`` (speed given), ``overground`` (runner crosses or recedes), else ``stationary``
    (treadmill, running in place or a tracking camera: the landmarks alone cannot tell)."""
    if treadmill_speed_mps is not None:
        return "treadmill"
    if features.get("travel_range", 0) > 1.5 or (view in ("rear", "front") and abs(features.get("scale_trend", 0)) > 0.08):
        return "overground"
    return "stationary"
