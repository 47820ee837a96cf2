"""Where the error of the metrics read at initial contact comes from, on rendered synthetic runners.

For every side-view clip of the accuracy grid (``benchmarks/accuracy.py``, 60 fps and the other
frame rates) and the sample clip (``sample_videos/side_treadmill.mp4``), each per-stride metric taken
at IC (knee flexion, overstride, shank angle, foot strike angle) is evaluated three ways with the
same production code (``formcheck.metrics.side_stride_metrics``):

(a) **truth** landmarks (the renderer's projected joint centres and foot points) at the **true** IC
    times: what the 2D definition gives on perfect landmarks (projection and definition effects);
(b) **cleaned BlazePose** landmarks (``Analysis.clean``) at the **true** IC times: adds the
    landmark error;
(c) the **analysis** itself (cleaned landmarks at the **detected** IC times): adds the IC timing
    error.

Every per-stride value is compared with the exact 3D truth of the same contact (recomputed from the
clip's spec by ``formcheck.synth.kinematics``, no re-rendering); (c) strides are matched to the
nearest true IC of the same foot. Rows give MAE and bias (estimate - truth) per method and leg
(near = the leg nearer the camera), plus the clip-summary error the accuracy benchmark reports
(median over strides vs mean truth).

Usage::

    python benchmarks/ic_metrics_decomposition.py [--only SUBSTR] [--json PATH] [--per-stride] [--unsmoothed]
        [--model lite|full|heavy]

Clips and poses come from the accuracy benchmark's caches (run it once first); about 10 s then.
``--unsmoothed`` is a what-if: the same analysis on BlazePose landmarks estimated without the
landmarker's temporal smoothing (``unsmoothed_pose``; about 25 s of pose estimation per clip the
first time, then cached); ``--model heavy`` uses the larger BlazePose (about 3x the pose time).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

METRICS = ("knee_flexion_ic_deg", "overstride_leg", "overstride_cm", "shank_angle_ic_deg", "foot_strike_angle_deg")
SAMPLE = ROOT / "sample_videos" / "side_treadmill.mp4"
DEFAULT_WORK = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "formcheck" / "ic-decomposition"


def truth_per_contact(spec, ic_s: np.ndarray, side: str) -> dict[str, np.ndarray]:
    """Exact 3D metric values of the contacts of ``side`` at times ``ic_s`` (definitions of
    ``formcheck.synth.truth.compute_metrics``)."""
    from formcheck.synth.kinematics import plan_gait, skeleton_at
    from formcheck.synth.truth import _knee_flexion

    plan = plan_gait(spec.gait, spec.body, spec.render.seconds, spec.seed)
    sk = skeleton_at(plan, np.asarray(ic_s, float))
    P = sk.points
    d = plan.dims
    os_m = P[f"heel_{side}"][:, 0] - P["hip_mid"][:, 0]
    ank, kn = P[f"ankle_{side}"], P[f"knee_{side}"]
    toe, heel = P[f"foot_index_{side}"], P[f"heel_{side}"]
    return {
        "knee_flexion_ic_deg": _knee_flexion(sk, side),
        "overstride_leg": os_m / (d.leg + d.ankle_h),
        "overstride_cm": 100 * os_m,
        "shank_angle_ic_deg": np.degrees(np.arctan2(ank[:, 0] - kn[:, 0], kn[:, 2] - ank[:, 2])),
        "foot_strike_angle_deg": np.degrees(np.arctan2(toe[:, 2] - heel[:, 2], toe[:, 0] - heel[:, 0])),
    }


def truth_strides(truth: dict, t_end_s: float) -> pd.DataFrame:
    """Strides (IC to next IC of the same foot, the other foot's IC in between) from the true events,
    with the columns ``side_stride_metrics`` reads."""
    ev = truth["events"]
    rows = []
    for s, o in (("left", "right"), ("right", "left")):
        ic, to = np.asarray(ev[s]["ic_s"], float), np.asarray(ev[s]["to_s"], float)
        oic = np.asarray(ev[o]["ic_s"], float)
        for k in range(len(ic) - 1):
            t0, t1 = ic[k], ic[k + 1]
            tc = to[(to > t0) & (to < t1)]
            mid = oic[(oic > t0) & (oic < t1)]
            if not len(tc) or not len(mid) or t1 >= t_end_s:
                continue
            rows.append({"side": s, "start_s": t0, "end_s": t1, "tc_s": tc[0], "other_ic_s": mid[0],
                         "stride_time_s": t1 - t0, "contact_time_s": tc[0] - t0, "step_time_s": mid[0] - t0})
    return pd.DataFrame(rows).sort_values("start_s").reset_index(drop=True)


def cases(only: str) -> list[tuple[str, Path, dict, object, object]]:
    """(name, clip, truth, RunnerInfo, SynthSpec) for the side clips of the grid and the sample clip."""
    import accuracy

    from formcheck.synth.params import SynthSpec
    from formcheck.types import RunnerInfo

    out = []
    for c in accuracy.grid(reduced=False):
        if c.view != "side" or only not in c.name:
            continue
        path = accuracy._clip_path(accuracy.DEFAULT_WORK, c)
        if not path.exists():
            path, _, _ = accuracy.render(c, accuracy.DEFAULT_WORK)
        truth = json.loads(path.with_name(path.stem + ".truth.json").read_text())
        sp = c.spec
        runner = RunnerInfo(view="side", height_m=sp.body.height_m,
                            treadmill_speed_mps=truth["gait"]["speed_mps"] if truth["gait"]["treadmill"] else None,
                            capture_fps=sp.render.fps if sp.render.container_fps else None)
        out.append((c.name, path, truth, runner, sp))
    if SAMPLE.exists() and only in "sample/side_treadmill":
        truth = json.loads(SAMPLE.with_name("side_treadmill.truth.json").read_text())
        runner = RunnerInfo(treadmill_speed_mps=truth["gait"]["speed_mps"])  # as tests/test_side_rendered.py
        out.append(("sample/side_treadmill", SAMPLE, truth, runner, SynthSpec.from_dict(truth["spec"])))
    return out


LEG_PAIRS = ("KNEE", "ANKLE", "HEEL", "FOOT_INDEX")


def relabel_legs_to_truth(xy: np.ndarray, txy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``xy`` with the knee/ankle/heel/toe labels exchanged on frames where the exchanged labels fit
    the truth better (judged on the ankles, heels and toes, which are apart for most of a stride), so
    that (b) measures landmark error, not leg labelling; and the (T,) swapped mask."""
    from formcheck.landmarks import Landmark as L

    lr = [(int(L[f"LEFT_{j}"]), int(L[f"RIGHT_{j}"])) for j in ("ANKLE", "HEEL", "FOOT_INDEX")]
    e = sum(np.linalg.norm(xy[:, [a, b]] - txy[:, [a, b]], axis=-1).sum(1) for a, b in lr)
    es = sum(np.linalg.norm(xy[:, [b, a]] - txy[:, [a, b]], axis=-1).sum(1) for a, b in lr)
    sw = es < e
    out = np.array(xy, float)
    for j in LEG_PAIRS:
        a, b = int(L[f"LEFT_{j}"]), int(L[f"RIGHT_{j}"])
        out[np.ix_(sw, [a, b])] = out[np.ix_(sw, [b, a])]
    return out, sw


UNSMOOTHED_STEP_S = 100.0  # timestamp step that turns off the landmarker's temporal smoothing


def unsmoothed_pose(path: Path, runner, work: Path, model: str = "full"):
    """The clip's pose with BlazePose's temporal landmark smoothing turned off.

    In VIDEO mode MediaPipe smooths the landmarks with a causal one-euro filter driven by the frame
    timestamps, which delays fast-moving landmarks by 10-20 ms. Feeding timestamps 100 s apart
    makes the filter pass every frame through unchanged while keeping the tracking (the region of
    interest from the previous frame). Cached as ``<clip>-<content hash>.unsmoothed-<model>.npy`` in ``work``.
    """
    import dataclasses

    from formcheck.config import PoseConfig
    from formcheck.pipeline import estimate
    from formcheck.pose import PoseEstimator
    from formcheck.video import iter_frames

    pose, _, _ = estimate(path, runner)
    digest = hashlib.sha1(path.read_bytes()).hexdigest()[:12]  # the sample's name outlives re-renders
    cache = work / f"{path.stem}-{digest}.unsmoothed-{model}.npy"
    if cache.exists():
        xy = np.load(cache)
    else:
        rows = []
        with PoseEstimator(PoseConfig(model=model)) as est:
            for idx, _t, rgb in iter_frames(pose.meta):
                rows.append(est(rgb, idx * UNSMOOTHED_STEP_S)[0])
        xy = np.array(rows)
        work.mkdir(parents=True, exist_ok=True)
        np.save(cache, xy)
    return dataclasses.replace(pose, xy=xy[np.asarray(pose.frame)])


def decompose(name: str, path: Path, truth: dict, runner, spec, *, unsmoothed: bool = False,
              work: Path | None = None, model: str = "full") -> pd.DataFrame:
    """One row per (method, stride): side, near flag, estimate and truth of each metric."""
    import formcheck
    from formcheck import geometry as g
    from formcheck import metrics as mx
    from formcheck.contact_sides import near_side
    from formcheck.landmarks import Landmark as L
    from formcheck.views import facing_sign

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if unsmoothed:
            from formcheck.pipeline import analyze_pose

            a = analyze_pose(unsmoothed_pose(path, runner, work, model), runner)
        else:
            from formcheck.config import AnalysisConfig, PoseConfig

            a = formcheck.analyze(path, runner, AnalysisConfig(pose=PoseConfig(model=model)))
    clean = a.clean
    F = truth["frames"]
    t_truth = np.asarray(F["t_s"], float)
    # the analysis time axis is capture time: map the truth frame times onto it by frame index
    t_clean = np.asarray(clean.t_s, float)
    frames = np.asarray(clean.frame, int)
    scale = np.polyfit(t_truth[frames], t_clean, 1) if len(frames) > 2 else (1.0, 0.0)

    def to_clean(t):
        return np.polyval(scale, t)

    facing = facing_sign(clean.xy)
    near = near_side(facing)
    txy = np.asarray(F["xy_px"], float)
    leg_truth_px = g.leg_length_px(txy[:, L[f"{near.upper()}_HIP"]], txy[:, L[f"{near.upper()}_KNEE"]],
                                   txy[:, L[f"{near.upper()}_ANKLE"]])
    xy, swapped = relabel_legs_to_truth(clean.xy, txy[frames])
    leg_px = g.leg_length_px(xy[:, L[f"{near.upper()}_HIP"]], xy[:, L[f"{near.upper()}_KNEE"]],
                             xy[:, L[f"{near.upper()}_ANKLE"]])
    kw = {"facing": facing, "treadmill_speed_mps": runner.treadmill_speed_mps}
    height_m = spec.body.height_m
    ts = truth_strides(truth, t_truth[-1])
    ts_clean = ts.copy()
    for col in ("start_s", "end_s", "tc_s", "other_ic_s"):
        ts_clean[col] = to_clean(ts[col].to_numpy())
    for col in ("stride_time_s", "contact_time_s", "step_time_s"):
        ts_clean[col] = ts[col] * scale[0]
    ref = {s: truth_per_contact(spec, ts.start_s[ts.side == s].to_numpy(), s) for s in ("left", "right")}

    rows = []

    def add(method: str, strides: pd.DataFrame, cols: pd.DataFrame, t_ic_truth: np.ndarray, side_ref_idx):
        for i, (r, k) in enumerate(zip(strides.itertuples(), side_ref_idx)):
            if k is None:
                continue
            row = {"clip": name, "method": method, "side": r.side, "near": r.side == near,
                   "label_ok": getattr(r, "label_side", r.side) == r.side, "swapped_frames_frac": float(swapped.mean()),
                   "ic_err_frames": (t_ic_truth[i] - ts.start_s[ts.side == r.side].to_numpy()[k]) * spec.render.fps}
            for m in METRICS:
                row[m] = float(cols[m].iloc[i]) if m in cols else np.nan
                row[f"{m}_truth"] = float(ref[r.side][m][k])
            rows.append(row)

    idx_t = [int(np.flatnonzero(np.flatnonzero(ts.side == r.side) == j)[0]) for j, r in enumerate(ts.itertuples())]
    # (a) truth landmarks at truth IC (truth time axis)
    cols_a = mx.side_stride_metrics(txy, t_truth, ts, leg_px=leg_truth_px,
                                    m_per_px=g.m_per_px_from_height(leg_truth_px, height_m), **kw)
    add("a_truth_lm", ts, cols_a, ts.start_s.to_numpy(), idx_t)
    # (b) cleaned landmarks at truth IC
    cols_b = mx.side_stride_metrics(xy, t_clean, ts_clean, leg_px=leg_px,
                                    m_per_px=g.m_per_px_from_height(leg_px, height_m), **kw)
    add("b_clean_lm_true_ic", ts, cols_b, ts.start_s.to_numpy(), idx_t)
    # (c) the analysis (detected IC): match each stride to the nearest true IC of its foot
    st = a.strides
    t_det = np.polyval([1 / scale[0], -scale[1] / scale[0]], st.start_s.to_numpy())
    idx_c = []
    sides_c = []
    for r, tdet in zip(st.itertuples(), t_det):
        # nearest true IC of either foot: a stride labelled with the wrong foot is still measured on
        # the leg that lands, so it is compared with that leg's truth
        j = int(np.argmin(np.abs(ts.start_s.to_numpy() - tdet)))
        ok = abs(ts.start_s[j] - tdet) < 0.5 * np.median(ts.step_time_s)
        idx_c.append(idx_t[j] if ok else None)
        sides_c.append(ts.side[j])
    st_c = st.reset_index(drop=True).assign(label_side=st.side.to_numpy(), side=sides_c)
    add("c_analysis", st_c, st_c, t_det, idx_c)
    df = pd.DataFrame(rows)
    # how much the exact 3D truth changes one frame before / after the true IC
    sens = {}
    for sd in ("left", "right"):
        ics = ts.start_s[ts.side == sd].to_numpy()
        for k, dt in (("minus1", -1.0 / spec.render.fps), ("plus1", 1.0 / spec.render.fps)):
            shifted = truth_per_contact(spec, ics + dt, sd)
            for m in ("knee_flexion_ic_deg", "overstride_leg"):
                sens.setdefault(f"{m}.{k}", []).extend(shifted[m] - ref[sd][m])
    df.attrs["timing"] = {k: float(np.mean(v)) for k, v in sens.items()}
    # clip summaries as the accuracy benchmark computes them (median over strides vs the truth mean)
    df.attrs["summary"] = {m: (a.metrics[m].value, truth["metrics"][m]["value"]) for m in METRICS if m in a.metrics}
    return df


def table(df: pd.DataFrame, metric: str) -> pd.DataFrame:
    e = df[metric] - df[f"{metric}_truth"]
    d = df.assign(err=e, abs_err=e.abs(), leg=np.where(df.near, "near", "far"))
    out = []
    for keys, grp in [(("all",), d)] + list(d.groupby("leg")):
        leg = keys[0] if isinstance(keys, tuple) else keys
        for m, gm in grp.groupby("method"):
            per_clip = gm.groupby("clip")["err"].mean()
            out.append({"metric": metric, "leg": leg, "method": m, "n": len(gm), "mae": gm.abs_err.mean(),
                        "bias": gm.err.mean(), "p90_abs": gm.abs_err.quantile(0.9),
                        "clip_bias_max_abs": per_clip.abs().max()})
    return pd.DataFrame(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", default="", help="substring filter on clip names")
    ap.add_argument("--json", type=Path, default=None, help="write per-stride rows and tables as JSON")
    ap.add_argument("--per-stride", action="store_true", help="print every stride")
    ap.add_argument("--no-sample", action="store_true", help="leave out the sample clip")
    ap.add_argument("--model", default="full", choices=("lite", "full", "heavy"), help="BlazePose variant")
    ap.add_argument("--unsmoothed", action="store_true",
                    help="what-if: BlazePose without its temporal landmark smoothing (estimated once, cached)")
    args = ap.parse_args(argv)
    from formcheck.errors import FormcheckError

    dfs, summaries, timing = [], {}, {}
    for name, path, truth, runner, spec in cases(args.only):
        if args.no_sample and name.startswith("sample"):
            continue
        try:
            df = decompose(name, path, truth, runner, spec, unsmoothed=args.unsmoothed, work=DEFAULT_WORK,
                           model=args.model)
        except FormcheckError as e:
            print(f"{name}: refused by the analysis ({type(e).__name__}: {e})")
            continue
        dfs.append(df)
        summaries[name] = df.attrs["summary"]
        timing[name] = df.attrs["timing"]
    df = pd.concat(dfs, ignore_index=True)
    pd.set_option("display.width", 200)
    pd.set_option("display.max_rows", 500)
    grid = df[~df["clip"].str.startswith("sample")]
    for label, part in (("grid side clips", grid), ("sample clip", df[df["clip"].str.startswith("sample")])):
        if part.empty:
            continue
        print(f"== {label}: {part['clip'].nunique()} clips, per-stride errors (estimate - 3D truth)")
        for m in METRICS:
            print(table(part, m).to_string(index=False, float_format=lambda x: f"{x:8.3f}"))
        print()
    print("== per clip, per leg: bias (a) truth landmarks / (b) clean at true IC / (c) analysis; c: IC error [frames]")
    for m in ("knee_flexion_ic_deg", "overstride_leg"):
        e = df.assign(err=df[m] - df[f"{m}_truth"], leg=np.where(df.near, "near", "far"))
        pv = e.pivot_table(index=["clip", "leg"], columns="method", values="err", aggfunc="mean")
        icf = e[e.method == "c_analysis"].groupby(["clip", "leg"]).ic_err_frames.mean().rename("ic_err_fr")
        lab = e[e.method == "c_analysis"].groupby(["clip", "leg"]).label_ok.mean().rename("labels_ok")
        print(m)
        print(pv.join(icf).join(lab).to_string(float_format=lambda x: f"{x:8.3f}"))
        print()
    print("== exact 3D truth one frame before (minus1) / after (plus1) the true IC, minus its value at IC")
    print(pd.DataFrame(timing).T.to_string(float_format=lambda x: f"{x:8.3f}"))
    print()
    print("== clip summaries (analysis median vs truth mean), as in benchmarks/accuracy.py")
    for m in ("knee_flexion_ic_deg", "overstride_leg"):
        errs = np.array([v[m][0] - v[m][1] for v in summaries.values() if m in v and not np.isnan(v[m][0])])
        names = [k for k, v in summaries.items() if m in v and not np.isnan(v[m][0])]
        gi = [i for i, k in enumerate(names) if not k.startswith("sample")]
        si = [i for i, k in enumerate(names) if k.startswith("sample")]
        if gi:
            print(f"{m:24} grid MAE {np.mean(np.abs(errs[gi])):7.3f} max {np.max(np.abs(errs[gi])):7.3f} "
                  f"bias {np.mean(errs[gi]):+7.3f}" + (f"   sample {errs[si[0]]:+7.3f}" if si else ""))
        elif si:
            print(f"{m:24} sample {errs[si[0]]:+7.3f}")
    if args.per_stride:
        print(df.to_string(float_format=lambda x: f"{x:7.3f}"))
    if args.json:
        args.json.write_text(json.dumps({"rows": df.to_dict(orient="records"), "summaries": summaries},
                                        indent=1, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main())
