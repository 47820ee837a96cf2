"""Synthetic running pose series with exact analytic truth (side and rear views).

A 2D kinematic runner: the pelvis oscillates vertically (lowest at mid-stance); in stance the foot
rolls about the heel (toes up at contact), lies flat, then rolls about the toe, while the ground
carries it backwards at belt speed; in swing the ankle follows a smooth arc that reaches forward and
retracts before touching down. Knees come from two-link inverse kinematics. Truth events are the
construction's contact instants; truth metric values are computed from the noise-free landmarks
with the definitions in ``docs/metrics.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from formcheck.landmarks import Landmark, side_lm
from formcheck.types import PoseSeries, VideoMeta

THIGH_M, SHANK_M = 0.45, 0.45
HEEL_OFF = np.array([-0.05, -0.07])  # heel relative to ankle, foot flat (x forward, z up) [m]
TOE_OFF = np.array([0.15, -0.07])


@dataclass(frozen=True)
class Truth:
    ic_s: dict  # side -> array of IC times
    tc_s: dict
    cadence_spm: float
    contact_time_s: float
    stride_length_m: float
    trunk_lean_deg: float
    leg_m: float
    px_per_m: float
    xy_clean: np.ndarray


def _rot(theta):
    c, s = np.cos(theta), np.sin(theta)
    return np.array([[c, -s], [s, c]])


def _foot_state(t, t_ic, stride_s, contact_s, *, speed, ic_ahead_m, strike_deg, to_deg, lift_m, retract_m, hip_z):
    """Ankle (x, z) relative to the pelvis, foot angle (rad), in_stance, for one foot at time t."""
    ph = (t - t_ic) % stride_s
    th_ic, th_to = np.radians(strike_deg), -np.radians(to_deg)
    if ph < contact_s:  # stance
        tau = ph / contact_s
        if tau < 0.15:
            th = th_ic * 0.5 * (1 + np.cos(np.pi * tau / 0.15))
        elif tau < 0.55:
            th = 0.0
        else:
            th = th_to * 0.5 * (1 - np.cos(np.pi * (tau - 0.55) / 0.45))
        heel_x = ic_ahead_m - speed * ph
        if th >= 0:
            ankle = np.array([heel_x, 0.0]) - _rot(th) @ HEEL_OFF
        else:
            toe = np.array([heel_x + TOE_OFF[0] - HEEL_OFF[0], 0.0])
            ankle = toe - _rot(th) @ TOE_OFF
        return ankle, th, True
    # swing: from the toe-off ankle pose to the next IC ankle pose
    a_to, _, _ = _foot_state(t_ic + contact_s - 1e-9, t_ic, stride_s, contact_s, speed=speed, ic_ahead_m=ic_ahead_m,
                             strike_deg=strike_deg, to_deg=to_deg, lift_m=lift_m, retract_m=retract_m, hip_z=hip_z)
    a_ic, _, _ = _foot_state(t_ic, t_ic, stride_s, contact_s, speed=speed, ic_ahead_m=ic_ahead_m,
                             strike_deg=strike_deg, to_deg=to_deg, lift_m=lift_m, retract_m=retract_m, hip_z=hip_z)
    s = (ph - contact_s) / (stride_s - contact_s)
    if s < 0.85:
        u = s / 0.85
        sm = u - np.sin(2 * np.pi * u) / (2 * np.pi)
        x = a_to[0] + (a_ic[0] + retract_m - a_to[0]) * sm
    else:
        u = (s - 0.85) / 0.15
        x = a_ic[0] + retract_m * 0.5 * (1 + np.cos(np.pi * u))
    z = a_to[1] + (a_ic[1] - a_to[1]) * s + lift_m * np.sin(np.pi * s) * (1 - 0.5 * s)
    th = th_to + (th_ic - th_to) * 0.5 * (1 - np.cos(np.pi * s))
    return np.array([x, z]), th, False


def _knee(hip, ankle, *, forward):
    d = ankle - hip
    L = np.linalg.norm(d)
    L = min(L, THIGH_M + SHANK_M - 1e-6)
    a = np.arccos(np.clip((THIGH_M**2 + L**2 - SHANK_M**2) / (2 * THIGH_M * L), -1, 1))
    base = np.arctan2(d[1], d[0])
    ang = base + a * forward  # knee bends forward
    return hip + THIGH_M * np.array([np.cos(ang), np.sin(ang)])


def side_runner(
    *, fps: float = 60.0, duration_s: float = 10.0, cadence_spm: float = 170.0, duty: float = 0.36,
    speed_mps: float = 3.0, ic_ahead_m: float = 0.22, strike_deg: float = 12.0, to_deg: float = 35.0,
    trunk_lean_deg: float = 8.0, vo_m: float = 0.08, facing: int = 1, px_per_m: float = 380.0,
    noise_px: float = 0.0, far_noise_px: float | None = None, swap_frames: int = 0, seed: int = 0,
    t0_s: float = 0.137, lift_m: float = 0.25, retract_m: float = 0.05,
    swap_stretches: int = 0, near_floor_px: float = 0.0, mirror_labels: bool = False,
) -> tuple[PoseSeries, Truth]:
    """Side-view treadmill runner. Returns (noisy PoseSeries, Truth).

    Label errors like a pose model's: ``swap_frames`` single frames with the legs' labels swapped;
    ``swap_stretches`` stretches (about one stride each) whose leg labels are swapped from one
    crossing of the ankles to a later one, so continuity shows no jump big enough to undo them;
    ``mirror_labels`` swaps the legs' labels in every frame. ``near_floor_px`` moves the near leg
    down in the image (a camera above the floor sees the near foot land lower).
    """
    rng = np.random.default_rng(seed)
    stride_s = 120.0 / cadence_spm
    contact_s = duty * stride_s
    n = int(round(duration_s * fps))
    t = np.arange(n) / fps
    hip_mean = 0.90
    xy = np.full((n, 33, 2), np.nan)
    ic_first = {"right": t0_s, "left": t0_s + stride_s / 2}
    W, H = 1920, 1080
    cx, cy = W / 2, H / 2 + 0.1 * px_per_m
    lean = np.radians(trunk_lean_deg)
    for k, tk in enumerate(t):
        # pelvis height: lowest at mid-stance of either foot (period = step)
        ph_step = ((tk - t0_s) % (stride_s / 2)) / (stride_s / 2)
        mid = (contact_s / 2) / (stride_s / 2)
        hz = hip_mean - 0.5 * vo_m * np.cos(2 * np.pi * (ph_step - mid))
        hip = np.array([0.0, hz])
        pts = {}
        for side in ("left", "right"):
            ankle, th, _ = _foot_state(tk, ic_first[side], stride_s, contact_s, speed=speed_mps, ic_ahead_m=ic_ahead_m,
                                       strike_deg=strike_deg, to_deg=to_deg, lift_m=lift_m, retract_m=retract_m, hip_z=hz)
            ankle = ankle + hip * np.array([1, 0])  # x relative to pelvis; z absolute
            knee = _knee(hip, ankle, forward=1)
            pts[side] = dict(hip=hip, knee=knee, ankle=ankle, heel=ankle + _rot(th) @ HEEL_OFF,
                             foot_index=ankle + _rot(th) @ TOE_OFF)
        sh = hip + 0.52 * np.array([np.sin(lean), np.cos(lean)])
        arm = 0.5 * np.sin(2 * np.pi * (tk - t0_s) / stride_s)
        for side, sgn in (("left", 1), ("right", -1)):
            el = sh + 0.30 * np.array([np.sin(sgn * arm), -np.cos(sgn * arm)])
            wr = el + 0.27 * np.array([np.cos(sgn * arm * 0.5), 0.2])
            pts[side].update(shoulder=sh, elbow=el, wrist=wr, pinky=wr, index=wr, thumb=wr, eye=sh + [0.08, 0.25],
                             eye_inner=sh + [0.09, 0.25], eye_outer=sh + [0.07, 0.25], ear=sh + [0.0, 0.23])
            pts[side]["mouth"] = sh + [0.09, 0.18]
        nose = sh + np.array([0.11, 0.22])

        def put(lm, p):
            xy[k, int(lm)] = (cx + facing * p[0] * px_per_m, cy - (p[1] - hip_mean) * px_per_m)

        put(Landmark.NOSE, nose)
        for side in ("left", "right"):
            for name, p in pts[side].items():
                if name == "mouth":
                    put(Landmark[f"MOUTH_{side.upper()}"], p)
                else:
                    put(side_lm(name, side), p)
    clean = xy.copy()
    near = "right" if facing == 1 else "left"  # travelling to image +x = seen from the runner's right
    far = "right" if near == "left" else "left"
    vis = np.full((n, 33), 0.95)
    far_ids = [int(lm) for lm in Landmark if lm.name.startswith(far.upper())]
    vis[:, far_ids] = 0.7
    if noise_px > 0:
        xy = xy + rng.normal(0, noise_px, xy.shape)
        fn = far_noise_px if far_noise_px is not None else 1.5 * noise_px
        xy[:, far_ids] += rng.normal(0, np.sqrt(max(fn**2 - noise_px**2, 0)), (n, len(far_ids), 2))
    if near_floor_px:
        near_ids = [int(side_lm(n_, near)) for n_ in ("hip", "knee", "ankle", "heel", "foot_index")]
        xy[:, near_ids, 1] += near_floor_px
        clean[:, near_ids, 1] += near_floor_px
    leg = ("knee", "ankle", "heel", "foot_index")
    pairs = [(int(side_lm(n_, "left")), int(side_lm(n_, "right"))) for n_ in leg]

    def swap_labels(frames):
        for li, ri in pairs:
            xy[np.ix_(frames, [li, ri])] = xy[np.ix_(frames, [ri, li])]

    if swap_stretches:
        dx = clean[:, int(Landmark.LEFT_ANKLE), 0] - clean[:, int(Landmark.RIGHT_ANKLE), 0]
        cross = np.flatnonzero(np.sign(dx[1:]) != np.sign(dx[:-1])) + 1  # ankles pass each other
        span = len(cross) // max(1, swap_stretches)
        for k in range(swap_stretches):  # from one crossing to the 3rd after it (~1.5 strides)
            i = k * span + span // 3
            if i + 3 < len(cross):
                swap_labels(np.arange(cross[i], cross[i + 3]))
    if mirror_labels:
        swap_labels(np.arange(n))
    if swap_frames:
        from formcheck.landmarks import mirror_index

        leg = [n_ for n_ in ("knee", "ankle", "heel", "foot_index")]
        starts = rng.choice(np.arange(10, n - 10), size=swap_frames, replace=False)
        for s0 in starts:
            for nm in leg:
                li, ri = int(side_lm(nm, "left")), int(side_lm(nm, "right"))
                xy[s0, [li, ri]] = xy[s0, [ri, li]]
        del mirror_index
    arrays = PoseSeries.empty_arrays(n)
    arrays["xy"] = xy
    arrays["visibility"] = vis
    arrays["presence"] = vis
    meta = VideoMeta(path=Path("synthetic_side.mp4"), n_frames=n, width_px=W, height_px=H, rotation_deg=0,
                     container_fps=fps, capture_fps=fps, duration_s=duration_s)
    pose = PoseSeries(frame=np.arange(n), t_s=t, meta=meta, **arrays)
    ic = {s: np.arange(ic_first[s], duration_s, stride_s) for s in ("left", "right")}
    tc = {s: ic[s] + contact_s for s in ("left", "right")}
    truth = Truth(ic_s=ic, tc_s=tc, cadence_spm=cadence_spm, contact_time_s=contact_s,
                  stride_length_m=speed_mps * stride_s, trunk_lean_deg=trunk_lean_deg,
                  leg_m=THIGH_M + SHANK_M + 0.07, px_per_m=px_per_m, xy_clean=clean)
    return pose, truth


def match_events(detected: np.ndarray, truth: np.ndarray, *, tol_s: float = 0.1) -> np.ndarray:
    """Signed errors (detected - true) for every true event with a detection within ``tol_s``."""
    errs = []
    for tt in truth:
        if len(detected) == 0:
            break
        j = int(np.argmin(np.abs(detected - tt)))
        if abs(detected[j] - tt) <= tol_s:
            errs.append(detected[j] - tt)
    return np.array(errs)
