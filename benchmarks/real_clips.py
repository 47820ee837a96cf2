"""Real clips in the shared test set: what ``analyze_pose`` makes of each one.

For every clip in ``shared/data/videos``: view, activity, the event detector used, event-based
cadence, spectral cadence, valid strides and the warnings, or the one-line refusal (``NoRunnerDetectedError`` /
``NoGaitDetectedError``). Pose comes from the disk cache after the first run (the first run
estimates every clip, about 2-3 minutes on 2 cores).

What to expect (``tests/test_real_clips.py`` asserts it): running clips (``run*``) give a cadence
in 140-200 spm agreeing with the spectral estimate within 2 spm, or a warning saying why not;
suspected slow-motion clips are analysed with a low-cadence warning suggesting ``--capture-fps``;
negative controls (``neg_*``) are refused; walking clips (``walk*``) are reported as walking.

Run: ``python benchmarks/real_clips.py [--data DIR] [--warnings]``
"""

from __future__ import annotations

import argparse
import sys
import warnings as pywarnings
from pathlib import Path

import pandas as pd

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "videos"
SLOWMO = ("run_side_treadmill__mhuang24_slow_lab", "run_side_overground__becklabs_silhouette",
          "run_side_overground__becklabs_legs_closeup", "run_front_overground__sreevijnya_run")


def analyse_clip(path: Path) -> dict:
    """One row: outcome of ``analyze_pose`` on the cached pose of ``path``."""
    from formcheck.config import AnalysisConfig
    from formcheck.errors import FormcheckError
    from formcheck.pipeline import analyze_pose, estimate
    from formcheck.types import RunnerInfo

    pose, _, _ = estimate(path, RunnerInfo(), AnalysisConfig())
    row = {"clip": path.stem, "fps": round(pose.fps, 2)}
    try:
        with pywarnings.catch_warnings():
            pywarnings.simplefilter("ignore", RuntimeWarning)
            a = analyze_pose(pose, RunnerInfo(), AnalysisConfig())
    except FormcheckError as e:
        row.update(outcome="refused", reason=f"{type(e).__name__}: {e}")
        return row
    cad = a.metrics["cadence_spm"]
    events = str(a.contacts.method.iloc[0]) if len(a.contacts) else ""
    row.update(outcome="analysed", view=a.view.name, activity=a.activity, events=events, event_spm=round(cad.value, 1),
               spectral_spm=round(cad.extra.get("spectral_spm", float("nan")), 1), strides=cad.n,
               confidence=round(cad.confidence, 2), warnings=list(a.warnings))
    return row


def run(data: Path = DATA) -> pd.DataFrame:
    return pd.DataFrame([analyse_clip(p) for p in sorted(data.glob("*.mp4"))])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--warnings", action="store_true", help="print every warning and refusal reason in full")
    a = ap.parse_args(argv)
    if not a.data.is_dir():
        sys.stderr.write(f"clips not found in {a.data}\n")
        return 1
    t = run(a.data)
    t["n_warn"] = t.warnings.map(lambda w: len(w) if isinstance(w, list) else 0)
    cols = ["clip", "fps", "outcome", "view", "activity", "events", "event_spm", "spectral_spm", "strides", "confidence", "n_warn"]
    pd.set_option("display.width", 200)
    sys.stdout.write(t.reindex(columns=cols).astype(object).fillna("").to_string(index=False) + "\n")
    if a.warnings:
        for r in t.itertuples():
            sys.stdout.write(f"\n{r.clip}\n")
            for w in (r.warnings if isinstance(r.warnings, list) else [r.reason]):
                sys.stdout.write(f"  - {w}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
