"""The pure core ``analyze_pose``: refusals before any gait analysis, and invariances of the result."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from formcheck.errors import NoRunnerDetectedError
from formcheck.pipeline import analyze_pose, upright_fraction
from formcheck.types import PoseSeries, RunnerInfo
from synthetic_gait import side_runner


def test_no_pose_at_all_is_no_runner():
    pose, _ = side_runner(duration_s=2.0)
    empty = dataclasses.replace(pose, xy=np.full_like(pose.xy, np.nan))
    with pytest.raises(NoRunnerDetectedError, match="no runner detected"):
        analyze_pose(empty, RunnerInfo(view="side"))


def test_legs_only_skeleton_is_refused():
    """BlazePose invents a trunk when only the legs are in view, often below the hips."""
    pose, _ = side_runner(duration_s=4.0)
    xy = pose.xy.copy()
    hip_y = xy[:, 23:25, 1].mean(axis=1, keepdims=True)
    xy[:, 11:13, 1] = 2 * hip_y - xy[:, 11:13, 1]  # shoulders mirrored below the hips
    legs_only = dataclasses.replace(pose, xy=xy)
    assert upright_fraction(pose) == 1.0 and upright_fraction(legs_only) == 0.0
    with pytest.raises(NoRunnerDetectedError, match="no whole runner in view"):
        analyze_pose(legs_only, RunnerInfo(view="side"))


def _mirror_x(pose: PoseSeries) -> PoseSeries:
    xy = pose.xy.copy()
    xy[..., 0] = pose.meta.width_px - xy[..., 0]
    return dataclasses.replace(pose, xy=xy)


def _scale(pose: PoseSeries, k: float) -> PoseSeries:
    meta = dataclasses.replace(pose.meta, width_px=int(pose.meta.width_px * k), height_px=int(pose.meta.height_px * k))
    return dataclasses.replace(pose, xy=pose.xy * k, meta=meta)


def _shift_time(pose: PoseSeries, dt: float) -> PoseSeries:
    return dataclasses.replace(pose, t_s=pose.t_s + dt)


ANGLES_AND_RATIOS = ("cadence_spm", "stride_time_s", "trunk_lean_deg", "knee_flexion_ic_deg", "overstride_leg",
                     "shank_angle_ic_deg", "stride_length_m")


@pytest.mark.parametrize("transform", [_mirror_x, lambda p: _scale(p, 0.5), lambda p: _shift_time(p, 3.7)],
                         ids=["mirror", "scale", "time-shift"])
def test_side_view_metrics_are_invariant(transform):
    """Running the other way, a smaller image or a later start must not change side-view metrics."""
    pose, _ = side_runner(duration_s=8.0, noise_px=1.0, seed=3)
    runner = RunnerInfo(view="side", treadmill_speed_mps=3.0)
    a = analyze_pose(pose, runner)
    b = analyze_pose(transform(pose), runner)
    for name in ANGLES_AND_RATIOS:
        va, vb = a.metrics[name].value, b.metrics[name].value
        assert np.isfinite(va), name
        assert vb == pytest.approx(va, rel=0.02, abs=0.5), name


# ---------------------------------------------------------------------------- rear view, rendered sample
REAR_SAMPLE = Path(__file__).resolve().parent.parent / "sample_videos" / "rear_treadmill.mp4"
REAR_METRICS = ("cadence_spm", "pelvic_drop_deg", "step_width_cm", "hip_adduction_deg", "lateral_trunk_lean_deg")


@pytest.fixture(scope="module")
def rear_sample():
    """The rendered rear sample through the real pose model (cached), once per module."""
    from formcheck.pipeline import analyze

    runner = RunnerInfo(view="rear", height_m=1.75, treadmill_speed_mps=3.0)
    return analyze(REAR_SAMPLE, runner), runner


def _scale_rear(pose: PoseSeries, k: float) -> PoseSeries:
    """A smaller image: landmarks and the waistband line's pixel height scale, its tilt and its
    position relative to the torso do not."""
    feats = dict(pose.features)
    feats["waist_y_px"] = np.asarray(feats["waist_y_px"], float) * k
    return dataclasses.replace(_scale(pose, k), features=feats)


def _mirror_rear(pose: PoseSeries) -> PoseSeries:
    """The mirror-image runner seen from behind: image x flipped, and the labels swapped so each leg
    is still named as a rear camera names it; the waistband's tilt changes sign."""
    from formcheck.landmarks import mirror_index

    perm = list(mirror_index())
    xy = pose.xy[:, perm].copy()
    xy[..., 0] = pose.meta.width_px - xy[..., 0]
    feats = dict(pose.features)
    feats["waist_tilt_deg"] = -np.asarray(feats["waist_tilt_deg"], float)
    return dataclasses.replace(pose, xy=xy, visibility=pose.visibility[:, perm], presence=pose.presence[:, perm],
                               features=feats)


@pytest.mark.slow
@pytest.mark.parametrize("transform", [lambda p: _scale_rear(p, 0.5), lambda p: _shift_time(p, 3.7)],
                         ids=["scale", "time-shift"])
def test_rear_view_metrics_are_invariant(rear_sample, transform):
    """A smaller image or a later start must not change the rear-view metrics, per side too."""
    a, runner = rear_sample
    b = analyze_pose(transform(a.pose), runner)
    for name in REAR_METRICS:
        ma, mb = a.metrics[name], b.metrics[name]
        assert np.isfinite(ma.value), name
        assert mb.value == pytest.approx(ma.value, rel=0.02, abs=0.05), name
        for side in ("left", "right"):
            sa, sb = getattr(ma, side), getattr(mb, side)
            if sa is not None and np.isfinite(sa.value):
                assert sb.value == pytest.approx(sa.value, rel=0.02, abs=0.05), (name, side)


@pytest.mark.slow
def test_rear_view_mirror_swaps_the_sides(rear_sample):
    """The mirror-image runner has the other side's pelvic drop and hip adduction: left and right
    trade places (the sample's hip adduction reads 11 deg in left stance, 15 in right stance)."""
    a, runner = rear_sample
    b = analyze_pose(_mirror_rear(a.pose), runner)
    assert b.view.name == "rear"
    for name in ("pelvic_drop_deg", "hip_adduction_deg"):
        ma, mb = a.metrics[name], b.metrics[name]
        assert mb.value == pytest.approx(ma.value, abs=0.3), name
        assert mb.left.value == pytest.approx(ma.right.value, abs=0.3), name
        assert mb.right.value == pytest.approx(ma.left.value, abs=0.3), name
    assert b.metrics["cadence_spm"].value == pytest.approx(a.metrics["cadence_spm"].value, abs=0.2)
