"""Rear/front-view accuracy against synthetic runners with exact ground truth.

Renders a grid of short rear-view clips (60 fps, 640x480, 5 s) with ``formcheck synth``: pelvic drop
0/4/8/12 deg with a tucked top, a level pelvis under an 8 deg trunk roll, a loose top hiding the
waistband, two crossover clips, a lateral trunk lean and a front view. Each clip goes through the real
analysis path (``formcheck.analyze``) and every rear/front metric is compared with the truth:

* per metric: n (clip x side values), mean absolute error, max absolute error, bias (estimate - truth)
  and sign agreement (estimate and truth on the same side of 0, for truths with |value| >= 1);
* checks: pelvic drop NaN with a clothing reason for the loose top; crossover flagged (> 0) on every
  crossover clip and on no typical clip;
* gait events per clip: each true initial contact (IC) matched to the nearest detected one within half
  a step, median absolute IC and toe-off (TO) errors [ms], mean absolute contact-time error [ms]
  (``event_errors``; the stance window of ``formcheck/frontal_events.py``).

Usage::

    python benchmarks/rear_view.py              # full grid (~10 min render the first time on 2 cores)
    python benchmarks/rear_view.py --reduced    # 3 clips (what tests/test_rear_view.py runs)

Writes ``benchmarks/results/rear_view.json`` (or ``--json PATH``). Clips are cached in ``--work-dir``
keyed by their synth options, so a re-run only re-analyses (the pose cache may skip that too).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_JSON = ROOT / "benchmarks" / "results" / "rear_view.json"
DEFAULT_WORK = ROOT / "benchmarks" / "results" / "rear_clips"
BASE = ("--fps", "60", "--seconds", "5", "--width", "640", "--height", "480", "--cadence-spm", "165",
        "--seed", "3")
METRICS = ("pelvic_drop_deg", "crossover_frac", "step_width_cm", "lateral_trunk_lean_deg", "hip_adduction_deg",
           "knee_fppa_deg", "arm_crossover_frac", "cadence_spm")
SIGN_MIN = 1.0  # sign agreement is scored only where |truth| >= this


@dataclass(frozen=True)
class Case:
    name: str
    view: str
    args: tuple[str, ...]
    kind: str = "typical"  # typical | roll | loose | crossover | lean


def grid(reduced: bool = False) -> list[Case]:
    full = [
        Case("drop0", "rear", ("--pelvic-drop-deg", "0")),
        Case("drop4", "rear", ("--pelvic-drop-deg", "4")),
        Case("drop8", "rear", ("--pelvic-drop-deg", "8")),
        Case("drop12", "rear", ("--pelvic-drop-deg", "12")),
        Case("drop4_9", "rear", ("--pelvic-drop-deg", "4,9")),
        Case("level_roll8", "rear", ("--pelvic-drop-deg", "0", "--trunk-roll-deg", "8"), "roll"),
        Case("loose_top", "rear", ("--pelvic-drop-deg", "8", "--top", "loose"), "loose"),
        Case("crossover3", "rear", ("--crossover-cm", "3", "--arm-cross-deg", "22"), "crossover"),
        Case("crossover1", "rear", ("--crossover-cm", "1"), "crossover"),
        Case("lean6", "rear", ("--lateral-lean-deg", "6", "--pelvic-drop-deg", "6"), "lean"),
        Case("front_drop8", "front", ("--pelvic-drop-deg", "8")),
    ]
    if reduced:
        keep = ("drop8", "level_roll8", "loose_top")
        return [c for c in full if c.name in keep]
    return full


def clip_path(case: Case, work: Path) -> Path:
    from formcheck.synth import SYNTH_REVISION

    args = BASE + ("--view", case.view) + case.args
    key = hashlib.sha256(json.dumps([SYNTH_REVISION, *args]).encode()).hexdigest()[:12]
    return work / f"{case.name}_{key}.mp4"


def render(case: Case, work: Path) -> Path:
    """Render once per option set (cached by a hash of the options)."""
    out = clip_path(case, work)
    if out.exists() and out.with_name(out.stem + ".truth.json").exists():
        return out
    work.mkdir(parents=True, exist_ok=True)
    args = BASE + ("--view", case.view) + case.args
    subprocess.run([sys.executable, "-m", "formcheck", "synth", "--out", str(out), *args], check=True,
                   stdout=subprocess.DEVNULL)
    return out


def _f(x) -> float:
    return float("nan") if x is None else float(x)


def evaluate(case: Case, clip: Path) -> dict:
    """Analyse one clip and pair each metric (overall, left, right) with its truth."""
    import formcheck
    from formcheck.types import RunnerInfo

    full = json.loads(clip.with_name(clip.stem + ".truth.json").read_text())
    truth = full["metrics"]
    t0 = time.perf_counter()
    a = formcheck.analyze(clip, RunnerInfo(view=case.view, height_m=1.75))
    rec = {"case": case.name, "view": case.view, "kind": case.kind, "seconds": round(time.perf_counter() - t0, 1),
           "warnings": list(a.warnings), "metrics": {}, "events": event_errors(full, a.contacts)}
    for name in METRICS:
        mv = a.metrics.get(name)
        tr = truth.get(name) or {}
        est = {"value": mv.value if mv else float("nan"),
               "left": mv.left.value if mv and mv.left else float("nan"),
               "right": mv.right.value if mv and mv.right else float("nan")}
        rec["metrics"][name] = {
            "estimate": est, "truth": {k: _f(tr.get(k)) for k in ("value", "left", "right")},
            "reason": mv.reason if mv else "absent", "confidence": mv.confidence if mv else 0.0,
        }
    return rec


def event_errors(truth: dict, contacts) -> dict:
    """IC/TO/contact-time errors [ms] (detected - true) of ``contacts`` vs the truth JSON's events."""
    ics = np.sort(np.concatenate([np.asarray(e["ic_s"], float) for e in truth["events"].values()]))
    half = 0.5 * float(np.median(np.diff(ics)))
    det = contacts.ic_s.to_numpy(float) if len(contacts) else np.array([])
    ic_e, to_e = [], []
    for ev in truth["events"].values():
        to = np.asarray(ev["to_s"], float)
        for ic in ev["ic_s"]:
            nxt = to[to > ic]
            if not len(nxt) or not len(det):
                continue
            j = int(np.argmin(np.abs(det - ic)))
            if abs(det[j] - ic) <= half:
                ic_e.append(1000 * (det[j] - ic))
                to_e.append(1000 * (contacts.tc_s.iloc[j] - nxt[0]))
    ic_e, to_e = np.asarray(ic_e), np.asarray(to_e)
    nan = float("nan")
    return {"n": int(ic_e.size), "ic_abs_med_ms": float(np.median(np.abs(ic_e))) if ic_e.size else nan,
            "ic_med_ms": float(np.median(ic_e)) if ic_e.size else nan,
            "to_abs_med_ms": float(np.median(np.abs(to_e))) if to_e.size else nan,
            "to_med_ms": float(np.median(to_e)) if to_e.size else nan,
            "ct_abs_mean_ms": float(np.mean(np.abs(to_e - ic_e))) if ic_e.size else nan}


def table(records: list[dict]) -> dict:
    """Per metric over clip x side pairs (the roll/loose clips are excluded from pelvic drop: they have
    their own checks; the loose clip from hip adduction, which is then femoral adduction only)."""
    out = {}
    for name in METRICS:
        err, signs = [], []
        for r in records:
            if name == "pelvic_drop_deg" and r["kind"] in ("roll", "loose"):
                continue
            if name == "hip_adduction_deg" and r["kind"] == "loose":  # femoral adduction only, by design
                continue
            m = r["metrics"][name]
            for k in ("left", "right"):
                e, t = m["estimate"][k], m["truth"][k]
                if not (math.isfinite(e) and math.isfinite(t)):
                    continue
                err.append(e - t)
                if abs(t) >= SIGN_MIN:
                    signs.append(np.sign(e) == np.sign(t))
        err = np.asarray(err)
        out[name] = {"n": int(err.size),
                     "mae": float(np.mean(np.abs(err))) if err.size else float("nan"),
                     "max": float(np.max(np.abs(err))) if err.size else float("nan"),
                     "bias": float(np.mean(err)) if err.size else float("nan"),
                     "sign_agree": float(np.mean(signs)) if signs else float("nan"), "n_sign": len(signs)}
    return out


def checks(records: list[dict]) -> dict:
    by = {r["case"]: r for r in records}
    c = {}
    if "level_roll8" in by:
        v = by["level_roll8"]["metrics"]["pelvic_drop_deg"]["estimate"]
        c["roll8_abs_drop_deg"] = max(abs(v[k]) for k in ("value", "left", "right"))
    if "loose_top" in by:
        m = by["loose_top"]["metrics"]["pelvic_drop_deg"]
        c["loose_not_measurable"] = (not math.isfinite(m["estimate"]["value"])) and "wear" in m["reason"]
        c["loose_reason"] = m["reason"]
    cross = [r for r in records if r["kind"] == "crossover"]
    typical = [r for r in records if r["kind"] in ("typical", "roll", "loose", "lean")]
    if cross:
        c["crossover_found_all"] = all(r["metrics"]["crossover_frac"]["estimate"]["value"] > 0.5 for r in cross)
    if typical:
        c["crossover_on_typical"] = [r["case"] for r in typical
                                     if not r["metrics"]["crossover_frac"]["estimate"]["value"] <= 0.5]
    return c


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reduced", action="store_true")
    ap.add_argument("--json", type=Path, default=DEFAULT_JSON)
    ap.add_argument("--work-dir", type=Path, default=DEFAULT_WORK)
    ap.add_argument("--render-only", action="store_true")
    a = ap.parse_args(argv)
    cases = grid(a.reduced)
    clips = [render(c, a.work_dir) for c in cases]
    if a.render_only:
        return 0
    records = [evaluate(c, p) for c, p in zip(cases, clips)]
    tab, chk = table(records), checks(records)
    print(f"{'metric':<24}{'n':>4}{'MAE':>8}{'max':>8}{'bias':>8}{'sign':>7}")
    for k, v in tab.items():
        print(f"{k:<24}{v['n']:>4}{v['mae']:>8.2f}{v['max']:>8.2f}{v['bias']:>+8.2f}{v['sign_agree']:>7.2f}")
    print()
    print(f"{'clip':<14}{'metric':<24}{'est (L/R)':>22}{'truth (L/R)':>22}")
    for r in records:
        for k in ("pelvic_drop_deg", "crossover_frac", "lateral_trunk_lean_deg", "step_width_cm"):
            m = r["metrics"][k]
            e, t = m["estimate"], m["truth"]
            print(f"{r['case']:<14}{k:<24}{e['left']:>10.2f} /{e['right']:>8.2f}  {t['left']:>10.2f} /{t['right']:>8.2f}"
                  + ("" if math.isfinite(e["value"]) else f"  ({m['reason'][:60]})"))
    print()
    print(f"{'clip':<14}{'n':>4}{'IC |med|':>10}{'IC med':>9}{'TO |med|':>10}{'TO med':>9}{'CT |err|':>10}  [ms]")
    for r in records:
        e = r["events"]
        print(f"{r['case']:<14}{e['n']:>4}{e['ic_abs_med_ms']:>10.1f}{e['ic_med_ms']:>+9.1f}{e['to_abs_med_ms']:>10.1f}"
              f"{e['to_med_ms']:>+9.1f}{e['ct_abs_mean_ms']:>10.1f}")
    for k, v in chk.items():
        print(f"{k}: {v}")
    a.json.parent.mkdir(parents=True, exist_ok=True)
    a.json.write_text(json.dumps({"table": tab, "checks": chk, "clips": records}, indent=1, default=float))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
