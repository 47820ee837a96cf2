"""Cleaning on analytic signals."""

import numpy as np

from formcheck.cleaning import (
    fix_leg_swaps,
    interpolate_gaps,
    longest_track,
    lowpass,
    mask_low_visibility,
    reject_outliers,
)
from formcheck.landmarks import Landmark as L
from synthetic_gait import side_runner


def test_lowpass_sinusoid_with_gap():
    fs = 60.0
    t = np.arange(600) / fs
    clean = np.sin(2 * np.pi * 1.5 * t)
    x = clean + 0.2 * np.sin(2 * np.pi * 20 * t)
    x[200:230] = np.nan
    y = lowpass(x, fs_hz=fs, cutoff_hz=6.0, order=2)
    ok = np.isfinite(y)
    assert np.isnan(y[200:230]).all() and ok.sum() == 570
    inner = ok & (np.abs(np.arange(600) - 215) > 40) & (np.arange(600) > 30) & (np.arange(600) < 570)
    assert np.max(np.abs(y[inner] - clean[inner])) < 0.02


def test_interpolate_gaps_respects_max_gap():
    t = np.arange(100) / 30.0
    x = t.copy()
    x[10:12] = np.nan  # 2 frames = 67 ms gap
    x[50:60] = np.nan  # 10 frames = 333 ms gap
    y, n = interpolate_gaps(x, t, max_gap_s=0.1)
    assert n == 2 and np.allclose(y[10:12], t[10:12]) and np.isnan(y[50:60]).all()


def test_mask_and_outliers():
    xy = np.zeros((50, 33, 2))
    vis = np.ones((50, 33))
    vis[5, 3] = 0.1
    out, n = mask_low_visibility(xy, vis, min_visibility=0.3)
    assert n == 1 and np.isnan(out[5, 3]).all()
    x = np.sin(np.arange(200) / 10.0) * 50
    x[100] += 200
    y, nbad = reject_outliers(x, np.arange(200) / 60.0, window_s=0.25, k=6)
    assert np.isnan(y[100]) and nbad <= 3


def test_leg_swaps_corrected():
    pose, truth = side_runner(fps=60, duration_s=4, noise_px=0, swap_frames=6, seed=3)
    fixed, swapped = fix_leg_swaps(np.array(pose.xy))
    assert swapped.sum() == 6
    assert np.allclose(fixed[:, L.LEFT_ANKLE], truth.xy_clean[:, L.LEFT_ANKLE])


def test_leg_swap_fix_does_not_drift_into_stretches():
    """A frame-by-frame fix that trusts its own corrected past can lock onto the wrong labels for
    whole strides after one unclear frame; the whole-sequence fix swaps only the bad frames."""
    pose, truth = side_runner(fps=60, duration_s=6, noise_px=3, swap_frames=8, seed=5)
    fixed, swapped = fix_leg_swaps(np.array(pose.xy))
    assert swapped.sum() == 8
    err = np.linalg.norm(fixed[:, L.LEFT_ANKLE] - truth.xy_clean[:, L.LEFT_ANKLE], axis=1)
    assert np.median(err) < 6 and (err > 40).sum() == 0


def test_leg_swap_anchors_are_honoured():
    pose, truth = side_runner(fps=60, duration_s=4, noise_px=0, swap_stretches=1, seed=3)
    xy = np.array(pose.xy)
    wrong = np.linalg.norm(xy[:, L.LEFT_ANKLE] - truth.xy_clean[:, L.LEFT_ANKLE], axis=1) > 1
    assert wrong.sum() > 30  # a stretch from one ankle crossing to a later one
    anchors = np.where(wrong, 1, 0)
    anchors[::3] = -1  # free frames follow continuity
    fixed, swapped = fix_leg_swaps(xy, anchors=anchors)
    assert (swapped == wrong).all()
    assert np.allclose(fixed[:, L.LEFT_ANKLE], truth.xy_clean[:, L.LEFT_ANKLE])


def test_longest_track_splits_at_person_changes():
    t = np.arange(100)
    xy = np.full((100, 33, 2), np.nan)
    hip_x = np.where(t < 60, 100.0 + t, 400.0 + t)  # another person from frame 60 (a 3-torso jump)
    hip_x[80:] += 300.0  # and another from frame 80
    for lm, dy in ((L.LEFT_HIP, 0.0), (L.RIGHT_HIP, 0.0), (L.LEFT_SHOULDER, -100.0), (L.RIGHT_SHOULDER, -100.0)):
        xy[:, lm] = np.c_[hip_x, np.full(100, 300.0 + dy)]
    xy[30:35] = np.nan  # a gap inside a track is not a change
    assert longest_track(xy) == (0, 60, [60, 80])
    assert longest_track(xy[:60]) == (0, 60, [])
