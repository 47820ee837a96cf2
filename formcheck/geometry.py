"""Vectorised 2D geometry on image landmarks. Time is axis 0 of every array.

Image frame: pixels, +x right, +y **down**. Angles that have a sign are defined so that the sign
means the same thing for a runner facing image-left or image-right: pass ``facing=+1`` when the
runner faces (travels towards) +x and ``facing=-1`` otherwise; "forward" is then ``facing * dx``.

====================  ==========================================  =======================
function              zero                                        positive
====================  ==========================================  =======================
segment_lean_deg      segment vertical                            distal end *behind*, i.e.
                                                                  proximal end forward
joint_flexion_deg     segments aligned (straight joint)           any flexion (unsigned)
foot_angle_deg        heel->toe line parallel to the image x axis  toes up
image_tilt_deg        line parallel to the image x axis           image-right end lower
====================  ==========================================  =======================
"""

from __future__ import annotations

import numpy as np

# Winter (2009) segment lengths as fractions of standing height H.
THIGH_FRAC_H = 0.245  # hip joint -> knee
SHANK_FRAC_H = 0.246  # knee -> ankle
ANKLE_HEIGHT_FRAC_H = 0.039  # ankle -> floor
LEG_FRAC_H = 0.530  # hip joint -> floor ("leg length")


def midpoint(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Mean of two (T, 2) point tracks."""
    return 0.5 * (np.asarray(a, float) + np.asarray(b, float))


def forward_lean_deg(top: np.ndarray, bottom: np.ndarray, *, facing: float) -> np.ndarray:
    """Angle of the ``bottom -> top`` segment from vertical, + when ``top`` is ahead of ``bottom``.

    Used for trunk lean (top = shoulder midpoint, bottom = hip midpoint) and, with top = ankle and
    bottom = knee, for the shank angle (+ ankle ahead of knee).
    """
    d = np.asarray(top, float) - np.asarray(bottom, float)
    return np.degrees(np.arctan2(facing * d[..., 0], -d[..., 1]))


def shank_angle_deg(knee: np.ndarray, ankle: np.ndarray, *, facing: float) -> np.ndarray:
    """Shank from vertical, + when the ankle is ahead of the knee (reaching forward)."""
    d = np.asarray(ankle, float) - np.asarray(knee, float)
    return np.degrees(np.arctan2(facing * d[..., 0], d[..., 1]))


def thigh_angle_deg(hip: np.ndarray, knee: np.ndarray, *, facing: float) -> np.ndarray:
    """Thigh from vertical, + when the knee is ahead of the hip (flexion), - behind (extension)."""
    d = np.asarray(knee, float) - np.asarray(hip, float)
    return np.degrees(np.arctan2(facing * d[..., 0], d[..., 1]))


def joint_flexion_deg(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """180 deg minus the angle a-b-c at ``b``: 0 = straight, unsigned."""
    u = np.asarray(a, float) - np.asarray(b, float)
    v = np.asarray(c, float) - np.asarray(b, float)
    cos = (u * v).sum(-1) / (np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1))
    return 180.0 - np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def foot_angle_deg(heel: np.ndarray, toe: np.ndarray, *, facing: float) -> np.ndarray:
    """Heel->toe line against the image horizontal, + when the toes are up (dorsiflexed foot)."""
    d = np.asarray(toe, float) - np.asarray(heel, float)
    return np.degrees(np.arctan2(-d[..., 1], facing * d[..., 0]))


def image_tilt_deg(left_pt: np.ndarray, right_pt: np.ndarray) -> np.ndarray:
    """Tilt of the line between two points, + when the image-right end is lower (y down).

    The order of the two points does not matter: the line is always read left to right.
    """
    a, b = np.asarray(left_pt, float), np.asarray(right_pt, float)
    d = b - a
    d = np.where(d[..., :1] < 0, -d, d)
    return np.degrees(np.arctan2(d[..., 1], d[..., 0]))


def lateral_lean_deg(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """Frontal-plane segment angle from vertical, + when ``top`` is to image-right of ``bottom``."""
    d = np.asarray(top, float) - np.asarray(bottom, float)
    return np.degrees(np.arctan2(d[..., 0], -d[..., 1]))


def leg_length_px(hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray) -> float:
    """Hip-joint-to-floor length [px] from the 90th percentile of thigh + shank over the clip.

    The 90th percentile picks frames where neither segment is foreshortened; the ankle height is
    added from Winter's proportions (leg = (thigh + shank) * 0.530 / 0.491).
    """
    seg = np.linalg.norm(np.asarray(knee) - hip, axis=-1) + np.linalg.norm(np.asarray(ankle) - knee, axis=-1)
    seg = seg[np.isfinite(seg)]
    if seg.size == 0:
        return float("nan")
    return float(np.percentile(seg, 90) * LEG_FRAC_H / (THIGH_FRAC_H + SHANK_FRAC_H))


def m_per_px_from_height(leg_px: float, height_m: float | None) -> float:
    """Metres per pixel at the runner's depth from the entered height (NaN without a height)."""
    if height_m is None or not np.isfinite(leg_px) or leg_px <= 0:
        return float("nan")
    return float(height_m * LEG_FRAC_H / leg_px)
