"""Accuracy of formcheck against synthetic runners with exact ground truth.

Renders a grid of clips (views x frame rates x gait deviations) with ``formcheck.synth``, runs the
real analysis path (``formcheck.analyze``) on each, and compares

* landmarks: detection rate, error of hips/knees/ankles/shoulders vs the truth joints (as a fraction
  of body height), rear/front hip and shoulder width ratios, left/right swaps;
* every summary metric present both in the truth and in ``analysis.metrics`` with a finite value:
  n clips, mean absolute error, max absolute error, bias (estimate - truth);
* gait events: each true initial contact (IC) whose toe-off (TO) lies inside the clip is matched to
  the nearest detected IC (either foot: the side is scored separately as ``n_wrong_side``) within
  half a step; per clip the matched count, median
  signed and median absolute IC and TO errors (detected - true) in ms and in capture frames, and
  the cadence of ``formcheck.events.cadence_spm_from_strides`` on the analysis's strides; per view
  the same pooled over the contacts of all its clips.

Usage::

    python benchmarks/accuracy.py              # full grid, 26 clips (< 18 min on 2 cores)
    python benchmarks/accuracy.py --reduced    # 3 short clips (test suite, < 3 min)

Writes ``benchmarks/results/accuracy.json`` (or ``--json PATH``). Clips are cached in
``--work-dir`` (default ``~/.cache/formcheck/accuracy-clips``) keyed by their spec, so a re-run only
re-analyses (and formcheck's pose cache may skip pose estimation too).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_JSON = ROOT / "benchmarks" / "results" / "accuracy.json"
DEFAULT_WORK = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "formcheck" / "accuracy-clips"


@dataclass(frozen=True)
class Case:
    name: str
    view: str
    spec: object  # SynthSpec


def _deviations():
    from formcheck.synth.params import GaitParams

    return {
        "typical": GaitParams(),
        "low_cadence_overstride": GaitParams(cadence_spm=150, speed_mps=2.8, overstride_cm=28,
                                             knee_flexion_ic_deg=8, foot_strike_angle_deg=18),
        "high_pelvic_drop": GaitParams(pelvic_drop_deg=11, lateral_lean_deg=3),
        "crossover": GaitParams(foot_offset_cm=-3, arm_cross_deg=22),
        "forward_lean": GaitParams(trunk_lean_deg=16),
    }


def grid(reduced: bool) -> list[Case]:
    from formcheck.synth.params import CameraParams, RenderParams, SynthSpec

    dev = _deviations()
    cases = []
    if reduced:
        for view in ("side", "rear", "front"):
            cases.append(Case(f"{view}/typical/30fps", view, SynthSpec(
                gait=dev["typical"], camera=CameraParams(view=view), render=RenderParams(fps=30, seconds=4), seed=11)))
        return cases
    seed = 100
    for view in ("side", "rear", "front"):
        for name, g in dev.items():
            seed += 1
            cases.append(Case(f"{view}/{name}/60fps", view, SynthSpec(
                gait=g, camera=CameraParams(view=view), render=RenderParams(fps=60, seconds=8), seed=seed)))
        for fps, secs in ((30, 8), (120, 6)):
            seed += 1
            cases.append(Case(f"{view}/typical/{fps}fps", view, SynthSpec(
                gait=dev["typical"], camera=CameraParams(view=view), render=RenderParams(fps=fps, seconds=secs),
                seed=seed)))
        seed += 1  # phone slow motion: 240 fps capture stored at 30 fps
        cases.append(Case(f"{view}/slowmo_240in30", view, SynthSpec(
            gait=dev["typical"], camera=CameraParams(view=view),
            render=RenderParams(fps=240, container_fps=30, seconds=4), seed=seed)))
    # the same runners filmed from their left side: the light is fixed to the camera (so they are lit
    # from the front), the pose model is not mirror-symmetric, and a side view's contact posture comes
    # from the near leg, here the left one
    for name in ("typical", "low_cadence_overstride"):
        seed += 1
        cases.append(Case(f"side/{name}/60fps_facing_left", "side", SynthSpec(
            gait=dev[name], camera=CameraParams(view="side", facing="left"), render=RenderParams(fps=60, seconds=8),
            seed=seed)))
    return cases


def _clip_path(work: Path, case: Case) -> Path:
    from formcheck.synth import SYNTH_REVISION

    spec = dict(case.spec.to_dict(), synth_revision=SYNTH_REVISION)
    key = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]
    return work / f"{case.name.replace('/', '_')}_{key}.mp4"


def render(case: Case, work: Path) -> tuple[Path, dict, float]:
    from formcheck.synth.clip import render_clip
    from formcheck.synth.truth import truth_path

    path = _clip_path(work, case)
    if path.exists() and truth_path(path).exists():
        return path, json.loads(truth_path(path).read_text()), 0.0
    t0 = time.perf_counter()
    render_clip(case.spec, path)
    return path, json.loads(truth_path(path).read_text()), time.perf_counter() - t0


def _finite(x) -> bool:
    return x is not None and isinstance(x, (int, float)) and math.isfinite(x)


def compare_metrics(truth: dict, metrics: dict) -> dict:
    """{metric[.side]: (estimate, truth)} for every metric finite in both."""
    out = {}
    for name, tv in truth["metrics"].items():
        mv = metrics.get(name)
        if mv is None:
            continue
        if _finite(getattr(mv, "value", None)) and _finite(tv.get("value")):
            out[name] = (float(mv.value), float(tv["value"]))
        for side in ("left", "right"):
            sv = getattr(mv, side, None)
            if sv is not None and _finite(getattr(sv, "value", None)) and _finite(tv.get(side)):
                out[f"{name}.{side}"] = (float(sv.value), float(tv[side]))
    return out


def event_timing(truth: dict, contacts, *, fps_hz: float, t_end_s: float) -> dict:
    """IC/TO errors of detected contacts vs the renderer's true events (module docstring).

    Parameters
    ----------
    truth : the clip's truth JSON (``events[side].ic_s / to_s`` in real seconds).
    contacts : ``Analysis.contacts`` (``side``, ``ic_s``, ``tc_s``; real seconds).
    fps_hz : capture frame rate (frame units of the errors).
    t_end_s : time of the last analysed frame (a later toe-off cannot be seen).

    Returns
    -------
    dict with ``n_true``, ``n_matched``, ``n_wrong_side`` (matched with the other foot's label), ``ic_err_ms`` / ``to_err_ms`` (lists, per matched contact)
    and the medians ``ic_med_ms``, ``ic_abs_med_ms``, ``ic_abs_med_frames`` (same for ``to``).
    """
    ic_all = np.sort(np.concatenate([np.asarray(ev["ic_s"], float) for ev in truth["events"].values()]))
    half_step = 0.5 * float(np.median(np.diff(ic_all))) if len(ic_all) > 1 else 0.2
    e_ic, e_to, n_true, wrong_side = [], [], 0, 0
    have = contacts is not None and len(contacts) > 0
    det_ic = contacts.ic_s.to_numpy(float) if have else np.array([])
    for side, ev in truth["events"].items():
        to = np.asarray(ev["to_s"], float)
        for ic in ev["ic_s"]:
            nxt = to[to > ic]
            if ic < 0 or not len(nxt) or nxt[0] >= t_end_s:
                continue
            n_true += 1
            if not have:
                continue
            j = int(np.argmin(np.abs(det_ic - ic)))
            if abs(det_ic[j] - ic) > half_step:
                continue
            wrong_side += int(contacts.side.iloc[j] != side)
            e_ic.append(1000.0 * (det_ic[j] - ic))
            if np.isfinite(contacts.tc_s.iloc[j]):
                e_to.append(1000.0 * (contacts.tc_s.iloc[j] - nxt[0]))
    out: dict = {"n_true": n_true, "n_matched": len(e_ic), "n_wrong_side": wrong_side, "ic_err_ms": e_ic, "to_err_ms": e_to}
    for k, e in (("ic", np.array(e_ic)), ("to", np.array(e_to))):
        out[f"{k}_med_ms"] = float(np.median(e)) if e.size else float("nan")
        out[f"{k}_abs_med_ms"] = float(np.median(np.abs(e))) if e.size else float("nan")
        out[f"{k}_abs_med_frames"] = out[f"{k}_abs_med_ms"] * fps_hz / 1000.0
    return out


def analyse(case: Case, path: Path, truth: dict, model: str = "full") -> dict:
    import formcheck
    from formcheck.config import AnalysisConfig, PoseConfig
    from formcheck.errors import FormcheckError
    from formcheck.synth.evaluate import landmark_report
    from formcheck.types import RunnerInfo

    spec = case.spec
    runner = RunnerInfo(view=case.view, height_m=spec.body.height_m,
                        treadmill_speed_mps=truth["gait"]["speed_mps"] if truth["gait"]["treadmill"] else None,
                        capture_fps=spec.render.fps if spec.render.container_fps else None)
    t0 = time.perf_counter()
    row: dict = {"case": case.name, "view": case.view, "clip": path.name}
    try:
        a = formcheck.analyze(path, runner, AnalysisConfig(pose=PoseConfig(model=model)))
    except FormcheckError as e:
        row["error"] = f"{type(e).__name__}: {e}"
        return row
    row["analyze_s"] = time.perf_counter() - t0
    frames = np.asarray(a.pose.frame)
    row["landmarks"] = landmark_report(truth, np.asarray(a.pose.xy), frames)
    row["metrics"] = compare_metrics(truth, a.metrics)
    row["not_measured"] = sorted(k for k, v in a.metrics.items() if not getattr(v, "measured", False)
                                 and k in truth["metrics"])
    from formcheck.events import cadence_spm_from_strides

    fps = float(a.meta.capture_fps)
    row["events"] = event_timing(truth, a.contacts, fps_hz=fps, t_end_s=float(np.asarray(a.pose.t_s)[-1]))
    row["events"]["fps_hz"] = fps
    st = a.strides.stride_time_s.to_numpy(float) if a.strides is not None and len(a.strides) else np.array([])
    row["events"]["cadence_inlier_mean_spm"] = cadence_spm_from_strides(st)
    row["events"]["cadence_true_spm"] = float(truth["metrics"]["cadence_spm"]["value"])
    return row


def summarise(rows: list[dict]) -> dict:
    per_metric: dict[str, list] = {}
    for r in rows:
        for k, (est, tru) in r.get("metrics", {}).items():
            per_metric.setdefault(k, []).append((est - tru, r["case"]))
    metrics = {}
    for k, errs in sorted(per_metric.items()):
        e = np.array([x for x, _ in errs])
        metrics[k] = {"n": int(e.size), "mae": float(np.mean(np.abs(e))), "max_abs": float(np.max(np.abs(e))),
                      "bias": float(np.mean(e)), "worst_case": errs[int(np.argmax(np.abs(e)))][1]}
    views = {}
    for v in ("side", "rear", "front"):
        lm = [r["landmarks"] for r in rows if r["view"] == v and "landmarks" in r]
        if not lm:
            continue
        views[v] = {
            "n_clips": len(lm),
            "detection_rate_min": min(x["detection_rate"] for x in lm),
            "detection_rate_mean": float(np.mean([x["detection_rate"] for x in lm])),
            "landmark_err_median_frac": float(np.median([x["landmark_err_median_frac"] for x in lm])),
            "landmark_err_median_frac_max": max(x["landmark_err_median_frac"] for x in lm),
            "landmark_err_median_px": float(np.median([x["landmark_err_median_px"] for x in lm])),
            "left_right_swapped_frac_max": max(x["left_right_swapped_frac"] for x in lm),
        }
        if v in ("rear", "front"):
            views[v]["hip_width_ratio_median"] = float(np.median([x["hip_width_ratio"] for x in lm]))
            views[v]["shoulder_width_ratio_median"] = float(np.median([x["shoulder_width_ratio"] for x in lm]))
    events = {}
    for v in ("side", "rear", "front"):
        ev = [r["events"] for r in rows if r["view"] == v and "events" in r]
        if not ev:
            continue
        ms_per_frame = {id(e): 1000.0 / e["fps_hz"] for e in ev}
        ic = np.concatenate([np.asarray(e["ic_err_ms"], float) for e in ev])
        to = np.concatenate([np.asarray(e["to_err_ms"], float) for e in ev])
        icf = np.concatenate([np.asarray(e["ic_err_ms"], float) / ms_per_frame[id(e)] for e in ev])
        tof = np.concatenate([np.asarray(e["to_err_ms"], float) / ms_per_frame[id(e)] for e in ev])
        cad = np.array([e["cadence_inlier_mean_spm"] - e["cadence_true_spm"] for e in ev], float)
        med = lambda x: float(np.median(x)) if x.size else float("nan")  # noqa: E731
        events[v] = {"n_clips": len(ev), "n_true": int(sum(e["n_true"] for e in ev)),
                     "n_matched": int(sum(e["n_matched"] for e in ev)),
                     "n_wrong_side": int(sum(e["n_wrong_side"] for e in ev)),
                     "ic_med_ms": med(ic), "ic_abs_med_ms": med(np.abs(ic)), "ic_abs_med_frames": med(np.abs(icf)),
                     "to_med_ms": med(to), "to_abs_med_ms": med(np.abs(to)), "to_abs_med_frames": med(np.abs(tof)),
                     "cadence_inlier_mean_abs_err_spm": float(np.nanmean(np.abs(cad))) if cad.size else float("nan")}
    return {"views": views, "metrics": metrics, "events": events}


def print_tables(summary: dict, rows: list[dict], out=sys.stdout) -> None:
    p = lambda s="": print(s, file=out)
    p("Landmarks vs truth joints (shoulders, hips, knees, ankles); error as % of body height")
    p(f"{'view':6} {'clips':>5} {'det min':>8} {'err med %':>9} {'err max %':>9} {'err px':>7} {'swap':>5} "
      f"{'hipW':>5} {'shW':>5}")
    for v, s in summary["views"].items():
        p(f"{v:6} {s['n_clips']:5d} {s['detection_rate_min']:8.3f} {100 * s['landmark_err_median_frac']:9.2f} "
          f"{100 * s['landmark_err_median_frac_max']:9.2f} {s['landmark_err_median_px']:7.1f} "
          f"{s['left_right_swapped_frac_max']:5.2f} {s.get('hip_width_ratio_median', float('nan')):5.2f} "
          f"{s.get('shoulder_width_ratio_median', float('nan')):5.2f}")
    p()
    if summary["metrics"]:
        p("Metrics vs truth (error = estimate - truth)")
        p(f"{'metric':32} {'n':>3} {'MAE':>9} {'max':>9} {'bias':>9}  worst clip")
        for k, s in summary["metrics"].items():
            p(f"{k:32} {s['n']:3d} {s['mae']:9.3f} {s['max_abs']:9.3f} {s['bias']:+9.3f}  {s['worst_case']}")
    else:
        p("Metrics: none finite in both truth and analysis (metrics not available yet)")
    if summary.get("events"):
        p()
        p("Gait events vs truth (detected - true; |med| = median absolute error; fr = capture frames)")
        p(f"{'clip':32} {'fps':>4} {'match':>7} {'IC med':>7} {'IC |med|':>8} {'fr':>5} {'TO med':>7} {'TO |med|':>8} "
          f"{'fr':>5} {'cad err':>7} {'side':>4}")
        for r in rows:
            e = r.get("events")
            if not e:
                continue
            p(f"{r['case']:32} {e['fps_hz']:4.0f} {e['n_matched']:3d}/{e['n_true']:<3d} {e['ic_med_ms']:+7.1f} "
              f"{e['ic_abs_med_ms']:8.1f} {e['ic_abs_med_frames']:5.2f} {e['to_med_ms']:+7.1f} {e['to_abs_med_ms']:8.1f} "
              f"{e['to_abs_med_frames']:5.2f} {e['cadence_inlier_mean_spm'] - e['cadence_true_spm']:+7.2f} "
              f"{e['n_wrong_side']:4d}")
        for v, e in summary["events"].items():
            p(f"{'ALL ' + v + ' (pooled)':32} {'':>4} {e['n_matched']:3d}/{e['n_true']:<3d} {e['ic_med_ms']:+7.1f} "
              f"{e['ic_abs_med_ms']:8.1f} {e['ic_abs_med_frames']:5.2f} {e['to_med_ms']:+7.1f} {e['to_abs_med_ms']:8.1f} "
              f"{e['to_abs_med_frames']:5.2f} {e['cadence_inlier_mean_abs_err_spm']:7.2f} {e['n_wrong_side']:4d}")
        p("(matched to the nearest IC of either foot; side = matched contacts labelled with the other foot; cad err:")
        p(" cadence_spm_from_strides on the analysis's strides - truth [spm], pooled row: mean |err|)")
    errs = [r for r in rows if "error" in r]
    if errs:
        p()
        p("Clips the analysis rejected:")
        for r in errs:
            p(f"  {r['case']}: {r['error']}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reduced", action="store_true", help="3 short clips (for the test suite)")
    ap.add_argument("--json", type=Path, default=None, help=f"output JSON [{DEFAULT_JSON.relative_to(ROOT)}]")
    ap.add_argument("--work-dir", type=Path, default=DEFAULT_WORK, help="where rendered clips are kept")
    ap.add_argument("--only", default="", help="substring filter on case names")
    ap.add_argument("--model", default="full", choices=("lite", "full", "heavy"), help="BlazePose variant [full]")
    args = ap.parse_args(argv)
    out_json = args.json or (DEFAULT_JSON if not args.reduced else DEFAULT_JSON.with_name("accuracy_reduced.json"))
    args.work_dir.mkdir(parents=True, exist_ok=True)
    cases = [c for c in grid(args.reduced) if args.only in c.name]
    rows = []
    t_all = time.perf_counter()
    for c in cases:
        path, truth, render_s = render(c, args.work_dir)
        row = analyse(c, path, truth, args.model)
        row["render_s"] = render_s
        rows.append(row)
        lm = row.get("landmarks", {})
        print(f"{c.name:32} render {render_s:5.1f}s analyse {row.get('analyze_s', float('nan')):5.1f}s "
              f"det {lm.get('detection_rate', float('nan')):.3f} err {100 * lm.get('landmark_err_median_frac', float('nan')):.2f}% "
              f"metrics {len(row.get('metrics', {}))}" + (f"  ERROR {row['error']}" if "error" in row else ""),
              flush=True)
    summary = summarise(rows)
    print()
    print_tables(summary, rows)
    result = {"grid": "reduced" if args.reduced else "full", "model": args.model, "wall_s": time.perf_counter() - t_all,
              "summary": summary, "clips": rows}
    out_json.parent.mkdir(parents=True, exist_ok=True)
    out_json.write_text(json.dumps(result, indent=1, sort_keys=True, default=float))
    print(f"\nwrote {out_json} ({result['wall_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
