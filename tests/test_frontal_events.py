"""Rear/front stance windows (``formcheck/frontal_events.py``): mid-stance timing from the waistband
edge, and event timing on a rendered rear-view clip with exact truth."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from formcheck.frontal_events import WAIST_MIN_FRAC, midstance_frames

ROOT = Path(__file__).resolve().parents[1]


def _bouncing_pose(n: int, fps: float, step_s: float, lag_frames: float) -> tuple[np.ndarray, np.ndarray]:
    """33-landmark image points whose hips bounce (lowest = image-y max at k * step_s) ``lag_frames``
    late, and the unlagged waistband edge row."""
    t = np.arange(n) / fps
    xy = np.full((n, 33, 2), 100.0)
    bounce = lambda tt: 6.0 * np.cos(2 * np.pi * tt / step_s)
    for i in (23, 24):  # hips
        xy[:, i, 1] = 240.0 + bounce(t - lag_frames / fps)
    for i in (29, 31):  # left heel/toe lower (image y larger) on even steps
        xy[:, i, 1] = 400.0 + 20 * np.cos(np.pi * t / step_s)
    for i in (30, 32):
        xy[:, i, 1] = 400.0 - 20 * np.cos(np.pi * t / step_s)
    return xy, 230.0 + bounce(t)


def test_waistband_edge_times_midstance_where_hip_landmarks_lag():
    fps, step = 60.0, 0.36
    xy, waist = _bouncing_pose(480, fps, step, lag_frames=2.0)
    hip_mids, _ = midstance_frames(xy, fps)
    mids, _ = midstance_frames(xy, fps, waist)
    true = np.arange(1, 22) * step * fps
    err = lambda m: np.array([x - true[np.argmin(np.abs(true - x))] for x in m])
    assert np.median(err(hip_mids)) == pytest.approx(2.0, abs=0.2)
    assert np.max(np.abs(err(mids))) <= 0.3
    assert len(mids) == len(hip_mids)


def test_hidden_waistband_keeps_the_hip_timing():
    fps, step = 60.0, 0.36
    xy, waist = _bouncing_pose(480, fps, step, lag_frames=2.0)
    hidden = waist.copy()
    hidden[: int((1.0 - WAIST_MIN_FRAC + 0.05) * len(hidden))] = np.nan  # found in too few frames
    np.testing.assert_allclose(midstance_frames(xy, fps, hidden)[0], midstance_frames(xy, fps)[0])


def test_rendered_rear_clip_event_timing():
    """drop8 of ``benchmarks/rear_view.py`` (60 fps rear treadmill, true contact 0.68 step periods):
    the fixed window around the waistband mid-stance is within a frame at IC and TO, centred on the
    true mid-stance; contact time comes out 0.6 step periods (short by ~28 ms, module docstring)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    rv = pytest.importorskip("rear_view")
    import formcheck
    from formcheck.types import RunnerInfo

    case = next(c for c in rv.grid(reduced=True) if c.name == "drop8")
    clip = rv.render(case, rv.DEFAULT_WORK)
    truth = json.loads(clip.with_name(clip.stem + ".truth.json").read_text())
    a = formcheck.analyze(clip, RunnerInfo(view="rear", height_m=1.75))
    e = rv.event_errors(truth, a.contacts)
    assert e["n"] >= 12
    frame_ms = 1000.0 / 60.0
    assert e["ic_abs_med_ms"] <= frame_ms and e["to_abs_med_ms"] <= frame_ms, e
    assert abs(e["ic_med_ms"] + e["to_med_ms"]) <= 5.0, e  # window centred on the true mid-stance


def test_an_edge_that_does_not_bounce_with_the_hips_is_ignored():
    """A clothing edge jumping between rows (real in-place clip: 200 px jumps) must not time mid-stance."""
    fps, step = 60.0, 0.36
    xy, waist = _bouncing_pose(480, fps, step, lag_frames=2.0)
    rng = np.random.default_rng(0)
    jumpy = 400.0 + 100.0 * rng.standard_normal(len(waist))
    np.testing.assert_allclose(midstance_frames(xy, fps, jumpy)[0], midstance_frames(xy, fps)[0])
    big = 230.0 + 5.0 * (waist - 230.0)  # right rhythm, 5x the hips' bounce: not the pelvis
    np.testing.assert_allclose(midstance_frames(xy, fps, big)[0], midstance_frames(xy, fps)[0])
