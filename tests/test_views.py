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
