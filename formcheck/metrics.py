"""Per-stride running metrics and their summaries. ``METRICS`` is the single table of names, units,
views, definitions and signs (``docs/metrics.md`` mirrors it; ``tests/test_metrics.py`` checks that).

Per-stride values are computed at exact event times (landmarks linearly interpolated between frames
at ``ic_s``/``tc_s``), in the runner frame (forward = the direction the runner faces). Summaries are
the median, quartiles and count over strides, per side and for both sides together.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from formcheck import geometry as g
from formcheck.landmarks import Landmark, side_lm
from formcheck.types import MetricValue, SideValue

STRIKE_REARFOOT_DEG = 8.0  # Altman & Davis 2012 cut-offs (DOMAIN.md 2.2, "verify")
STRIKE_FOREFOOT_DEG = -1.6
CROSSOVER_PX = 0.0  # a step is a crossover when the stance heel is at or across the hip midpoint (px, own side +)


@dataclass(frozen=True)
class MetricSpec:
    name: str
    unit: str
    views: tuple[str, ...]
    definition: str
    sign: str = ""
    timing: bool = False  # depends on contact/toe-off timing (fps-sensitive)
    caveat: str = ""  # measured limitation, appended to every summary's reason
    confidence_scale: float = 1.0  # multiplies the summary confidence (a known, unremovable error)
    near_leg_only: bool = False  # side view: summarised over the near (camera-side) leg's strides only


SIDE, REAR_FRONT, ANY = ("side",), ("rear", "front"), ("side", "rear", "front", "oblique")
# Measured on rendered side-view runners with exact truth (benchmarks/ic_metrics_decomposition.py,
# docs/metrics.md "Limits at initial contact"). Around IC the rendered knee flexes 350-500 deg/s (a real
# treadmill runner, benchmarks/metrics_mocap.py: ~180 deg/s) and the stance heel moves back at the
# belt/running speed, so both values also move with every frame of IC error.
KNEE_IC_CAVEAT = ("low confidence: the pose model reads the near knee at contact straighter than it is (rendered "
                  "runners: ~10 deg at the exact contact, the far knee within 1 deg), and the angle changes 3-9 deg "
                  "per frame at 60 fps around contact")
SHANK_IC_CAVEAT = ("low confidence: the pose model's shank at contact reads more inclined than it is (rendered runners: "
                   "+2 deg on the far leg, +7 deg on the near leg at the exact contact)")
FOOT_STRIKE_CAVEAT = ("low confidence: the pose model's foot at contact reads toes-up by more than it is (rendered "
                      "runners: +4 to +7 deg at the exact contact)")
OVERSTRIDE_CAVEAT = ("caveat: the heel moves ~5 cm per frame at 60 fps around contact (3 m/s), so each frame of contact-"
                     "timing error shifts overstride by ~0.05 leg; the far leg reads ~0.04 leg high (rendered runners)")
METRICS: tuple[MetricSpec, ...] = (
    MetricSpec("cadence_spm", "steps/min", ANY, "steps per minute = 120 / stride time (IC to next IC of the same foot)"),
    MetricSpec("step_time_s", "s", ANY, "IC of one foot to the next IC of the other foot; per side, the step that foot lands (left: right IC to left IC)"),
    MetricSpec("stride_time_s", "s", ANY, "IC to the next IC of the same foot"),
    MetricSpec("contact_time_s", "s", SIDE, "IC to toe-off of the same foot (approximate below 100 fps)", timing=True),
    MetricSpec("flight_time_s", "s", SIDE, "toe-off of one foot to IC of the other foot; per side, the flight that foot lands from", timing=True),
    MetricSpec("duty_factor", "1", SIDE, "contact time / stride time (running < 0.5)", timing=True),
    MetricSpec("step_length_m", "m", SIDE, "treadmill: belt speed x step time; overground: pelvis travel between ICs, scaled by height; per side, the step that foot lands"),
    MetricSpec("stride_length_m", "m", SIDE, "treadmill: belt speed x stride time; overground: pelvis travel over a stride, scaled by height"),
    MetricSpec("overstride_cm", "cm", SIDE, "horizontal heel-to-hip-midpoint distance at IC", "+ heel ahead of the hips",
               caveat=OVERSTRIDE_CAVEAT, near_leg_only=True),
    MetricSpec("overstride_leg", "leg", SIDE, "overstride_cm divided by leg length (hip joint to floor)", "+ heel ahead of the hips",
               caveat=OVERSTRIDE_CAVEAT, near_leg_only=True),
    MetricSpec("shank_angle_ic_deg", "deg", SIDE, "knee->ankle line from vertical at IC", "+ ankle ahead of the knee",
               caveat=SHANK_IC_CAVEAT, confidence_scale=0.5, near_leg_only=True),
    MetricSpec("knee_flexion_ic_deg", "deg", SIDE, "180 - hip-knee-ankle angle at IC", "0 = straight, + flexed",
               caveat=KNEE_IC_CAVEAT, confidence_scale=0.5, near_leg_only=True),
    MetricSpec("trunk_lean_deg", "deg", SIDE, "hip-midpoint->shoulder-midpoint line from vertical, mean over stance", "+ forward"),
    MetricSpec("vertical_oscillation_cm", "cm", SIDE, "peak-to-trough hip-midpoint height over a stride"),
    MetricSpec("foot_strike_angle_deg", "deg", SIDE, "heel->toe line at IC minus the same line at mid-stance (foot flat)", "+ toes up; pattern: > 8 rearfoot, < -1.6 forefoot",
               caveat=FOOT_STRIKE_CAVEAT, confidence_scale=0.5, near_leg_only=True),
    MetricSpec("thigh_extension_to_deg", "deg", SIDE, "hip->knee line behind vertical at toe-off (not true hip extension: no pelvis tilt)", "+ knee behind the hip"),
    MetricSpec("pelvic_drop_deg", "deg", REAR_FRONT, "tilt of the waistband edge (pelvis-attached) relative to its clip median, peak during stance, never from hip landmarks", "+ swing-side (contralateral) hip lower"),
    MetricSpec("step_width_cm", "cm", REAR_FRONT, "lateral distance between the heels of successive stances (each the median over its stance window)", "+ each foot on its own side, - feet land crossed"),
    MetricSpec("crossover_frac", "1", REAR_FRONT, "share of steps whose stance heel is at or across the body midline (hip-midpoint x, median over stance; threshold CROSSOVER_PX = 0), signed per foot with its own hip side", "foot position + towards its own side"),
    MetricSpec("hip_adduction_deg", "deg", REAR_FRONT, "hip->knee line from the perpendicular of the pelvis (femoral adduction + waistband pelvic drop), peak in stance; femoral adduction only when the pelvis is not measurable", "+ knee medial to the hip"),
    MetricSpec("knee_fppa_deg", "deg", REAR_FRONT, "knee frontal-plane projection angle, peak in stance (low confidence)", "+ valgus (knee medial)"),
    MetricSpec("lateral_trunk_lean_deg", "deg", REAR_FRONT, "hip-midpoint->shoulder-midpoint from vertical at mid-stance (3-frame mean)", "+ towards the stance leg (ipsilateral)"),
    MetricSpec("arm_crossover_frac", "1", REAR_FRONT, "share of strides in which the stride side's wrist crosses the shoulder-midpoint line (needs visible wrists: a front view)"),
)
SPECS: dict[str, MetricSpec] = {m.name: m for m in METRICS}


def _at(xy: np.ndarray, t_s: np.ndarray, when_s: float) -> np.ndarray:
    """(33, 2) landmarks linearly interpolated at time ``when_s``."""
    i = int(np.clip(np.searchsorted(t_s, when_s) - 1, 0, len(t_s) - 2))
    w = float(np.clip((when_s - t_s[i]) / (t_s[i + 1] - t_s[i]), 0.0, 1.0))
    return (1 - w) * xy[i] + w * xy[i + 1]


def _pt(frame: np.ndarray, name: str, side: str | None = None) -> np.ndarray:
    return frame[int(side_lm(name, side))] if side else frame[int(Landmark[name.upper()])]


def _mid(frame: np.ndarray, name: str) -> np.ndarray:
    return 0.5 * (_pt(frame, name, "left") + _pt(frame, name, "right"))


def side_stride_metrics(
    xy: np.ndarray, t_s: np.ndarray, strides: pd.DataFrame, *, facing: float, leg_px: float,
    m_per_px: float, treadmill_speed_mps: float | None,
) -> pd.DataFrame:
    """Side-view metric columns for each stride (one row in, one row out)."""
    out = []
    for r in strides.itertuples():
        s = r.side
        f_ic, f_to = _at(xy, t_s, r.start_s), _at(xy, t_s, r.tc_s)
        hip_ic = _mid(f_ic, "hip")
        d = {}
        d["cadence_spm"] = 120.0 / r.stride_time_s
        d["duty_factor"] = r.contact_time_s / r.stride_time_s
        heel_ahead_px = facing * (_pt(f_ic, "heel", s)[0] - hip_ic[0])
        d["overstride_leg"] = heel_ahead_px / leg_px
        d["overstride_cm"] = 100 * heel_ahead_px * m_per_px
        d["shank_angle_ic_deg"] = float(g.shank_angle_deg(_pt(f_ic, "knee", s), _pt(f_ic, "ankle", s), facing=facing))
        d["knee_flexion_ic_deg"] = float(g.joint_flexion_deg(_pt(f_ic, "hip", s), _pt(f_ic, "knee", s), _pt(f_ic, "ankle", s)))
        d["thigh_extension_to_deg"] = -float(g.thigh_angle_deg(_mid(f_to, "hip"), _pt(f_to, "knee", s), facing=facing))
        st = (t_s >= r.start_s) & (t_s <= r.tc_s)
        if st.sum() >= 1:
            lean = g.forward_lean_deg(0.5 * (xy[st, 11] + xy[st, 12]), 0.5 * (xy[st, 23] + xy[st, 24]), facing=facing)
            d["trunk_lean_deg"] = float(np.nanmean(lean))
        fa_ic = float(g.foot_angle_deg(_pt(f_ic, "heel", s), _pt(f_ic, "foot_index", s), facing=facing))
        f_mid = _at(xy, t_s, r.start_s + 0.45 * r.contact_time_s)
        fa_flat = float(g.foot_angle_deg(_pt(f_mid, "heel", s), _pt(f_mid, "foot_index", s), facing=facing))
        d["foot_strike_angle_deg"] = fa_ic - fa_flat
        win = (t_s >= r.start_s) & (t_s <= r.end_s)
        hy = 0.5 * (xy[win, 23, 1] + xy[win, 24, 1])
        d["vertical_oscillation_cm"] = 100 * (np.nanmax(hy) - np.nanmin(hy)) * m_per_px if np.isfinite(hy).any() else np.nan
        if treadmill_speed_mps is not None:
            d["step_length_m"] = treadmill_speed_mps * r.step_time_s
            d["stride_length_m"] = treadmill_speed_mps * r.stride_time_s
        else:
            h0, h1, h2 = hip_ic, _mid(_at(xy, t_s, r.other_ic_s), "hip"), _mid(_at(xy, t_s, r.end_s), "hip")
            d["step_length_m"] = abs(h2[0] - h1[0]) * m_per_px  # the step this foot lands
            d["stride_length_m"] = abs(h2[0] - h0[0]) * m_per_px
        out.append(d)
    return pd.DataFrame(out, index=strides.index)


def frontal_stride_metrics(
    xy: np.ndarray, t_s: np.ndarray, strides: pd.DataFrame, *, view: str, m_per_px: float,
    waist_tilt_deg: np.ndarray | None,
) -> pd.DataFrame:
    """Rear/front-view metric columns for each stride.

    ``own`` = the image direction of each side's own hip: in a rear view the runner's left is image
    left (own = -1 for left), in a front view image right. Signed lateral quantities are multiplied by
    ``own`` so "towards its own side" is + for either foot, and the same code serves both views.

    Stance quantities use the stance window ``[start_s, tc_s]`` (in a rear/front view: mid-stance
    +- 0.3 step, ``frontal_events``). Foot positions are medians over that window (the planted foot
    does not move sideways), relative to the hip midpoint over the same frames.

    Pelvic obliquity comes only from ``waist_tilt_deg`` (the waistband edge, + = image-right end lower)
    minus its clip mean over the strides: the mean removes camera roll, but it also moves a
    left/right asymmetry towards symmetry (measured: drop 4/9 deg reads ~5.5/7.5), so the per-side
    split is less reliable than the mean of both sides. Swing-side drop for stance side s is
    ``-own(s) x obliquity`` in both views.
    """
    own_of = {"left": -1.0, "right": 1.0} if view == "rear" else {"left": 1.0, "right": -1.0}
    obliq = None
    if waist_tilt_deg is not None and len(strides):
        w = np.asarray(waist_tilt_deg, float)
        span = (t_s >= strides.start_s.min()) & (t_s <= strides.end_s.max())
        if np.isfinite(w[span]).sum() >= 10:
            obliq = w - float(np.nanmean(w[span]))
    hip_x = 0.5 * (xy[:, int(Landmark.LEFT_HIP), 0] + xy[:, int(Landmark.RIGHT_HIP), 0])
    sh_x = 0.5 * (xy[:, int(Landmark.LEFT_SHOULDER), 0] + xy[:, int(Landmark.RIGHT_SHOULDER), 0])

    def window(t0: float, t1: float) -> np.ndarray:
        return np.flatnonzero((t_s >= t0) & (t_s <= t1))

    def foot_lat(side: str, st: np.ndarray) -> float:
        """Median heel x minus hip-midpoint x over the window, + towards the foot's own side [px]."""
        if not len(st):
            return np.nan
        dx = xy[st, int(side_lm("heel", side)), 0] - hip_x[st]
        return float(own_of[side] * np.nanmedian(dx)) if np.isfinite(dx).any() else np.nan

    out = []
    for r in strides.itertuples():
        s, own = r.side, own_of[r.side]
        other = "right" if s == "left" else "left"
        tc = r.tc_s if np.isfinite(r.tc_s) else r.start_s + 0.35 * r.stride_time_s
        st = window(r.start_s, tc)
        d = {"cadence_spm": 120.0 / r.stride_time_s}
        lat = foot_lat(s, st)
        d["foot_lateral_px"] = lat
        d["foot_lateral_cm"] = 100 * lat * m_per_px
        d["crossover"] = float(lat <= CROSSOVER_PX) if np.isfinite(lat) else np.nan
        st_o = window(r.other_ic_s, r.other_ic_s + (tc - r.start_s))
        if len(st) and len(st_o):
            x_me = np.nanmedian(xy[st, int(side_lm("heel", s)), 0])
            x_ot = np.nanmedian(xy[st_o, int(side_lm("heel", other)), 0])
            d["step_width_cm"] = 100 * own * (x_me - x_ot) * m_per_px  # signed: < 0 = feet land crossed
        if len(st):
            hip, knee, ank = xy[st, int(side_lm("hip", s))], xy[st, int(side_lm("knee", s))], xy[st, int(side_lm("ankle", s))]
            # femoral adduction: knee displaced towards the midline (-own) relative to the hip
            fem = np.degrees(np.arctan2(-own * (knee[:, 0] - hip[:, 0]), knee[:, 1] - hip[:, 1]))
            drop = -own * obliq[st] if obliq is not None else None
            # hip adduction = femur relative to the perpendicular of the pelvis = femoral adduction + drop
            add = fem + drop if drop is not None else fem
            d["hip_adduction_deg"] = float(np.nanmax(add)) if np.isfinite(add).any() else np.nan
            # FPPA: angle between thigh and shank directions, + when the knee lies medial of hip-ankle line
            th = np.arctan2(knee[:, 0] - hip[:, 0], knee[:, 1] - hip[:, 1])
            sh = np.arctan2(ank[:, 0] - knee[:, 0], ank[:, 1] - knee[:, 1])
            fppa = np.degrees(own * (sh - th))
            d["knee_fppa_deg"] = float(np.nanmax(fppa)) if np.isfinite(fppa).any() else np.nan
            mid = st[max(0, len(st) // 2 - 1) : len(st) // 2 + 2]
            lean = g.lateral_lean_deg(0.5 * (xy[mid, 11] + xy[mid, 12]), 0.5 * (xy[mid, 23] + xy[mid, 24]))
            d["lateral_trunk_lean_deg"] = float(own * np.nanmean(lean)) if np.isfinite(lean).any() else np.nan
            if drop is not None:
                d["pelvic_drop_deg"] = float(np.nanmax(drop)) if np.isfinite(drop).any() else np.nan
        win = window(r.start_s, r.end_s)
        if len(win):
            # this side's wrist on the far side of the shoulder midpoint at any time in the stride
            u = own * (xy[win, int(side_lm("wrist", s)), 0] - sh_x[win])
            d["arm_crossover"] = float(np.nanmin(u) < 0) if np.isfinite(u).any() else np.nan
        out.append(d)
    return pd.DataFrame(out, index=strides.index)


def _sv(x: np.ndarray) -> SideValue | None:
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return None
    return SideValue(float(np.median(x)), float(np.percentile(x, 25)), float(np.percentile(x, 75)), int(x.size))


def summarise_column(
    name: str, strides: pd.DataFrame, column: str | None = None, *, confidence: float, reason: str = "",
    frac: bool = False, extra: dict | None = None,
) -> MetricValue:
    """Median / IQR / n over strides, per side and overall (``frac`` = mean of a 0/1 column).

    The spec's ``caveat`` is appended to ``reason`` and its ``confidence_scale`` multiplies
    ``confidence`` (known limits of the measurement, ``METRICS``).
    """
    spec = SPECS[name]
    col = column or name
    if col not in strides or not np.isfinite(strides[col].astype(float)).any():
        return MetricValue(name, float("nan"), spec.unit, reason=reason or "not measurable in this clip")
    reason = "; ".join(r for r in (reason, spec.caveat) if r)
    confidence = confidence * spec.confidence_scale
    x = strides[col].astype(float).to_numpy()
    ok = np.isfinite(x)
    sides = {s: _sv(x[(strides.side == s).to_numpy()]) for s in ("left", "right")}
    if frac:
        val = float(np.mean(x[ok]))
        q25 = q75 = val
        for s in ("left", "right"):
            xs = x[(strides.side == s).to_numpy() & ok]
            sides[s] = SideValue(float(xs.mean()), float(xs.mean()), float(xs.mean()), int(xs.size)) if xs.size else None
    else:
        val, q25, q75 = float(np.median(x[ok])), float(np.percentile(x[ok], 25)), float(np.percentile(x[ok], 75))
    return MetricValue(name, val, spec.unit, q25=q25, q75=q75, n=int(ok.sum()), confidence=float(confidence),
                       left=sides["left"], right=sides["right"], reason=reason, extra=extra or {})


def strike_pattern(angle_deg: float) -> str:
    """Rearfoot / midfoot / forefoot from the strike angle (Altman & Davis 2012 cut-offs)."""
    if not np.isfinite(angle_deg):
        return "unknown"
    if angle_deg > STRIKE_REARFOOT_DEG:
        return "rearfoot"
    return "forefoot" if angle_deg < STRIKE_FOREFOOT_DEG else "midfoot"


def confidence(*, view_conf: float, view_ok: bool, fps: float, timing: bool, visibility: float, n: int, iqr_rel: float) -> float:
    """0-1 product of: view fit, frame rate, landmark visibility, strides counted and variability."""
    if not view_ok:
        return 0.0
    f_fps = min(1.0, fps / 120.0) if timing else min(1.0, fps / 60.0)
    f_n = min(1.0, n / 10.0)
    f_var = 1.0 / (1.0 + max(0.0, iqr_rel if np.isfinite(iqr_rel) else 1.0))
    return float(np.clip(view_conf * f_fps * np.clip(visibility, 0, 1) * f_n * f_var, 0.0, 1.0))
