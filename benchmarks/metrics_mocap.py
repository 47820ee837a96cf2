"""Side-view metrics against treadmill mocap with force-plate contacts (RBDS001 T25 and T35, 2.5 and 3.5 m/s).

``events_mocap.py`` checks the events alone; this runs the whole pure core (``formcheck.analyze_pose``:
cleaning, view, events, contact sides, strides, metrics, summaries) on the same virtual side camera
(markers -> BlazePose-like points, ``landmarks_3d_static``; pinhole 3.5 m to the runner's left, left
leg near; 60 and 120 fps; 3 px landmark noise, 1.5x on the far leg) and compares every side-view
metric with its value on the 3D points at the force-plate events:

* timing (``cadence_spm``, ``step_time_s``, ``stride_time_s``, ``contact_time_s``,
  ``flight_time_s``, ``duty_factor``): force-plate contacts (``events_mocap.TRIALS``: T25 Fy 30/200
  N, T35 the same fractions of its unscaled channel's stance peak), each assigned to the foot lower
  at mid-stance; per side, a step and its flight belong to the foot that lands;
* ``stride_length_m``: belt speed (the trial's) x stride time, as the analysis is told the speed;
* at each true IC (near = left leg, the one the near-leg-only metrics report): ``overstride_leg`` /
  ``overstride_cm`` (heel ahead of the hip-joint-centre midpoint along the belt, / the standing hip
  height from the static trial), ``shank_angle_ic_deg`` and the sagittal foot angle (heel and toe
  tip at sole level, so the flat foot is ~0 and ``foot_strike_angle_deg`` is the angle at IC),
  ``knee_flexion_ic_deg`` (3D hip-knee-ankle angle, as the synthetic truth);
* at each true TO: ``thigh_extension_to_deg`` (hip midpoint -> knee from vertical, sagittal);
* per stride: ``vertical_oscillation_cm`` (range of the hip midpoint height).

It also prints how the knee and the toe move around the events on this real runner and on the
renderer's exact skeleton (``RENDERED_CASES``): the knee's least flexion before IC and its rate at IC,
the knee's peak extension relative to TO and the toe's first rise after TO. Those set how much a
landmark lag or an event error costs on each.

Truth summaries are means over the contacts (as ``formcheck.synth.truth``); the analysis reports
medians. Trunk lean is not checked: the trial has no trunk markers (the shoulders are placed above
the pelvis). What this measures is the pipeline on real running kinematics with clean, noisy
landmarks; the pose model's own error is measured on the rendered clips (``accuracy.py``,
``ic_metrics_decomposition.py``).

Run: ``python benchmarks/metrics_mocap.py [--data DIR] [--seeds N] [--json PATH]`` (about 10 s).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from events_mocap import (
    DATA,
    MARKER_HZ,
    TRIALS,
    landmarks_3d_static,
    project_side,
    synth_pose,
)

from formcheck.geometry import joint_flexion_deg
from formcheck.landmarks import Landmark as L

HEIGHT_M = 1.81  # BMCRIC_RBDSinfo.txt, subject 1
X, Y = 0, 1  # lab axes: X forward, Y up
RENDERED_CASES = ("side/typical/60fps", "side/low_cadence_overstride/60fps")  # compared around the events


def _pt(p3: np.ndarray, name: str, side: str | None = None) -> np.ndarray:
    return p3[:, int(L[f"{side.upper()}_{name}" if side else name])]


def _at(a: np.ndarray, t_s: float) -> np.ndarray:
    """(…) value of a 150 Hz series linearly interpolated at ``t_s``."""
    f = t_s * MARKER_HZ
    i = int(np.clip(np.floor(f), 0, len(a) - 2))
    w = f - i
    return (1 - w) * a[i] + w * a[i + 1]


def truth_contacts(p3: np.ndarray, grf: pd.DataFrame) -> pd.DataFrame:
    """Force-plate contacts with the foot that made each (lower heel at mid-stance)."""
    heel_l, heel_r = _pt(p3, "HEEL", "left")[:, Y], _pt(p3, "HEEL", "right")[:, Y]
    side = ["left" if _at(heel_l, m) < _at(heel_r, m) else "right" for m in (grf.ic_s + grf.tc_s) / 2]
    return grf.assign(side=side).sort_values("ic_s").reset_index(drop=True)


def truth_metrics(p3: np.ndarray, c: pd.DataFrame, *, hip_height_m: float, belt_mps: float) -> dict[str, dict[str, float]]:
    """{metric: {"value", "left", "right"}} on the 3D points at the force-plate events (means);
    ``hip_height_m`` = standing hip-joint-centre height, the leg length of ``overstride_leg``."""
    per: dict[str, dict[str, list[float]]] = {}

    def add(name, side, v):
        per.setdefault(name, {"left": [], "right": []})[side].append(float(v))

    hip_mid = 0.5 * (_pt(p3, "HIP", "left") + _pt(p3, "HIP", "right"))
    for r in c.itertuples():
        s = r.side
        nxt_same = c[(c.side == s) & (c.ic_s > r.ic_s)]
        prev_other = c[(c.side != s) & (c.ic_s < r.ic_s)]
        add("contact_time_s", s, r.tc_s - r.ic_s)
        if len(prev_other):
            add("step_time_s", s, r.ic_s - prev_other.ic_s.iloc[-1])
            add("flight_time_s", s, r.ic_s - prev_other.tc_s.iloc[-1])
        if len(nxt_same):
            stride = nxt_same.ic_s.iloc[0] - r.ic_s
            if stride < 1.2:
                add("stride_time_s", s, stride)
                add("duty_factor", s, (r.tc_s - r.ic_s) / stride)
                add("stride_length_m", s, belt_mps * stride)
                seg = hip_mid[round(r.ic_s * MARKER_HZ):round(nxt_same.ic_s.iloc[0] * MARKER_HZ) + 1, Y]
                add("vertical_oscillation_cm", s, (np.nanmax(seg) - np.nanmin(seg)) / 10.0)
        hm = _at(hip_mid, r.ic_s)
        heel, toe = _at(_pt(p3, "HEEL", s), r.ic_s), _at(_pt(p3, "FOOT_INDEX", s), r.ic_s)
        knee, ankle, hip = (_at(_pt(p3, n, s), r.ic_s) for n in ("KNEE", "ANKLE", "HIP"))
        add("overstride_cm", s, (heel[X] - hm[X]) / 10.0)
        add("overstride_leg", s, (heel[X] - hm[X]) / 1000.0 / hip_height_m)
        add("shank_angle_ic_deg", s, np.degrees(np.arctan2(ankle[X] - knee[X], knee[Y] - ankle[Y])))
        add("knee_flexion_ic_deg", s, joint_flexion_deg(hip, knee, ankle))
        add("foot_strike_angle_deg", s, np.degrees(np.arctan2(toe[Y] - heel[Y], toe[X] - heel[X])))
        hm_to, knee_to = _at(hip_mid, r.tc_s), _at(_pt(p3, "KNEE", s), r.tc_s)
        add("thigh_extension_to_deg", s, -np.degrees(np.arctan2(knee_to[X] - hm_to[X], hm_to[Y] - knee_to[Y])))
    out = {}
    for name, d in per.items():
        lv, rv = np.array(d["left"]), np.array(d["right"])
        out[name] = {"value": float(np.mean(np.concatenate([lv, rv]))), "left": float(np.mean(lv)), "right": float(np.mean(rv))}
    steps = np.concatenate([per["step_time_s"]["left"], per["step_time_s"]["right"]])
    out["cadence_spm"] = {"value": 60.0 / float(np.mean(steps)),  # per side: 120 / stride time, as METRICS
                          "left": 120.0 / float(np.mean(per["stride_time_s"]["left"])),
                          "right": 120.0 / float(np.mean(per["stride_time_s"]["right"]))}
    return out


def _event_kinematics(knee_at, toe_z_at, ic_s, tc_s) -> dict[str, float]:
    """Knee and toe around one contact, from callables of time (knee flexion [deg], toe height [m])."""
    t = np.arange(-0.060, 0.0005, 0.001)
    k = knee_at(ic_s + t)
    j = int(np.argmin(k))
    k_ic = float(k[-1])
    t2 = np.arange(-0.100, 0.0305, 0.001)
    k2 = knee_at(tc_s + t2)
    return {"least_flexion_before_ic_ms": -1000 * float(t[j]), "rise_to_ic_deg": k_ic - float(k[j]),
            "rate_at_ic_deg_s": float((knee_at(np.array([ic_s + 0.002]))[0] - knee_at(np.array([ic_s - 0.002]))[0]) / 0.004),
            "flexion_13ms_after_ic_deg": float(knee_at(np.array([ic_s + 0.013]))[0]) - k_ic,
            "knee_peak_extension_vs_to_ms": 1000 * float(t2[int(np.argmin(k2))]),
            "toe_rise_13ms_after_to_mm": 1000 * float(toe_z_at(np.array([tc_s + 0.013]))[0] - toe_z_at(np.array([tc_s]))[0])}


def kinematics_around_events(p3: np.ndarray, c: pd.DataFrame) -> dict[str, float]:
    """Medians over the trial's contacts of ``_event_kinematics`` (3D knee angle, toe tip height)."""
    t150 = np.arange(len(p3)) / MARKER_HZ
    rows = []
    for r in c.itertuples():
        if r.ic_s < 0.2 or r.tc_s > t150[-1] - 0.2:
            continue
        H, K, A = (_pt(p3, n, r.side) for n in ("HIP", "KNEE", "ANKLE"))
        flex = joint_flexion_deg(H, K, A)
        toe = _pt(p3, "FOOT_INDEX", r.side)[:, Y] / 1000.0
        rows.append(_event_kinematics(lambda t, f=flex: np.interp(t, t150, f), lambda t, z=toe: np.interp(t, t150, z), r.ic_s, r.tc_s))
    return pd.DataFrame(rows).median().to_dict()


def renderer_kinematics_around_events(case_name: str) -> dict[str, float]:
    """The same on the renderer's exact skeleton (``formcheck.synth``) of an accuracy-grid case."""
    from accuracy import grid

    from formcheck.synth.kinematics import plan_gait, skeleton_at
    from formcheck.synth.truth import _knee_flexion

    spec = {c.name: c for c in grid(False)}[case_name].spec
    plan = plan_gait(spec.gait, spec.body, spec.render.seconds, spec.seed)
    rows = []
    for side, c in plan.contacts.items():
        for ic, tc in zip(c.ic_s[2:-3], c.to_s[2:-3]):
            rows.append(_event_kinematics(lambda t, s=side: _knee_flexion(skeleton_at(plan, t), s),
                                          lambda t, s=side: skeleton_at(plan, t).points[f"foot_index_{s}"][:, 2], ic, tc))
    return pd.DataFrame(rows).median().to_dict()


def static_hip_height_m(static: pd.DataFrame) -> float:
    """Standing hip-joint-centre height [m] (Harrington regression on the static trial)."""
    p = landmarks_3d_static(static, static)
    return float(np.nanmedian(0.5 * (_pt(p, "HIP", "left")[:, Y] + _pt(p, "HIP", "right")[:, Y]))) / 1000.0


def run(data: Path, *, seeds: int = 2, fps_list=(60.0, 120.0), trial: str = "T25") -> tuple[pd.DataFrame, dict]:
    import formcheck
    from formcheck.types import RunnerInfo

    belt_mps, load, force_contacts = TRIALS[trial]
    static = pd.read_csv(data / "BMCRIC_RBDS001static.txt", sep="\t")
    p3 = landmarks_3d_static(load(data), static)
    contacts = truth_contacts(p3, force_contacts(data))
    hip_h = static_hip_height_m(static)
    truth = truth_metrics(p3, contacts, hip_height_m=hip_h, belt_mps=belt_mps)
    xy150 = project_side(p3)
    runner = RunnerInfo(view="side", height_m=HEIGHT_M, treadmill_speed_mps=belt_mps)
    rows = []
    for fps in fps_list:
        for seed in range(seeds):
            a = formcheck.analyze_pose(synth_pose(xy150, fps, noise_px=3.0, seed=seed), runner)
            for name, tv in truth.items():
                m = a.metrics.get(name)
                if m is None:
                    continue
                for part in ("value", "left", "right"):
                    est = m.value if part == "value" else getattr(getattr(m, part, None), "value", np.nan)
                    rows.append({"trial": trial, "fps": fps, "seed": seed, "metric": name, "part": part, "estimate": float(est),
                                 "truth": tv[part], "error": float(est) - tv[part],
                                 "confidence": float(m.confidence)})
    res = pd.DataFrame(rows)
    return res, {"trial": trial, "truth": truth, "contacts": len(contacts), "static_hip_height_m": hip_h,
                 "kinematics_around_events": kinematics_around_events(p3, contacts)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--json", type=Path, default=Path(__file__).resolve().parent / "results" / "metrics_mocap.json")
    args = ap.parse_args(argv)
    pd.set_option("display.width", 220)
    pd.set_option("display.float_format", lambda v: f"{v:9.3f}")
    runs = [run(args.data, seeds=args.seeds, trial=t) for t in TRIALS]
    kin = {}
    for res, info in runs:
        tab = (res.groupby(["metric", "part", "fps"]).agg(estimate=("estimate", "mean"), truth=("truth", "first"),
                                                        error=("error", "mean"), conf=("confidence", "mean"))
               .unstack("fps"))
        print(f"\nRBDS001 {info['trial']}, {info['contacts']} force-plate contacts; estimate = analysis "
              f"(mean over {args.seeds} noise seeds)")
        print(tab.to_string())
        kin[f"mocap RBDS001 {info['trial']}"] = info.pop("kinematics_around_events")
    for case in RENDERED_CASES:
        kin[f"rendered {case}"] = renderer_kinematics_around_events(case)
    print("\nknee and toe around the events (medians over contacts; rendered = the renderer's exact skeleton)")
    print(pd.DataFrame(kin).to_string(float_format=lambda v: f"{v:8.1f}"))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    res = pd.concat([r for r, _ in runs])
    out = {"trials": [i for _, i in runs], "kinematics_around_events": kin,
           "rows": res.groupby(["trial", "metric", "part", "fps"]).agg(
               estimate=("estimate", "mean"), truth=("truth", "first"), error=("error", "mean")).reset_index().to_dict("records")}
    args.json.write_text(json.dumps(out, indent=1, default=float))
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
