"""Gait events and side-view metrics on synthetic pose series with exact truth."""

import numpy as np
import pytest

from formcheck import geometry as g
from formcheck.gait import analyze_gait
from formcheck.landmarks import Landmark as L
from formcheck.types import RunnerInfo
from synthetic_gait import match_events, side_runner


@pytest.fixture(scope="module", params=[1, -1], ids=["facing_right", "facing_left"])
def run60(request):
    pose, truth = side_runner(fps=60, noise_px=3, swap_frames=5, facing=request.param)
    return analyze_gait(pose, RunnerInfo(treadmill_speed_mps=3.0)), truth, request.param


def _errors(res, truth, col, key):
    c = res.contacts
    return np.concatenate([match_events(c[c.side == s][col].to_numpy(), getattr(truth, key)[s]) for s in ("left", "right")])


def test_events_within_one_frame(run60):
    res, truth, _ = run60
    ic, tc = _errors(res, truth, "ic_s", "ic_s"), _errors(res, truth, "tc_s", "tc_s")
    assert len(ic) >= 0.9 * sum(len(v) for v in truth.ic_s.values()) - 2
    assert np.median(np.abs(ic)) * 60 <= 1.0
    assert np.median(np.abs(tc)) * 60 <= 1.0


def test_side_metrics_vs_truth(run60):
    res, truth, facing = run60
    m = res.metrics
    assert res.view.name == "side" and res.activity == "running"
    assert abs(m["cadence_spm"].value - truth.cadence_spm) <= 0.5
    # default (height) method: contact time is ~15 ms short at 60 fps (see the report); hybrid meets it
    assert abs(res.strides.contact_time_s.mean() - truth.contact_time_s) <= 0.020
    assert abs(m["trunk_lean_deg"].value - truth.trunk_lean_deg) <= 2.0
    assert abs(m["stride_length_m"].value - truth.stride_length_m) / truth.stride_length_m <= 0.02
    # overstride and knee flexion at IC: truth from the noise-free landmarks at the true IC times
    xy, t = truth.xy_clean, np.arange(len(truth.xy_clean)) / 60.0
    os_true, kf_true = [], []
    for s in ("left", "right"):
        for tt in truth.ic_s[s]:
            i = int(np.clip(np.searchsorted(t, tt) - 1, 0, len(t) - 2))
            w = (tt - t[i]) * 60.0
            f = (1 - w) * xy[i] + w * xy[i + 1]
            hip = 0.5 * (f[L.LEFT_HIP] + f[L.RIGHT_HIP])
            os_true.append(facing * (f[L[f"{s.upper()}_HEEL"], 0] - hip[0]) / (truth.leg_m * truth.px_per_m))
            kf_true.append(float(g.joint_flexion_deg(f[L[f"{s.upper()}_HIP"]], f[L[f"{s.upper()}_KNEE"]], f[L[f"{s.upper()}_ANKLE"]])))
    assert abs(m["overstride_leg"].value - np.median(os_true)) <= 0.02
    assert abs(m["knee_flexion_ic_deg"].value - np.median(kf_true)) <= 4.0
    assert abs(m["cadence_spm"].extra["spectral_spm"] - truth.cadence_spm) <= 2.0


def test_rejected_keep_reason():
    pose, _ = side_runner(fps=60, duration_s=4, noise_px=2)
    res = analyze_gait(pose, RunnerInfo())
    assert "reason" in res.rejected.columns
    assert res.rejected["reason"].notna().all()


def test_low_fps_hides_contact_time():
    pose, _ = side_runner(fps=30, noise_px=2)
    m = analyze_gait(pose, RunnerInfo()).metrics
    assert np.isnan(m["contact_time_s"].value) and "60 fps" in m["contact_time_s"].reason
    assert np.isnan(m["pelvic_drop_deg"].value)


def test_contact_time_hybrid_method():
    from formcheck.config import AnalysisConfig, EventConfig

    pose, truth = side_runner(fps=60, noise_px=3, swap_frames=5)
    res = analyze_gait(pose, RunnerInfo(), AnalysisConfig(events=EventConfig(method="hybrid")))
    assert abs(res.strides.contact_time_s.mean() - truth.contact_time_s) <= 0.015
