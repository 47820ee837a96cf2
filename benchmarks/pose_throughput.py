"""Pose-estimation throughput (frames/s) per model, resolution and number of worker processes.

End to end: PyAV decode + colour conversion + BlazePose (VIDEO mode), no cache, no frame features.
Each clip is cut to its first ``--frames`` frames (re-encoded once, outside the timing). Prints a
table and writes ``benchmarks/results/pose_throughput.json``. The load average is recorded next to
each figure: on a shared machine, numbers taken at load > cores are pessimistic.

    python benchmarks/pose_throughput.py [--frames 240] [--models lite full heavy] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from formcheck.config import PoseConfig  # noqa: E402
from formcheck.pose import estimate_pose  # noqa: E402
from formcheck.video import H264Writer, iter_frames, read_video_meta  # noqa: E402

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("FORMCHECK_SHARED_DATA", HERE.parent.parent / "shared" / "data")) / "videos"
CLIPS = {
    "720p (1280x720)": SHARED / "run_rear_overground__sinan_snow_park.mp4",
    "1080p (1080x1920)": SHARED / "run_side_treadmill__mhuang24_IMG_5396_60fps.mp4",
}


def cut(src: Path, n: int, tmp: Path) -> Path:
    meta = read_video_meta(src)
    out = tmp / f"{src.stem}_{n}.mp4"
    with H264Writer(out, meta.width_px, meta.height_px, fps=meta.container_fps, crf=18) as w:
        for _, t, rgb in iter_frames(meta, stop=n):
            w.write(rgb, t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=240)
    ap.add_argument("--models", nargs="+", default=["lite", "full", "heavy"])
    ap.add_argument("--workers", nargs="+", type=int, default=[1, 2])
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, src in CLIPS.items():
            if not src.exists():
                print(f"skip {label}: {src} not found")
                continue
            clip = cut(src, args.frames, Path(tmp))
            meta = read_video_meta(clip)
            for model in args.models:
                for workers in args.workers:
                    cfg = PoseConfig(model=model, workers=workers, cache=False)
                    load0 = os.getloadavg()[0]
                    t0, _c0 = time.perf_counter(), time.process_time()
                    pose = estimate_pose(meta, cfg)
                    wall = time.perf_counter() - t0
                    row = {"clip": label, "model": model, "workers": workers, "frames": len(pose),
                           "fps": len(pose) / wall, "wall_s": wall, "detection_rate": pose.detection_rate,
                           "load_before": load0, "load_after": os.getloadavg()[0]}
                    rows.append(row)
                    print(f"{label:18s} {model:5s} workers={workers}  {row['fps']:6.1f} frames/s  "
                          f"({len(pose)} frames, {wall:.1f} s, load {load0:.1f}->{row['load_after']:.1f})", flush=True)
    out = HERE / "results" / "pose_throughput.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"cpu_count": os.cpu_count(), "rows": rows}, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
