"""The whole pure core on the projected RBDS001 T25 mocap against force-plate truth (skipped
without shared data): every side-view metric the trial can check, at 60 and 120 fps.

Measured (``python benchmarks/metrics_mocap.py``, 2 noise seeds; error = analysis - truth at the
force-plate events) at 60 / 120 fps: cadence +0.04 / -0.19 spm, contact time -8 / -7 ms, stride
length -1 / +2 mm, knee flexion at IC (near leg) +2.8 / +2.7 deg, overstride -0.020 / -0.018 leg,
shank angle -2.7 / -2.2 deg, thigh extension at TO -0.2 / -0.0 deg, vertical oscillation -0.4 cm,
step time per side within 9 ms with the true asymmetry's sign. Tolerances below sit about 1.5x above
those, so a regression of the events or the metric definitions fails here. T35 (3.5 m/s, a second
force-plate trial of the same runner) is checked with its own measured figures.
"""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "mocap"
pytestmark = pytest.mark.skipif(not (DATA / "BMCRIC_RBDS001runT25forces.txt").exists(), reason="shared mocap absent")

TOLERANCE = {  # metric, part -> max |analysis - truth|
    ("cadence_spm", "value"): 0.5,
    ("stride_time_s", "value"): 0.004,
    ("stride_length_m", "value"): 0.02,
    ("contact_time_s", "value"): 0.015,
    ("flight_time_s", "value"): 0.015,
    ("step_time_s", "left"): 0.012,
    ("step_time_s", "right"): 0.012,
    ("knee_flexion_ic_deg", "left"): 4.0,
    ("overstride_leg", "left"): 0.03,
    ("shank_angle_ic_deg", "left"): 4.0,
    ("thigh_extension_to_deg", "value"): 1.5,
    ("vertical_oscillation_cm", "value"): 1.0,
}


@pytest.fixture(scope="module")
def res():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from metrics_mocap import run

    return run(DATA, seeds=1)[0]


@pytest.fixture(scope="module")
def res_t35():
    pytest.importorskip("ezc3d")
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from metrics_mocap import run

    return run(DATA, seeds=1, fps_list=(60.0,), trial="T35")[0]


T35_TOLERANCE = {  # 3.5 m/s, measured at 60 / 120 fps (2 seeds): see benchmarks/metrics_mocap.py
    ("cadence_spm", "value"): 0.5,  # -0.28 / -0.04
    ("stride_length_m", "value"): 0.02,  # -4 / +3 mm
    ("contact_time_s", "value"): 0.015,  # 0 / 0 ms
    ("knee_flexion_ic_deg", "left"): 5.0,  # +3.6 / +2.7
    ("overstride_leg", "left"): 0.04,  # -0.026 / -0.020
    ("thigh_extension_to_deg", "value"): 3.0,  # +1.8 / +1.9
    ("vertical_oscillation_cm", "value"): 1.6,  # -1.0 / -1.2
}


@pytest.mark.parametrize("metric,part", sorted(T35_TOLERANCE))
def test_second_speed_t35(res_t35, metric, part):
    r = res_t35[(res_t35.metric == metric) & (res_t35.part == part)]
    assert len(r) == 1, (metric, part)
    assert abs(float(r.error.iloc[0])) <= T35_TOLERANCE[(metric, part)], r.to_dict("records")


@pytest.mark.parametrize("fps", [60.0, 120.0])
@pytest.mark.parametrize("metric,part", sorted(TOLERANCE))
def test_metric_vs_force_plate_truth(res, fps, metric, part):
    r = res[(res.fps == fps) & (res.metric == metric) & (res.part == part)]
    assert len(r) == 1, (metric, part)
    assert abs(float(r.error.iloc[0])) <= TOLERANCE[(metric, part)], r.to_dict("records")


def test_step_asymmetry_has_the_true_sign(res):
    """The runner's left steps are longer (0.387 vs 0.378 s): the analysis must not flip that."""
    r = res[(res.metric == "step_time_s") & (res.fps == 120.0)].set_index("part")
    assert r.truth["left"] > r.truth["right"]
    assert r.estimate["left"] > r.estimate["right"]
