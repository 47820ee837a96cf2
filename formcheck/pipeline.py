"""The one core: ``analyze`` (video -> Analysis) = ``estimate_pose`` + ``analyze_pose`` (pure).

Shells (CLI, Streamlit page, batch workers, notebooks) call these and nothing deeper.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from formcheck import __version__
from formcheck.config import AnalysisConfig
from formcheck.errors import NoRunnerDetectedError
from formcheck.types import Analysis, PoseSeries, RunnerInfo

MIN_DETECTION_RATE = 0.5  # below this share of frames with a pose, there is no runner to analyse
MIN_UPRIGHT_FRAC = 0.6  # share of detected frames whose shoulders are above the hips
FEATURES_ID = "waist-v1"  # bump when pelvis_edge.waistband_features changes


def _frame_features():
    from formcheck.pelvis_edge import waistband_features

    return waistband_features


def estimate(video: str | Path, runner: RunnerInfo = RunnerInfo(), config: AnalysisConfig = AnalysisConfig(), *,
             progress: Callable[[int, int], None] | None = None) -> tuple[PoseSeries, tuple[str, ...], float]:
    """Decode and run pose estimation: ``(pose, decode warnings, wall seconds)``."""
    from formcheck.pose import estimate_pose
    from formcheck.video import read_video_meta

    meta = read_video_meta(video, capture_fps=runner.capture_fps)
    warnings: list[str] = []
    t0 = time.perf_counter()
    # the waistband edge (pelvic drop) is a rear/front-view measure: skip its person mask and image
    # work (~30% of pose time) when the user says the clip is a side view
    features = None if runner.view == "side" else _frame_features()
    pose = estimate_pose(meta, config.pose, progress=progress, frame_features=features,
                         features_id=FEATURES_ID, warnings=warnings)
    return pose, tuple(warnings), time.perf_counter() - t0


def analyze(video: str | Path, runner: RunnerInfo = RunnerInfo(), config: AnalysisConfig = AnalysisConfig(), *,
            progress: Callable[[int, int], None] | None = None) -> Analysis:
    """Analyse one clip: pose estimation, then :func:`analyze_pose`.

    Raises ``FormcheckError`` subclasses for bad input (unreadable video, no runner, no gait).
    """
    pose, warnings, seconds = estimate(video, runner, config, progress=progress)
    return analyze_pose(pose, runner, config, warnings=warnings, pose_seconds=seconds)


def analyze_pose(pose: PoseSeries, runner: RunnerInfo = RunnerInfo(), config: AnalysisConfig = AnalysisConfig(), *,
                 warnings: tuple[str, ...] = (), pose_seconds: float = float("nan")) -> Analysis:
    """Pure analysis of landmarks already estimated (no MediaPipe, no files)."""
    if len(pose) == 0 or pose.detection_rate < MIN_DETECTION_RATE:
        raise NoRunnerDetectedError(
            f"{pose.meta.path.name}: no runner detected (a person was found in {pose.detection_rate:.0%} of "
            f"{len(pose)} frames; at least {MIN_DETECTION_RATE:.0%} needed) - film the whole body, one person in frame")
    upright = upright_fraction(pose)
    if upright < MIN_UPRIGHT_FRAC:
        raise NoRunnerDetectedError(
            f"{pose.meta.path.name}: no whole runner in view (the shoulders are above the hips in only {upright:.0%} "
            "of frames: the body is only partly in the picture, or the video is rotated) - film the whole body")
    from formcheck.gait import analyze_gait

    gait = analyze_gait(pose, runner, config)
    return Analysis(
        meta=pose.meta, runner=runner, pose=pose, clean=gait.clean, view=gait.view, activity=gait.activity,
        contacts=gait.contacts, rejected=gait.rejected, strides=gait.strides, metrics=gait.metrics,
        warnings=tuple(warnings) + tuple(gait.warnings), config=config, formcheck_version=__version__,
        pose_seconds=pose_seconds,
    )


def upright_fraction(pose: PoseSeries) -> float:
    """Share of frames with a pose in which the shoulder midpoint is above the hip midpoint (image y down).

    BlazePose always returns a whole skeleton; when only the legs are in view it invents a trunk,
    often below the hips. Any real running view (side, rear, front) has the shoulders above the hips.
    """
    from formcheck.landmarks import Landmark as L

    xy = pose.xy
    sh = (xy[:, L.LEFT_SHOULDER, 1] + xy[:, L.RIGHT_SHOULDER, 1]) / 2
    hip = (xy[:, L.LEFT_HIP, 1] + xy[:, L.RIGHT_HIP, 1]) / 2
    ok = np.isfinite(sh) & np.isfinite(hip)
    return float(np.mean(sh[ok] < hip[ok])) if ok.any() else 0.0
