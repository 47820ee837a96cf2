"""Ground truth of a synthetic clip, computed only from the generator's 3D kinematics.

Metric names, units and signs follow formcheck's definitions. All values are means over the events
inside the clip; per-side values are ``{"value", "left", "right", "n", "unit"}``. Sides:

* stance quantities (contact time, pelvic drop, hip adduction, lateral trunk lean) - the stance side;
* step quantities (step time/length, flight time, step width, cadence per side) - the side of the
  foot that lands at the end of the step;
* stride quantities (stride time/length, vertical oscillation, arm crossover) - the side of the
  stride's initial contacts.

Definitions follow ``formcheck.metrics.METRICS``: step/stride length = pelvis travel between the ICs
(= belt speed x time on a treadmill); overstride_leg divides by the hip-joint-to-floor leg length;
trunk lean is the mean over stance (``clip_mean`` gives the mean over the clip); vertical
oscillation is the hip-midpoint range over a stride; hip adduction is the femur relative to the
perpendicular of the pelvis line (femoral adduction plus pelvic drop); knee FPPA is + for valgus.

Event frames are the frames nearest to the exact event times (``round(t_s * fps)``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from formcheck.landmarks import LANDMARK_NAMES, Landmark
from formcheck.synth.figure import waistband_endpoints
from formcheck.synth.kinematics import SIDE_SIGN, Skeleton, skeleton_at

SCHEMA = "formcheck-synth-truth/1"
DENSE_DT_S = 0.001
SIDES = ("left", "right")


def truth_path(video: str | Path) -> Path:
    """``clip.mp4`` -> ``clip.truth.json``."""
    p = Path(video)
    return p.with_name(p.stem + ".truth.json")


def _r(x, nd: int = 6):
    """Round floats (recursively) for JSON; NaN/inf -> None."""
    if isinstance(x, dict):
        return {k: _r(v, nd) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_r(v, nd) for v in x]
    if isinstance(x, np.ndarray):
        return _r(x.tolist(), nd)
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return round(float(x), nd) if np.isfinite(x) else None
    return x


def _metric(unit: str, left=(), right=(), both=None) -> dict:
    left, right = np.asarray(left, float), np.asarray(right, float)
    allv = np.concatenate([left, right]) if both is None else np.asarray(both, float)

    def m(a):
        return float(np.mean(a)) if a.size else float("nan")

    out = {"value": m(allv), "unit": unit, "n": int(allv.size)}
    if both is None:
        out.update(left=m(left), right=m(right))
    else:
        out.update(left=None, right=None)
    return out


def _ang(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.degrees(np.arctan2(a, b))


def _knee_flexion(sk: Skeleton, side: str) -> np.ndarray:
    p = sk.points
    u = p[f"hip_{side}"] - p[f"knee_{side}"]
    v = p[f"ankle_{side}"] - p[f"knee_{side}"]
    c = (u * v).sum(-1) / np.linalg.norm(u, axis=-1) / np.linalg.norm(v, axis=-1)
    return 180.0 - np.degrees(np.arccos(np.clip(c, -1, 1)))


def compute_metrics(plan, t_end_s: float) -> dict:
    """Summary metrics over events with ``0 <= t < t_end_s`` (strides need both ICs inside)."""
    d = plan.dims
    ev = {s: plan.contacts[s] for s in SIDES}
    inside = {s: (ev[s].ic_s >= 0) & (ev[s].ic_s < t_end_s) for s in SIDES}
    ic = {s: ev[s].ic_s[inside[s]] for s in SIDES}
    full = {s: inside[s] & (ev[s].to_s < t_end_s) for s in SIDES}
    sk_ic = {s: skeleton_at(plan, ic[s]) for s in SIDES}
    out: dict[str, dict] = {}

    # --- timing
    steps = sorted([(t, s) for s in SIDES for t in ic[s]])
    st_time = {s: [] for s in SIDES}
    flight = {s: [] for s in SIDES}
    for (t0, s0), (t1, s1) in zip(steps[:-1], steps[1:]):
        if s0 == s1:
            continue
        st_time[s1].append(t1 - t0)
        k = np.searchsorted(ev[s0].ic_s, t0)
        flight[s1].append(t1 - ev[s0].to_s[k])
    stride = {s: np.diff(ic[s]) for s in SIDES}
    contact = {s: (ev[s].to_s - ev[s].ic_s)[full[s]] for s in SIDES}
    duty = {}
    for s in SIDES:
        k = np.flatnonzero(inside[s])
        k = k[(k + 1 < len(ev[s].ic_s)) & (ev[s].ic_s[np.minimum(k + 1, len(ev[s].ic_s) - 1)] < t_end_s)]
        duty[s] = (ev[s].to_s[k] - ev[s].ic_s[k]) / (ev[s].ic_s[k + 1] - ev[s].ic_s[k])
    all_steps = np.concatenate([st_time["left"], st_time["right"]])
    def cad(a):
        return 60.0 / np.mean(a) if len(a) else float("nan")

    out["cadence_spm"] = {"value": cad(all_steps), "unit": "steps/min", "n": int(all_steps.size),
                          "left": cad(st_time["left"]), "right": cad(st_time["right"])}
    out["step_time_s"] = _metric("s", st_time["left"], st_time["right"])
    out["stride_time_s"] = _metric("s", stride["left"], stride["right"])
    out["contact_time_s"] = _metric("s", contact["left"], contact["right"])
    out["flight_time_s"] = _metric("s", flight["left"], flight["right"])
    out["duty_factor"] = _metric("fraction", duty["left"], duty["right"])

    # --- spatial at IC (ground frame; on a treadmill this is the belt frame)
    heel_ic = {s: sk_ic[s].points[f"heel_{s}"] for s in SIDES}
    hipmid_ic = {s: sk_ic[s].points["hip_mid"] for s in SIDES}
    step_len = {s: [] for s in SIDES}
    width = {s: [] for s in SIDES}
    heel_at = {(s, round(t, 9)): heel_ic[s][i] for s in SIDES for i, t in enumerate(ic[s])}
    for (t0, s0), (t1, s1) in zip(steps[:-1], steps[1:]):
        if s0 == s1:
            continue
        h0, h1 = heel_at[(s0, round(t0, 9))], heel_at[(s1, round(t1, 9))]
        step_len[s1].append(plan.speed_mps * (t1 - t0))  # pelvis travel (= belt speed x step time)
        yl, yr = (h1[1], h0[1]) if s1 == "left" else (h0[1], h1[1])
        width[s1].append((yl - yr) * 100)
    stride_len = {s: np.diff(hipmid_ic[s][:, 0]) for s in SIDES}
    out["step_length_m"] = _metric("m", step_len["left"], step_len["right"])
    out["stride_length_m"] = _metric("m", stride_len["left"], stride_len["right"])
    os_cm = {s: (heel_ic[s][:, 0] - hipmid_ic[s][:, 0]) * 100 for s in SIDES}
    out["overstride_cm"] = _metric("cm", os_cm["left"], os_cm["right"])
    leg = d.leg + d.ankle_h  # hip joint to floor, standing
    out["overstride_leg"] = _metric("leg", os_cm["left"] / 100 / leg, os_cm["right"] / 100 / leg)
    shank = {s: _ang(sk_ic[s].points[f"ankle_{s}"][:, 0] - sk_ic[s].points[f"knee_{s}"][:, 0],
                     sk_ic[s].points[f"knee_{s}"][:, 2] - sk_ic[s].points[f"ankle_{s}"][:, 2]) for s in SIDES}
    out["shank_angle_ic_deg"] = _metric("deg", shank["left"], shank["right"])
    kf = {s: _knee_flexion(sk_ic[s], s) for s in SIDES}
    out["knee_flexion_ic_deg"] = _metric("deg", kf["left"], kf["right"])
    fs = {s: _ang(sk_ic[s].points[f"foot_index_{s}"][:, 2] - sk_ic[s].points[f"heel_{s}"][:, 2],
                  sk_ic[s].points[f"foot_index_{s}"][:, 0] - sk_ic[s].points[f"heel_{s}"][:, 0]) for s in SIDES}
    out["foot_strike_angle_deg"] = _metric("deg", fs["left"], fs["right"])
    out["step_width_cm"] = _metric("cm", width["left"], width["right"])
    cross = {s: SIDE_SIGN[s] * (heel_ic[s][:, 1] - hipmid_ic[s][:, 1]) < 0 for s in SIDES}
    out["crossover_frac"] = _metric("fraction", cross["left"], cross["right"])

    # --- toe-off
    to_t = {s: ev[s].to_s[(ev[s].to_s >= 0) & (ev[s].to_s < t_end_s)] for s in SIDES}
    th = {}
    for s in SIDES:
        sk = skeleton_at(plan, to_t[s])
        th[s] = _ang(sk.points[f"hip_{s}"][:, 0] - sk.points[f"knee_{s}"][:, 0],
                     sk.points[f"hip_{s}"][:, 2] - sk.points[f"knee_{s}"][:, 2])
    out["thigh_extension_to_deg"] = _metric("deg", th["left"], th["right"])

    # --- dense-grid quantities
    tg = np.arange(0.0, t_end_s, DENSE_DT_S)
    sk = skeleton_at(plan, tg)
    P = sk.points
    spine = P["shoulder_mid"] - P["hip_mid"]
    lean = _ang(spine[:, 0], spine[:, 2])
    lean_st = {s: [] for s in SIDES}
    vo = {s: [] for s in SIDES}
    for s in SIDES:
        for k in np.flatnonzero(full[s]):
            lean_st[s].append(np.mean(lean[(tg >= ev[s].ic_s[k]) & (tg <= ev[s].to_s[k])]))
        for t0, t1 in zip(ic[s][:-1], ic[s][1:]):
            z = P["hip_mid"][(tg >= t0) & (tg < t1), 2]
            if z.size:
                vo[s].append((z.max() - z.min()) * 100)
    out["trunk_lean_deg"] = _metric("deg", lean_st["left"], lean_st["right"])
    out["trunk_lean_deg"]["clip_mean"] = float(np.mean(lean)) if lean.size else float("nan")
    out["vertical_oscillation_cm"] = _metric("cm", vo["left"], vo["right"])
    obliq = _ang(P["hip_left"][:, 2] - P["hip_right"][:, 2], P["hip_left"][:, 1] - P["hip_right"][:, 1])
    drop, add, lat, fppa = ({s: [] for s in SIDES} for _ in range(4))
    for s in SIDES:
        sg = SIDE_SIGN[s]
        pl = P["hip_left"] - P["hip_right"]
        fem = P[f"knee_{s}"] - P[f"hip_{s}"]
        # angle from straight down, + = outward: of the downward perpendicular to the pelvis line
        # (pelvis line (y, z) rotated by -90 deg = (z, -y)) and of the femur
        a_n = _ang(sg * pl[:, 2], pl[:, 1])
        a_f = _ang(sg * fem[:, 1], -fem[:, 2])
        shk = P[f"ankle_{s}"] - P[f"knee_{s}"]
        a_s = _ang(sg * shk[:, 1], -shk[:, 2])
        for k in np.flatnonzero(full[s]):
            m = (tg >= ev[s].ic_s[k]) & (tg <= ev[s].to_s[k])
            if not m.any():
                continue
            drop[s].append(np.max(sg * obliq[m]))
            add[s].append(np.max(a_n[m] - a_f[m]))
            fppa[s].append(np.max(a_s[m] - a_f[m]))
            tm = 0.5 * (ev[s].ic_s[k] + ev[s].to_s[k])
            j = min(int(round(tm / DENSE_DT_S)), tg.size - 1)
            lat[s].append(_ang(sg * spine[j, 1], spine[j, 2]))
    out["pelvic_drop_deg"] = _metric("deg", drop["left"], drop["right"])
    out["hip_adduction_deg"] = _metric("deg", add["left"], add["right"])
    out["knee_fppa_deg"] = _metric("deg", fppa["left"], fppa["right"])
    out["lateral_trunk_lean_deg"] = _metric("deg", lat["left"], lat["right"])
    arm = {s: [] for s in SIDES}
    for s in SIDES:
        u = SIDE_SIGN[s] * (P[f"wrist_{s}"][:, 1] - P["shoulder_mid"][:, 1])
        for t0, t1 in zip(ic[s][:-1], ic[s][1:]):
            m = (tg >= t0) & (tg < t1)
            if m.any():
                arm[s].append(bool(np.any(u[m] < 0)))
    out["arm_crossover_frac"] = _metric("fraction", arm["left"], arm["right"])
    return out


def _landmarks_world(sk: Skeleton, h: float) -> np.ndarray:
    """(T,33,3) BlazePose-like landmark positions (joint centres for the limbs)."""
    P = sk.points
    yh = sk.frames["head"][:, :, 1]
    T = len(sk.t_s)
    out = np.full((T, len(Landmark), 3), np.nan)
    names = {"nose": "nose"}
    for s in SIDES:
        for lm, key in (("eye", "eye"), ("ear", "ear"), ("shoulder", "shoulder"), ("elbow", "elbow"),
                        ("wrist", "wrist"), ("pinky", "pinky"), ("index", "index"), ("thumb", "thumb"),
                        ("hip", "hip"), ("knee", "knee"), ("ankle", "ankle"), ("heel", "heel"),
                        ("foot_index", "foot_index")):
            names[f"{s}_{lm}"] = f"{key}_{s}"
        names[f"mouth_{s}"] = f"mouth_{s}"
    for lm in Landmark:
        key = names.get(lm.name.lower())
        if key is not None:
            out[:, lm.value] = P[key]
    for s in SIDES:
        sg = SIDE_SIGN[s]
        out[:, Landmark[f"{s.upper()}_EYE_INNER"].value] = P[f"eye_{s}"] - sg * 0.008 * h * yh
        out[:, Landmark[f"{s.upper()}_EYE_OUTER"].value] = P[f"eye_{s}"] + sg * 0.008 * h * yh
    return out


def compute_truth(stage) -> dict:
    """The truth dictionary written next to a clip (see module docstring)."""
    from formcheck import __version__
    from formcheck.synth import SYNTH_REVISION
    from formcheck.synth.clip import ground_to_world

    spec, plan, cam = stage.spec, stage.plan, stage.camera
    r = spec.render
    n = r.n_frames
    t = np.arange(n) / r.fps
    t_end = n / r.fps
    sk = skeleton_at(plan, t)
    off = ground_to_world(stage, t)[:, None, :]
    lm = _landmarks_world(sk, plan.dims.height) + off
    uv, depth = cam.project(lm)
    wb = waistband_endpoints(sk, plan.dims)
    wb_uv = {s: cam.project(wb[s] + off[:, 0])[0] for s in SIDES}
    dz = cam.project(sk.points["pelvis"] + off[:, 0])[1]
    body_px = cam.f_px * plan.dims.height / dz
    in_frame = (uv[..., 0] >= 0) & (uv[..., 0] < cam.width_px) & (uv[..., 1] >= 0) & (uv[..., 1] < cam.height_px)
    P = sk.points
    obl = _ang(P["hip_left"][:, 2] - P["hip_right"][:, 2], P["hip_left"][:, 1] - P["hip_right"][:, 1])
    sh = _ang(P["shoulder_left"][:, 2] - P["shoulder_right"][:, 2], P["shoulder_left"][:, 1] - P["shoulder_right"][:, 1])
    events = {}
    for s in SIDES:
        c = plan.contacts[s]
        ics = c.ic_s[(c.ic_s >= 0) & (c.ic_s < t_end)]
        tos = c.to_s[(c.to_s >= 0) & (c.to_s < t_end)]
        events[s] = {"ic_s": ics, "ic_frame": np.round(ics * r.fps).astype(int),
                     "to_s": tos, "to_frame": np.round(tos * r.fps).astype(int)}
    d = plan.dims
    truth = {
        "schema": SCHEMA,
        "generator": f"formcheck.synth {__version__} (revision {SYNTH_REVISION})",
        "spec": spec.to_dict(),
        "video": {"width_px": cam.width_px, "height_px": cam.height_px, "fps": r.fps,
                  "container_fps": r.file_fps, "n_frames": n, "seconds": t_end,
                  "rotation_deg": 90 if r.portrait else 0,
                  "note": "pixel positions are in the upright frame (display rotation applied)"},
        "body": {"height_m": d.height, "leg_length_m": d.leg + d.ankle_h, "thigh_m": d.thigh, "shank_m": d.shank,
                 "hip_width_m": 2 * d.hip_half, "shoulder_width_m": 2 * d.shoulder_half,
                 "note": "leg length = hip joint centre to floor, standing; widths between joint centres"},
        "gait": {"speed_mps": plan.speed_mps, "treadmill": spec.scene.background == "treadmill",
                 "overground": spec.scene.overground},
        "camera": {"azimuth_deg": spec.camera.azimuth, "position_m": cam.C, "f_px": cam.f_px,
                   "rotation_world_to_cam": cam.R},
        "events": events,
        "metrics": compute_metrics(plan, t_end),
        "frames": {
            "t_s": t,
            "landmark_names": list(LANDMARK_NAMES),
            "xy_px": np.round(uv, 2),
            "depth_m": np.round(depth, 4),
            "in_frame": in_frame.all(axis=1),
            "body_height_px": np.round(body_px, 2),
            "waistband_px": {s: np.round(wb_uv[s], 2) for s in SIDES},
            "pelvis_obliquity_deg": np.round(obl, 3),
            "shoulder_obliquity_deg": np.round(sh, 3),
            "in_stance": {s: sk.stance[s] for s in SIDES},
        },
    }
    return _r(truth)
