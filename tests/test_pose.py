"""Pose extraction with the real BlazePose model: detection, pixel coordinates, caching, chunks."""

from __future__ import annotations

import numpy as np
import pytest

from fcutil import SAMPLES, VIDEOS, needs_shared
from formcheck.config import PoseConfig
from formcheck.pose import estimate_pose
from formcheck.video import read_video_meta

SIDE = VIDEOS / "run_side_treadmill__mhuang24_IMG_5396_60fps.mp4"


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("FORMCHECK_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _short_clip(tmp_path, src, n=60):
    """First ``n`` frames of ``src`` re-encoded (keeps tests fast)."""
    from formcheck.video import H264Writer, iter_frames

    meta = read_video_meta(src)
    out = tmp_path / "short.mp4"
    with H264Writer(out, meta.width_px, meta.height_px, fps=meta.container_fps, crf=18) as w:
        for _, t, rgb in iter_frames(meta, stop=n):
            w.write(rgb, t)
    return out


@needs_shared()
def test_landmarks_are_pixels_inside_the_frame(tmp_path, cache_dir):
    meta = read_video_meta(_short_clip(tmp_path, SIDE))
    seen = []
    pose = estimate_pose(meta, PoseConfig(), progress=lambda d, n: seen.append((d, n)))
    assert len(pose) == 60 and pose.detection_rate >= 0.95
    body = pose.xy[pose.detected][:, 11:29]
    assert np.nanmin(body[..., 0]) >= -0.05 * meta.width_px and np.nanmax(body[..., 0]) <= 1.05 * meta.width_px
    assert np.nanmin(body[..., 1]) >= -0.05 * meta.height_px and np.nanmax(body[..., 1]) <= 1.05 * meta.height_px
    # a runner in a portrait frame: the body spans a large part of the height, in pixels (not 0-1)
    span = np.nanmax(body[..., 1], axis=1) - np.nanmin(body[..., 1], axis=1)
    assert np.median(span) > 0.3 * meta.height_px
    assert seen[-1][0] == 60
    assert np.all(np.diff(pose.t_s) > 0)
    np.testing.assert_allclose(np.diff(pose.t_s), 1 / 60, atol=1e-3)


@needs_shared()
def test_cache_returns_identical_landmarks_and_is_keyed_by_settings(tmp_path, cache_dir):
    meta = read_video_meta(_short_clip(tmp_path, SIDE, n=20))
    a = estimate_pose(meta, PoseConfig())
    files = list(cache_dir.glob("*.npz"))
    assert len(files) == 1
    b = estimate_pose(meta, PoseConfig())
    np.testing.assert_array_equal(a.xy, b.xy)
    estimate_pose(meta, PoseConfig(model="lite"))
    assert len(list(cache_dir.glob("*.npz"))) == 2  # another model -> another entry
    estimate_pose(meta, PoseConfig(cache=False))
    assert len(list(cache_dir.glob("*.npz"))) == 2  # no-cache neither reads nor writes


@needs_shared()
def test_parallel_chunks_cover_every_frame_in_order(tmp_path, cache_dir):
    meta = read_video_meta(_short_clip(tmp_path, SIDE, n=40))
    one = estimate_pose(meta, PoseConfig(cache=False))
    two = estimate_pose(meta, PoseConfig(cache=False, workers=2))
    np.testing.assert_array_equal(one.frame, two.frame)
    np.testing.assert_allclose(one.t_s, two.t_s)
    assert two.detection_rate >= 0.95
    # the second chunk restarts tracking, so landmarks may differ slightly, but not grossly
    d = np.nanmedian(np.linalg.norm(one.xy[:, 11:29] - two.xy[:, 11:29], axis=-1))
    assert d < 0.02 * meta.height_px


@pytest.mark.skipif(not (SAMPLES / "side_treadmill.mp4").exists(), reason="sample clip not generated yet")
def test_sample_clip_pose_found(cache_dir):
    pose = estimate_pose(read_video_meta(SAMPLES / "side_treadmill.mp4"), PoseConfig())
    assert pose.detection_rate >= 0.95
    body = pose.xy[pose.detected][:, 11:29]
    assert np.nanmin(body) >= 0 and np.nanmax(body[..., 0]) <= pose.meta.width_px


def test_frames_without_a_person_are_nan_rows(tmp_path, cache_dir, make_clip):
    meta = read_video_meta(make_clip(n=10, w=320, h=240))
    pose = estimate_pose(meta, PoseConfig())
    assert len(pose) == 10 and pose.detection_rate == 0.0
    assert np.isnan(pose.xy).all()
