"""View / facing / setting classification."""

import numpy as np
import pytest

from formcheck.errors import NoRunnerDetectedError
from formcheck.gait import analyze_gait
from formcheck.types import PoseSeries, RunnerInfo
from formcheck.views import classify_view
from synthetic_gait import side_runner


@pytest.mark.parametrize("facing", [1, -1])
def test_side_view_and_facing(facing):
    pose, _ = side_runner(fps=60, duration_s=3, noise_px=2, facing=facing)
    v, _ = classify_view(np.array(pose.xy), pose.t_s)
    assert v.name == "side" and v.confidence > 0.8
    assert v.facing == ("right" if facing == 1 else "left")


def test_user_override_contradiction_warns():
    pose, _ = side_runner(fps=60, duration_s=3, noise_px=2)
    v, _ = classify_view(np.array(pose.xy), pose.t_s, user_view="rear")
    assert v.name == "rear" and v.source == "user" and "side view" in v.reason


def test_no_runner_refused():
    pose, _ = side_runner(fps=30, duration_s=2)
    arrays = PoseSeries.empty_arrays(len(pose))
    empty = PoseSeries(frame=pose.frame, t_s=pose.t_s, meta=pose.meta, **arrays)
    with pytest.raises(NoRunnerDetectedError, match="no runner detected"):
        analyze_gait(empty, RunnerInfo())


def _frontal_legs(*, fps_hz=30.0, dur_s=8.0, step_spm=120.0, lift_px=30.0, shank_fold=0.9):
    """Front-view landmark series: feet lifted in turn (one lift per step), the lifted leg's shank
    vertical extent shrunk to ``shank_fold`` of its standing value at the top of the lift."""
    from formcheck.landmarks import Landmark as L

    t = np.arange(int(dur_s * fps_hz)) / fps_hz
    xy = np.full((len(t), 33, 2), np.nan)
    stride_s = 120.0 / step_spm
    for side, x0, phase in (("LEFT", 260.0, 0.0), ("RIGHT", 160.0, 0.5)):
        lift = np.clip(np.sin(2 * np.pi * (t / stride_s - phase)), 0, None)  # 0 in stance, up to 1 mid-swing
        xy[:, L[f"{side}_SHOULDER"]] = np.c_[np.full_like(t, x0), np.full_like(t, 100.0)]
        xy[:, L[f"{side}_HIP"]] = np.c_[np.full_like(t, x0), np.full_like(t, 300.0)]
        xy[:, L[f"{side}_KNEE"]] = np.c_[np.full_like(t, x0), 420.0 - 0.5 * lift_px * lift]
        ankle_y = 420.0 - 0.5 * lift_px * lift + 120.0 * (1 - (1 - shank_fold) * lift)
        xy[:, L[f"{side}_ANKLE"]] = np.c_[np.full_like(t, x0), ankle_y]
        xy[:, L[f"{side}_HEEL"]] = np.c_[np.full_like(t, x0), ankle_y + 15]
        xy[:, L[f"{side}_FOOT_INDEX"]] = np.c_[np.full_like(t, x0), ankle_y + 20]
    return xy, t


def test_swing_shank_ratio_walking_vs_running():
    from formcheck.views import WALK_MIN_SHANK_RATIO, swing_shank_ratio

    walk, _ = _frontal_legs(shank_fold=0.9)
    run, _ = _frontal_legs(shank_fold=0.3)
    assert swing_shank_ratio(walk) > WALK_MIN_SHANK_RATIO > swing_shank_ratio(run)


def test_alternation_contacts_steps_from_foot_lifts():
    from formcheck.events import build_strides
    from formcheck.frontal_events import alternation_contacts

    xy, t = _frontal_legs(step_spm=120.0, lift_px=30.0)
    contacts, _ = alternation_contacts(xy, t, leg_px=240.0)
    assert len(contacts) >= 12
    assert (contacts.side.to_numpy()[1:] != contacts.side.to_numpy()[:-1]).all()  # alternating
    strides, _ = build_strides(contacts, max_stride_time_s=1.6)
    assert abs(120.0 / np.median(strides.stride_time_s) - 120.0) < 2.0
    still, _ = _frontal_legs(lift_px=2.0, shank_fold=1.0)  # feet barely move (1 % of the leg): no steps
    assert len(alternation_contacts(still, t, leg_px=240.0)[0]) == 0


def test_bounce_contacts_short_pass_with_drift():
    from formcheck.events import build_strides
    from formcheck.frontal_events import bounce_contacts
    from formcheck.landmarks import Landmark as L

    fps, step_spm = 30.0, 168.0
    t = np.arange(88) / fps
    xy = np.full((len(t), 33, 2), np.nan)
    span = slice(9, 63)  # runner in view for 1.8 s only
    ts = t[span]
    hip_y = 310.0 + 30.0 * (ts - ts[0]) / (ts[-1] - ts[0]) + 5.0 * np.cos(2 * np.pi * ts * step_spm / 60.0)
    for lm in (L.LEFT_HIP, L.RIGHT_HIP):
        xy[span, lm] = np.c_[np.full_like(ts, 500.0), hip_y]
    for side, sign in (("LEFT", 1.0), ("RIGHT", -1.0)):  # left foot lower on even bounces
        foot_y = 440.0 + sign * 8.0 * np.cos(np.pi * ts * step_spm / 60.0)
        for name in ("HEEL", "FOOT_INDEX"):
            xy[span, L[f"{side}_{name}"]] = np.c_[np.full_like(ts, 500.0), foot_y]
    contacts, _ = bounce_contacts(xy, t)
    assert len(contacts) >= 4
    mid = ((contacts.ic + contacts.tc) / 2).round().astype(int)
    lower = np.where(xy[mid, L.LEFT_HEEL, 1] > xy[mid, L.RIGHT_HEEL, 1], "left", "right")
    assert (contacts.side.to_numpy() == lower).all()  # the foot on the ground at each bounce
    strides, _ = build_strides(contacts, max_stride_time_s=1.6)
    assert len(strides) >= 2
    assert abs(120.0 / np.median(strides.stride_time_s) - step_spm) < 3.0
