"""Batch wall time with 1 and 2 local workers over the running clips and the sample videos.

    python benchmarks/batch.py [--shared ../shared/data/videos] [--out bench-batch] [--workers 1 2] [--video]

Every run uses ``--force --no-cache`` (no result reuse, no pose cache), so each one runs pose
estimation on every clip. Prints one line per run and the summary and failures tables of the last run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def running_clips(shared: Path) -> list[Path]:
    clips = sorted(p for p in shared.glob("run*.mp4")) if shared.is_dir() else []
    samples = sorted((ROOT / "sample_videos").glob("*.mp4"))
    return clips + samples


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data" / "videos")
    ap.add_argument("--out", type=Path, default=ROOT / "bench-batch")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--video", action="store_true", help="also write annotated videos")
    args = ap.parse_args()
    clips = running_clips(args.shared)
    if not clips:
        print("no clips found", file=sys.stderr)
        return 2
    print(f"{len(clips)} clips: " + ", ".join(p.name for p in clips))
    for n in args.workers:
        out = args.out / f"workers{n}"
        cmd = [sys.executable, "-m", "formcheck", "batch", *map(str, clips), "--out", str(out), "--workers", str(n),
               "--force", "--no-cache"] + ([] if args.video else ["--no-video"])
        t0 = time.perf_counter()
        rc = subprocess.run(cmd, stdout=subprocess.DEVNULL, env={**os.environ, "COLUMNS": "160"}).returncode
        wall = time.perf_counter() - t0
        ok = len(pd.read_csv(out / "summary.csv").query("side == 'both'"))
        failed = len(pd.read_csv(out / "failures.csv"))
        print(f"workers={n}: wall {wall:.1f} s, exit {rc}, {ok} analysed, {failed} failed")
    summary = pd.read_csv(out / "summary.csv")
    cols = [c for c in ("clip", "view", "cadence_spm", "contact_time_s", "overstride_cm", "trunk_lean_deg",
                        "vertical_oscillation_cm", "pelvic_drop_deg") if c in summary]
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.max_colwidth", 60):
        print(summary.query("side == 'both'")[cols].to_string(index=False, float_format=lambda v: f"{v:.3g}"))
        print(pd.read_csv(out / "failures.csv")[["clip", "reason"]].to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
