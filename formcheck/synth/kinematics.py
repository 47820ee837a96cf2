"""Parametric running gait -> articulated 3D skeleton over time (pure numpy/scipy).

Method
------
The gait is built from its **events**, so contact timing is exact by construction:

1. Initial-contact (IC) times of both feet come from the cadence, step asymmetry and seeded
   stride-to-stride variability; toe-off (TO) = IC + duty factor x stride time.
2. **Stance**: the foot is planted at a ground position chosen so that the heel lands
   ``overstride`` ahead of the hip midpoint. It rolls about the heel (or the toe for a forefoot
   strike) from the strike angle to flat, stays flat, then rises about the toe to the toe-off angle.
   The lowest point of the foot is on the ground (z = 0) from IC to TO and above it otherwise.
3. **Pelvis**: moves forward at the running speed (ground frame), oscillates vertically (lowest at
   mid-stance), sways towards the stance foot, yaws with the legs and rolls by the contralateral
   pelvic drop (peak at mid-stance, zero at IC and TO). Its height at every IC is solved so that
   the landing knee has exactly the requested flexion; where a stance leg could not reach its foot
   the pelvis is lowered smoothly (so the stance foot never leaves the ground).
4. **Swing**: the ankle follows a clamped cubic spline relative to the hip (continuous position and
   velocity at TO, a downward landing velocity at IC); knees come from two-link inverse kinematics
   with the knee pointing forward. In terminal swing the knee may not extend beyond a floor that
   turns 35 ms before IC and rises into the landing flexion (``_terminal_swing_reach``: the ankle is
   pulled towards the hip, i.e. up, where the spline asks for more reach), so the knee lands flexing.
5. **Upper body**: the spine leans forward and laterally, the thorax counter-rotates and rolls
   independently of the pelvis; arms swing opposite to the legs.

Coordinates are the world frame of ``params.py`` (x travel, y left, z up, metres), in the *ground*
frame (the pelvis advances at the running speed); ``clip.py`` shifts it for treadmills.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.interpolate import CubicSpline, PchipInterpolator

from formcheck.synth.params import BodyParams, GaitParams

SIDE_SIGN = {"left": 1.0, "right": -1.0}
STANCE_FLAT_START = 0.18  # fraction of stance at which the foot is flat
STANCE_HEEL_OFF = 0.55  # fraction of stance at which the heel rises
TERMINAL_KNEE_LEAD_S = 0.035  # most extended swing knee this long before IC ...
TERMINAL_KNEE_DROP_DEG = 8.0  # ... and this much less flexed than at IC
TERMINAL_KNEE_EARLY_WIDTH = 3.0  # the floor's parabola is this much wider before its vertex
TERMINAL_KNEE_WINDOW_S = 0.15  # the least-flexion floor applies this long before IC


@dataclass(frozen=True)
class Dims:
    """Body dimensions [m] derived from ``BodyParams`` (segment lengths between joint centres)."""

    height: float
    thigh: float
    shank: float
    ankle_h: float
    foot_len: float
    heel_back: float
    lm_above_sole: float
    hip_half: float
    shoulder_half: float
    spine: float
    upper_arm: float
    forearm: float
    build: float

    @property
    def leg(self) -> float:
        """Leg length = thigh + shank (hip joint centre to ankle joint centre, straight knee)."""
        return self.thigh + self.shank

    def foot_local(self) -> dict[str, np.ndarray]:
        """Foot points relative to the ankle, in the foot frame (x toe, y left, z up; flat foot)."""
        h, lf, hb, up = self.ankle_h, self.foot_len, self.heel_back, self.lm_above_sole
        return {
            "heel_contact": np.array([-hb, 0.0, -h]),
            "toe_contact": np.array([lf - hb, 0.0, -h]),
            "heel": np.array([-hb, 0.0, -h + up]),
            "foot_index": np.array([lf - hb, 0.0, -h + up]),
        }


def body_dims(body: BodyParams) -> Dims:
    h = body.height_m
    ankle_h = 0.039 * h
    seg = (body.leg_frac * h - ankle_h) / 2.0
    foot_len = 0.152 * h
    return Dims(height=h, thigh=seg, shank=seg, ankle_h=ankle_h, foot_len=foot_len, heel_back=0.22 * foot_len,
                lm_above_sole=0.012 * h, hip_half=body.hip_width_frac * h / 2.0,
                shoulder_half=body.shoulder_width_frac * h / 2.0, spine=0.288 * h, upper_arm=0.186 * h,
                forearm=0.146 * h, build=body.build)


@dataclass(frozen=True, eq=False)
class Contacts:
    """Contacts of one foot, one row per contact (arrays of equal length, sorted by time)."""

    side: str
    ic_s: np.ndarray
    to_s: np.ndarray
    heel_x_m: np.ndarray  # heel-contact x when the foot is flat (ground frame)
    y_m: np.ndarray  # lateral position of the foot (ground frame)
    strike_deg: np.ndarray
    knee_ic_deg: np.ndarray
    overstride_m: np.ndarray


@dataclass(frozen=True, eq=False)
class GaitPlan:
    gait: GaitParams
    dims: Dims
    speed_mps: float
    contacts: dict  # side -> Contacts
    stride_ic_s: np.ndarray  # right IC times (phase reference)
    mid_stance_s: np.ndarray  # mid-stance times of both feet, sorted
    z0_knots: tuple  # (t, z0) knots of the pelvis mean height
    lower_t_s: np.ndarray  # fine grid of the pelvis lowering that keeps stance feet reachable
    lower_m: np.ndarray
    swing: dict  # side -> list of (t_to, t_ic, CubicSpline x_rel, z, theta, y)
    landing_knee_deg: dict | None = None  # side -> (n_contacts,) knee flexion at each IC as built (pelvis lowering included)


# ----------------------------------------------------------------------------------------------- helpers
def _rot_pitch(v: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Rotate (n,3) vectors about +y by ``theta`` [rad] (+ = x towards +z: toes up)."""
    c, s = np.cos(theta), np.sin(theta)
    x, y, z = np.broadcast_arrays(v[..., 0], v[..., 1], v[..., 2], c)[:3]
    return np.stack([x * c - z * s, y + 0 * c, x * s + z * c], axis=-1)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _stance_bumps(t: np.ndarray, c: Contacts, amp: np.ndarray | float) -> np.ndarray:
    """Sum over contacts of amp * sin^2(pi s), s = stance fraction (0 at IC and TO, 1 at mid-stance)."""
    out = np.zeros_like(t, dtype=float)
    amp = np.broadcast_to(np.asarray(amp, dtype=float), c.ic_s.shape)
    k = np.searchsorted(c.ic_s, t, side="right") - 1
    ok = k >= 0
    kk = np.clip(k, 0, len(c.ic_s) - 1)
    s = (t - c.ic_s[kk]) / (c.to_s[kk] - c.ic_s[kk])
    ok &= (s >= 0) & (s <= 1)
    out[ok] = amp[kk[ok]] * np.sin(np.pi * s[ok]) ** 2
    return out


def _piecewise_cos(t: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """cos(2 pi u) where u is the fraction of the way between successive knots (1 at every knot)."""
    k = np.clip(np.searchsorted(knots, t, side="right") - 1, 0, len(knots) - 2)
    u = (t - knots[k]) / (knots[k + 1] - knots[k])
    return np.cos(2 * np.pi * u)


def _gait_phase(t: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Continuous stride phase (right IC = integer) by linear interpolation between right ICs."""
    return np.interp(t, ref, np.arange(len(ref), dtype=float))


# ----------------------------------------------------------------------------------------------- stance
def stance_foot(dims: Dims, c: Contacts, k: np.ndarray, s: np.ndarray, toe_off_deg: float):
    """Ankle position (n,3) and foot pitch (n,) [rad] during stance ``k`` at stance fractions ``s``."""
    loc = dims.foot_local()
    ts = np.radians(c.strike_deg[k])
    tto = np.radians(toe_off_deg)
    s1, s2 = STANCE_FLAT_START, STANCE_HEEL_OFF
    x1 = np.clip(s / s1, 0, 1)
    x3 = np.clip((s - s2) / (1 - s2), 0, 1)
    theta = np.where(s < s1, ts * (1 - x1) ** 2, np.where(s < s2, 0.0, tto * x3**2))
    use_toe = ((s < s1) & (ts < 0)) | (s >= s2)
    p_local = np.where(use_toe[:, None], loc["toe_contact"], loc["heel_contact"])
    p_world = np.stack([c.heel_x_m[k] + use_toe * dims.foot_len, c.y_m[k], np.zeros_like(s)], axis=-1)
    ankle = p_world - _rot_pitch(p_local, theta)
    return ankle, theta


def _reach(dims: Dims, knee_flexion_rad: np.ndarray) -> np.ndarray:
    """Hip-to-ankle distance of a leg whose knee is flexed by ``knee_flexion_rad`` (law of cosines)."""
    return np.sqrt(dims.thigh**2 + dims.shank**2 + 2 * dims.thigh * dims.shank * np.cos(knee_flexion_rad))


def _heel_x_for_overstride(dims: Dims, hip_mid_x: float, overstride_m: float, strike_rad: float) -> float:
    """Heel-contact x of the flat foot such that the heel landmark lands ``overstride`` ahead."""
    up, lf = dims.lm_above_sole, dims.foot_len
    if strike_rad >= 0:  # pivot on the heel: heel landmark = heel contact + R(theta) (0, 0, up)
        return hip_mid_x + overstride_m + np.sin(strike_rad) * up
    # pivot on the toe: heel landmark = toe contact + R(theta) (-lf, 0, up)
    toe_x = hip_mid_x + overstride_m + lf * np.cos(strike_rad) + up * np.sin(strike_rad)
    return toe_x - lf


# ----------------------------------------------------------------------------------------------- plan
def plan_gait(gait: GaitParams, body: BodyParams, seconds: float, seed: int) -> GaitPlan:
    """Draw the events and solve the pelvis height; everything else is evaluated in ``skeleton_at``."""
    rng = np.random.default_rng(seed)
    dims = body_dims(body)
    v = gait.speed
    T = gait.stride_time_s
    n = int(np.ceil(seconds / T)) + 6
    cv = gait.stride_time_cv
    durations = T * (1 + np.clip(rng.normal(0, cv, n), -3 * cv, 3 * cv))
    t_first = -3 * T + rng.uniform(0, T)
    r_ic = t_first + np.concatenate([[0.0], np.cumsum(durations[:-1])])
    a = gait.step_time_asymmetry_frac
    l_ic = r_ic + durations * 0.5 * (1 + a)
    sd = gait.placement_sd_cm / 100.0
    contacts = {}
    for side, ics in (("left", l_ic), ("right", r_ic)):
        i = 0 if side == "left" else 1
        m = len(ics)
        to = ics + gait.duty_factor * np.diff(ics, append=ics[-1] + T)  # duty factor exact per stride
        os_m = gait.overstride_cm[i] / 100.0 + rng.normal(0, sd, m)
        y = SIDE_SIGN[side] * (gait.foot_offset_cm[i] / 100.0 + rng.normal(0, sd, m))
        strike = np.full(m, gait.foot_strike_angle_deg[i])
        heel_x = np.array([_heel_x_for_overstride(dims, v * t, o, np.radians(st))
                           for t, o, st in zip(ics, os_m, strike)])
        contacts[side] = Contacts(side, ics, to, heel_x, y, strike, np.full(m, gait.knee_flexion_ic_deg[i]), os_m)
    mids = np.sort(np.concatenate([(c.ic_s + c.to_s) / 2 for c in contacts.values()]))
    plan = GaitPlan(gait, dims, v, contacts, r_ic, mids, (), np.array([-1e9, 1e9]), np.zeros(2), {})
    plan = _solve_pelvis_height(plan)
    plan = _solve_reach(plan)
    plan = _replace(plan, landing_knee_deg={side: _landing_knee_deg(plan, side) for side in plan.contacts})
    return _build_swings(plan)


def _pelvis_rotation(plan: GaitPlan, t: np.ndarray):
    """Pelvis roll (+ = left hip up) and yaw (+ = right hip forward) [rad]."""
    g = plan.gait
    cl, cr = plan.contacts["left"], plan.contacts["right"]
    roll = _stance_bumps(t, cl, g.pelvic_drop_deg[0]) - _stance_bumps(t, cr, g.pelvic_drop_deg[1])
    phase = _gait_phase(t, plan.stride_ic_s)
    yaw = g.pelvis_yaw_deg * np.cos(2 * np.pi * phase)
    return np.radians(roll), np.radians(yaw), phase


def _pelvis_frame(roll: np.ndarray, yaw: np.ndarray) -> np.ndarray:
    """(n,3,3) rotation Rz(yaw) @ Rx(roll); columns are the pelvis forward, left and up axes."""
    cr, sr, cy, sy = np.cos(roll), np.sin(roll), np.cos(yaw), np.sin(yaw)
    fwd = np.stack([cy, sy, np.zeros_like(cy)], -1)
    left = np.stack([-sy * cr, cy * cr, sr], -1)
    up = np.stack([sy * sr, -cy * sr, cr], -1)
    return np.stack([fwd, left, up], axis=-1)


def _pelvis_centre_xy(plan: GaitPlan, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    g = plan.gait
    sway = g.pelvis_sway_cm / 100.0
    half_step = np.diff(plan.mid_stance_s).mean()
    y = np.zeros_like(t, dtype=float)
    for side in ("left", "right"):
        c = plan.contacts[side]
        mids = (c.ic_s + c.to_s) / 2
        d = t[:, None] - mids[None, :]
        w = np.where(np.abs(d) < half_step, np.cos(np.pi / 2 * d / half_step) ** 2, 0.0).sum(axis=1)
        y += SIDE_SIGN[side] * sway * w
    return plan.speed_mps * t, y


def _pelvis_z(plan: GaitPlan, t: np.ndarray, *, lowered: bool = True) -> np.ndarray:
    vo = plan.gait.vertical_oscillation_cm / 100.0
    tk, zk = plan.z0_knots
    z0 = PchipInterpolator(tk, zk, extrapolate=True)(t)
    z = z0 - vo / 2 * _piecewise_cos(t, plan.mid_stance_s)
    if lowered:
        z = z - np.interp(t, plan.lower_t_s, plan.lower_m)
    return z


def pelvis_at(plan: GaitPlan, t: np.ndarray, *, lowered: bool = True):
    """Pelvis centre (n,3), frame (n,3,3) and stride phase (n,)."""
    x, y = _pelvis_centre_xy(plan, t)
    z = _pelvis_z(plan, t, lowered=lowered)
    roll, yaw, phase = _pelvis_rotation(plan, t)
    return np.stack([x, y, z], -1), _pelvis_frame(roll, yaw), phase


def _hip(centre: np.ndarray, frame: np.ndarray, side: str, dims: Dims) -> np.ndarray:
    return centre + SIDE_SIGN[side] * dims.hip_half * frame[:, :, 1]


def _solve_pelvis_height(plan: GaitPlan) -> GaitPlan:
    """Pelvis mean height at every IC so the landing knee has the requested flexion."""
    d = plan.dims
    vo = plan.gait.vertical_oscillation_cm / 100.0
    tk, zk = [], []
    for side, c in plan.contacts.items():
        k = np.arange(len(c.ic_s))
        ankle, _ = stance_foot(d, c, k, np.zeros(len(k)), plan.gait.toe_off_angle_deg)
        x, y = _pelvis_centre_xy(plan, c.ic_s)
        roll, yaw, _ = _pelvis_rotation(plan, c.ic_s)
        frame = _pelvis_frame(roll, yaw)
        hip_xy = np.stack([x, y, np.zeros_like(x)], -1) + SIDE_SIGN[side] * d.hip_half * frame[:, :, 1]
        kf = np.radians(c.knee_ic_deg)
        reach = _reach(d, kf)
        horiz2 = (ankle[:, 0] - hip_xy[:, 0]) ** 2 + (ankle[:, 1] - hip_xy[:, 1]) ** 2
        dz = np.sqrt(np.maximum(reach**2 - horiz2, (0.5 * reach) ** 2))
        z_hip = ankle[:, 2] + dz - hip_xy[:, 2]
        cosv = _piecewise_cos(c.ic_s, plan.mid_stance_s)
        tk.append(c.ic_s)
        zk.append(z_hip + vo / 2 * cosv)
    tk, zk = np.concatenate(tk), np.concatenate(zk)
    order = np.argsort(tk)
    return _replace(plan, z0_knots=(tk[order], zk[order]))


def _solve_reach(plan: GaitPlan) -> GaitPlan:
    """Lower the pelvis (smoothly) wherever a stance leg could not reach its planted foot."""
    d = plan.dims
    t0 = min(c.ic_s[0] for c in plan.contacts.values())
    t1 = max(c.to_s[-1] for c in plan.contacts.values())
    dt = 0.001
    t = np.arange(t0, t1 + dt, dt)
    centre, frame, _ = pelvis_at(plan, t, lowered=False)
    need = np.zeros_like(t)
    max_reach = 0.995 * d.leg
    for side, c in plan.contacts.items():
        k = np.searchsorted(c.ic_s, t, side="right") - 1
        kk = np.clip(k, 0, len(c.ic_s) - 1)
        s = (t - c.ic_s[kk]) / (c.to_s[kk] - c.ic_s[kk])
        st = (k >= 0) & (s >= 0) & (s <= 1)
        ankle, _ = stance_foot(d, c, kk[st], s[st], plan.gait.toe_off_angle_deg)
        hip = _hip(centre[st], frame[st], side, d)
        dv = hip - ankle
        horiz2 = dv[:, 0] ** 2 + dv[:, 1] ** 2
        dz_max = np.sqrt(np.maximum(max_reach**2 - horiz2, 0))
        need[st] = np.maximum(need[st], dv[:, 2] - dz_max)
    need = np.maximum(need, 0)
    if need.max() > 0:
        from scipy.ndimage import gaussian_filter1d, maximum_filter1d

        w = int(0.04 / dt)
        env = gaussian_filter1d(maximum_filter1d(need, 2 * w + 1), w / 2)
        need = np.maximum(env, need)
    return _replace(plan, lower_t_s=t, lower_m=need)


def _build_swings(plan: GaitPlan) -> GaitPlan:
    d, g, v = plan.dims, plan.gait, plan.speed_mps
    h = d.height
    z_peak = (0.10 + 0.03 * v) * h
    eps = 1e-4
    swings = {}
    for side, c in plan.contacts.items():
        sgn = SIDE_SIGN[side]
        out = []
        for k in range(len(c.ic_s) - 1):
            t_to, t_ic = c.to_s[k], c.ic_s[k + 1]
            ts = t_ic - t_to
            k0, k1 = np.array([k, k]), np.array([k + 1, k + 1])
            a_to, th_to = stance_foot(d, c, k0, np.array([1 - eps, 1.0]), g.toe_off_angle_deg)
            a_ic, th_ic = stance_foot(d, c, k1, np.array([0.0, eps]), g.toe_off_angle_deg)
            dt_to = eps * (c.to_s[k] - c.ic_s[k])
            vel_to = (a_to[1] - a_to[0]) / dt_to
            om_to = (th_to[1] - th_to[0]) / dt_to
            tk = np.array([t_to, t_to + 0.33 * ts, t_to + 0.78 * ts, t_ic])
            xr_to, xr_ic = a_to[1, 0] - v * t_to, a_ic[0, 0] - v * t_ic
            x_rel = CubicSpline(tk, [xr_to, -0.13 * h, xr_ic + 0.05 * h, xr_ic],
                                bc_type=((1, vel_to[0] - v), (1, 0.3 - v)))
            z = CubicSpline(tk, [a_to[1, 2], z_peak, a_ic[0, 2] + 0.045 * h, a_ic[0, 2]],
                            bc_type=((1, vel_to[2]), (1, -0.5)))
            # the foot lands with zero angular velocity and then slaps down (rearfoot) or drops its heel
            # (forefoot), so the strike point is the first to touch and is moving down at IC
            th = CubicSpline(tk, [th_to[1], np.radians(-55), th_ic[0] + np.radians(2), th_ic[0]],
                             bc_type=((1, om_to), (1, 0.0)))
            y_mid = 0.5 * (c.y_m[k] + c.y_m[k + 1]) + sgn * 0.015 * h
            y = CubicSpline([t_to, 0.5 * (t_to + t_ic), t_ic], [c.y_m[k], y_mid, c.y_m[k + 1]],
                            bc_type=((1, 0.0), (1, 0.0)))
            out.append((t_to, t_ic, x_rel, z, th, y))
        swings[side] = out
    return _replace(plan, swing=swings)


def _replace(plan: GaitPlan, **kw) -> GaitPlan:
    import dataclasses

    return dataclasses.replace(plan, **kw)


# ----------------------------------------------------------------------------------------------- evaluate
def foot_at(plan: GaitPlan, side: str, t: np.ndarray):
    """Ankle (n,3), foot pitch (n,) [rad] and in-stance flag (n,) for one foot."""
    c = plan.contacts[side]
    d = plan.dims
    ankle = np.zeros((len(t), 3))
    theta = np.zeros(len(t))
    k = np.searchsorted(c.ic_s, t, side="right") - 1
    if np.any(k < 0) or np.any(k >= len(c.ic_s) - 1):
        raise ValueError("time outside the planned gait")
    s = (t - c.ic_s[k]) / (c.to_s[k] - c.ic_s[k])
    st = s <= 1
    ankle[st], theta[st] = stance_foot(d, c, k[st], s[st], plan.gait.toe_off_angle_deg)
    for j in np.unique(k[~st]):
        m = (~st) & (k == j)
        _, _, xr, z, th, y = plan.swing[side][j]
        tt = t[m]
        ankle[m] = np.stack([xr(tt) + plan.speed_mps * tt, y(tt), z(tt)], -1)
        theta[m] = th(tt)
    # guarantee the foot is off the ground in swing (lift it where the spline dips)
    loc = d.foot_local()
    if np.any(~st):
        low = np.minimum(_rot_pitch(loc["heel_contact"][None], theta[~st])[:, 2],
                         _rot_pitch(loc["toe_contact"][None], theta[~st])[:, 2])
        pen = -(ankle[~st, 2] + low)
        ankle[~st, 2] += np.maximum(pen + 1e-4, 0)
    return ankle, theta, st


def _ik_knee(hip: np.ndarray, ankle: np.ndarray, pole: np.ndarray, l1: float, l2: float):
    dv = ankle - hip
    dist = np.linalg.norm(dv, axis=-1)
    dc = np.clip(dist, abs(l1 - l2) + 1e-4, (l1 + l2) * 0.9999)
    u = dv / dist[:, None]
    ankle = hip + u * dc[:, None]
    w = pole - (pole * u).sum(-1, keepdims=True) * u
    w = _unit(w)
    a = (l1**2 - l2**2 + dc**2) / (2 * dc)
    hgt = np.sqrt(np.maximum(l1**2 - a**2, 0))
    return hip + u * a[:, None] + w * hgt[:, None], ankle


def _landing_knee_deg(plan: GaitPlan, side: str) -> np.ndarray:
    """Knee flexion [deg] at each IC of ``side`` as built: the pelvis lowering of ``_solve_reach`` can
    flex it beyond the requested ``knee_ic_deg``."""
    c, d = plan.contacts[side], plan.dims
    k = np.arange(len(c.ic_s))
    centre, frame, _ = pelvis_at(plan, c.ic_s)
    ankle_ic, _ = stance_foot(d, c, k, np.zeros(len(k)), plan.gait.toe_off_angle_deg)
    dist = np.linalg.norm(ankle_ic - _hip(centre, frame, side, d), axis=-1)
    cos_k = (dist**2 - d.thigh**2 - d.shank**2) / (2 * d.thigh * d.shank)
    return np.degrees(np.arccos(np.clip(cos_k, -1.0, 1.0)))


def _terminal_knee_floor_deg(plan: GaitPlan, side: str, t: np.ndarray) -> np.ndarray:
    """Least knee flexion [deg] the swing leg may have at ``t``: a parabola through the landing knee
    at IC whose vertex (the leg's most extended instant, ``TERMINAL_KNEE_DROP_DEG`` less flexed)
    lies ``TERMINAL_KNEE_LEAD_S`` before IC, so the knee extends, turns and is already flexing as the
    foot lands (520-670 deg/s at IC on the accuracy grid's runners, ``benchmarks/metrics_mocap.py``). Before the vertex
    the parabola is ``TERMINAL_KNEE_EARLY_WIDTH`` times wider, so a knee extending onto the floor
    slows down into its least flexion instead of locking straight; earlier than
    ``TERMINAL_KNEE_WINDOW_S`` before IC (mid-swing, the knee flexed far more) there is no floor."""
    c = plan.contacts[side]
    k = np.clip(np.searchsorted(c.ic_s, t, side="left"), 0, len(c.ic_s) - 1)  # the next IC
    ic_t = c.ic_s[k]
    k_ic = plan.landing_knee_deg[side][k]
    k_min = np.maximum(k_ic - TERMINAL_KNEE_DROP_DEG, 2.0)
    u = (t - (c.ic_s[k] - TERMINAL_KNEE_LEAD_S)) / TERMINAL_KNEE_LEAD_S  # -inf..1, 1 at IC
    floor = k_min + (k_ic - k_min) * np.where(u >= 0, u, u / TERMINAL_KNEE_EARLY_WIDTH) ** 2
    return np.where(t >= ic_t - TERMINAL_KNEE_WINDOW_S, floor, 0.0)


def _terminal_swing_reach(plan: GaitPlan, side: str, t: np.ndarray, hip: np.ndarray, ankle: np.ndarray,
                          stance: np.ndarray) -> np.ndarray:
    """Pull the swing ankle towards the hip wherever the planned path would extend the knee beyond
    ``_terminal_knee_floor_deg``. Without this the terminal-swing path (forward reach, then
    retraction onto the landing spot while the pelvis is still higher than at IC) asks for more
    than a straight leg: the knee locked straight for ~40 ms and snapped to its landing flexion in
    the last ~10 ms, an artefact no real runner shows and one that made the truth change by 8-14 deg
    per 60 fps frame around contact. The adjusted ankle is continuous with stance at IC."""
    d = plan.dims
    sw = ~stance
    if not sw.any():
        return ankle
    kf = np.radians(_terminal_knee_floor_deg(plan, side, t[sw]))
    reach = _reach(d, kf)
    dv = ankle[sw] - hip[sw]
    dist = np.linalg.norm(dv, axis=-1)
    scale = np.minimum(reach / dist, 1.0)
    out = ankle.copy()
    out[sw] = hip[sw] + dv * scale[:, None]
    return out


def _axis_rot(v: np.ndarray, axis: np.ndarray, ang: np.ndarray) -> np.ndarray:
    """Rodrigues rotation of (n,3) vectors about unit (n,3) axes by angles (n,)."""
    c, s = np.cos(ang)[:, None], np.sin(ang)[:, None]
    return v * c + np.cross(axis, v) * s + axis * (axis * v).sum(-1, keepdims=True) * (1 - c)


@dataclass(frozen=True, eq=False)
class Skeleton:
    """3D body state over time (ground frame, metres). ``points[name]`` is (T,3); ``frames[name]`` is
    (T,3,3) with columns = forward, left, up axes of that body part."""

    t_s: np.ndarray
    points: dict
    frames: dict
    stance: dict  # side -> (T,) bool


def skeleton_at(plan: GaitPlan, t: np.ndarray) -> Skeleton:
    """Evaluate the whole body at times ``t`` [s]."""
    t = np.asarray(t, dtype=float)
    d = plan.dims
    centre, pframe, phase = pelvis_at(plan, t)
    pts: dict[str, np.ndarray] = {"pelvis": centre}
    frames: dict[str, np.ndarray] = {"pelvis": pframe}
    stance = {}
    loc = d.foot_local()
    for side in ("left", "right"):
        hip = _hip(centre, pframe, side, d)
        ankle, theta, st = foot_at(plan, side, t)
        ankle = _terminal_swing_reach(plan, side, t, hip, ankle, st)
        knee, ankle = _ik_knee(hip, ankle, pframe[:, :, 0], d.thigh, d.shank)
        fwd = np.stack([np.cos(theta), np.zeros_like(theta), np.sin(theta)], -1)
        up = np.stack([-np.sin(theta), np.zeros_like(theta), np.cos(theta)], -1)
        left = np.broadcast_to([0.0, 1.0, 0.0], fwd.shape)
        frames[f"foot_{side}"] = np.stack([fwd, left, up], -1)
        pts[f"hip_{side}"], pts[f"knee_{side}"], pts[f"ankle_{side}"] = hip, knee, ankle
        for name in ("heel", "foot_index", "heel_contact", "toe_contact"):
            pts[f"{name}_{side}"] = ankle + _rot_pitch(loc[name][None], theta)
        frames[f"thigh_{side}"] = _limb_frame(hip, knee, pframe[:, :, 0])
        frames[f"shank_{side}"] = _limb_frame(knee, ankle, pframe[:, :, 0])
        stance[side] = st
    _upper_body(plan, t, centre, phase, pts, frames)
    return Skeleton(t, pts, frames, stance)


def _limb_frame(a: np.ndarray, b: np.ndarray, fwd: np.ndarray) -> np.ndarray:
    up = _unit(a - b)
    x = _unit(fwd - (fwd * up).sum(-1, keepdims=True) * up)
    return np.stack([x, np.cross(up, x), up], -1)


def _upper_body(plan: GaitPlan, t, centre, phase, pts, frames) -> None:
    g, d = plan.gait, plan.dims
    h = d.height
    cl, cr = plan.contacts["left"], plan.contacts["right"]
    lean = np.radians(g.trunk_lean_deg + 1.5 * _piecewise_cos(t, plan.mid_stance_s))
    lat = np.radians(_stance_bumps(t, cl, g.lateral_lean_deg[0]) - _stance_bumps(t, cr, g.lateral_lean_deg[1]))
    roll = np.radians(_stance_bumps(t, cl, g.trunk_roll_deg[0]) - _stance_bumps(t, cr, g.trunk_roll_deg[1]))
    spine = _unit(np.stack([np.sin(lean) * np.cos(lat), np.sin(lat), np.cos(lean) * np.cos(lat)], -1))
    sh_mid = centre + d.spine * spine
    yaw = np.radians(-g.thorax_yaw_deg * np.cos(2 * np.pi * phase))
    x0 = np.stack([np.cos(yaw), np.sin(yaw), np.zeros_like(yaw)], -1)
    x_th = _unit(x0 - (x0 * spine).sum(-1, keepdims=True) * spine)
    y_th = np.cross(spine, x_th)
    frames["abdomen"] = np.stack([x_th, y_th, spine], -1)
    y_r = _axis_rot(y_th, x_th, roll)
    z_r = np.cross(x_th, y_r)
    thorax = np.stack([x_th, y_r, z_r], -1)
    frames["thorax"] = thorax
    pts["shoulder_mid"] = sh_mid
    pts["hip_mid"] = centre
    # head: upright-ish, looking forward
    up_w = np.broadcast_to([0.0, 0.0, 1.0], spine.shape)
    z_h = _unit(0.65 * up_w + 0.35 * z_r)
    xf = np.broadcast_to([1.0, 0.0, 0.0], spine.shape)
    x_h = _unit(xf - (xf * z_h).sum(-1, keepdims=True) * z_h)
    frames["head"] = np.stack([x_h, np.cross(z_h, x_h), z_h], -1)
    pts["neck"] = sh_mid + 0.02 * h * z_r
    pts["head"] = sh_mid + 0.045 * h * z_r + 0.072 * h * z_h + 0.012 * h * x_h
    hc, yh = pts["head"], np.cross(z_h, x_h)
    pts["nose"] = hc + 0.062 * h * x_h - 0.006 * h * z_h
    for side in ("left", "right"):
        sg = SIDE_SIGN[side]
        pts[f"eye_{side}"] = hc + 0.048 * h * x_h + 0.017 * h * sg * yh + 0.010 * h * z_h
        pts[f"ear_{side}"] = hc + 0.000 * h * x_h + 0.045 * h * sg * yh + 0.004 * h * z_h
        pts[f"mouth_{side}"] = hc + 0.050 * h * x_h + 0.011 * h * sg * yh - 0.027 * h * z_h
    # arms (angles in the rolled thorax frame)
    for side, peak in (("left", 0.0), ("right", 0.5)):
        sg = SIDE_SIGN[side]
        cs = np.cos(2 * np.pi * (phase - peak))
        a = np.radians(-8.0 + g.arm_swing_deg * cs)
        e = np.radians(g.elbow_flexion_deg + 12.0 * cs)
        b = np.radians(10.0)
        u_loc = np.stack([np.sin(a) * np.cos(b), sg * np.sin(b) * np.ones_like(a), -np.cos(a) * np.cos(b)], -1)
        f_loc = np.stack([np.sin(a + e), -sg * np.tan(np.radians(g.arm_cross_deg)) * np.ones_like(a),
                          -np.cos(a + e)], -1)
        f_loc = _unit(f_loc)
        shoulder = sh_mid + sg * d.shoulder_half * y_r - 0.012 * h * z_r
        elbow = shoulder + d.upper_arm * np.einsum("nij,nj->ni", thorax, u_loc)
        fdir = np.einsum("nij,nj->ni", thorax, f_loc)
        wrist = elbow + d.forearm * fdir
        fist = wrist + 0.035 * h * fdir
        pts[f"shoulder_{side}"], pts[f"elbow_{side}"], pts[f"wrist_{side}"] = shoulder, elbow, wrist
        pts[f"fist_{side}"] = fist
        pts[f"index_{side}"] = fist + 0.025 * h * fdir
        pts[f"pinky_{side}"] = fist + 0.018 * h * fdir - 0.012 * h * z_r
        pts[f"thumb_{side}"] = fist + 0.012 * h * fdir + 0.012 * h * z_r - sg * 0.01 * h * y_r
        frames[f"upper_arm_{side}"] = _limb_frame(shoulder, elbow, x_th)
        frames[f"forearm_{side}"] = _limb_frame(elbow, wrist, x_th)
