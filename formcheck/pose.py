"""Pose extraction with MediaPipe BlazePose (Tasks API, VIDEO mode). The only module importing mediapipe.

* One ``PoseLandmarker`` per clip, or per contiguous chunk of frames when a clip is split across
  worker processes; timestamps strictly increase per instance; the landmarker is always closed.
* Normalised landmark coordinates are converted to upright-frame pixels immediately.
* Frames without a person become NaN rows (never dropped), so the time axis stays the clip's.
* Per-frame image features (e.g. the waistband edge used for pelvic drop) are computed here, while
  the frame and the person mask are in memory, by a pure function passed in as ``frame_features``.
* Results are cached on disk keyed by (file sha256, model, settings, feature version, capture fps).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import multiprocessing
import os
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from formcheck.config import PoseConfig
from formcheck.landmarks import N_LANDMARKS
from formcheck.models import BUNDLE_SHA256, ensure_model
from formcheck.types import PoseSeries, VideoMeta
from formcheck.video import expected_frames, file_sha256, iter_frames

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
FrameFeatures = Callable[[np.ndarray, "np.ndarray | None", np.ndarray, np.ndarray], dict]

CACHE_VERSION = 2
_NOISY_CALLS = 3  # MediaPipe's native start-up log lines come from creation and the first detections


@contextlib.contextmanager
def _native_stderr_silenced(active: bool = True):
    """Send file descriptor 2 to /dev/null for the duration (MediaPipe's C++ start-up lines
    "Created TensorFlow Lite XNNPACK delegate", "Feedback manager requires ..." bypass Python logging
    and ignore GLOG/TF log-level variables). Only the landmarker's creation and first calls are
    wrapped, so the window is a few milliseconds."""
    if not active:
        yield
        return
    try:
        saved = os.dup(2)
    except OSError:  # no usable stderr (some embedded hosts)
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        sys.stderr.flush()
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class PoseEstimator:
    """Context manager around one VIDEO-mode ``PoseLandmarker`` (a stateful resource).

    ``estimator(rgb, t_s)`` returns ``(xy_px (33,2), visibility (33,), presence (33,), world (33,3), mask)``;
    all-NaN arrays and ``mask=None`` when no person is found.
    """

    def __init__(self, cfg: PoseConfig, *, segmentation: bool = False) -> None:
        from mediapipe.tasks.python import vision
        from mediapipe.tasks.python.core import base_options

        model_path = ensure_model(cfg.model)
        opts = vision.PoseLandmarkerOptions(
            base_options=base_options.BaseOptions(model_asset_path=str(model_path)),
            running_mode=vision.RunningMode.VIDEO,
            num_poses=1,
            min_pose_detection_confidence=cfg.min_pose_detection_confidence,
            min_pose_presence_confidence=cfg.min_pose_presence_confidence,
            min_tracking_confidence=cfg.min_tracking_confidence,
            output_segmentation_masks=segmentation,
        )
        with _native_stderr_silenced():
            self._landmarker = vision.PoseLandmarker.create_from_options(opts)
        self._last_ms = -1
        self._calls = 0

    def __call__(self, rgb: np.ndarray, t_s: float):
        import mediapipe as mp

        ts_ms = max(int(round(t_s * 1000)), self._last_ms + 1)
        self._last_ms = ts_ms
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        with _native_stderr_silenced(self._calls < _NOISY_CALLS):
            res = self._landmarker.detect_for_video(image, ts_ms)
        self._calls += 1
        h, w = rgb.shape[:2]
        if not res.pose_landmarks:
            nan2 = np.full((N_LANDMARKS, 2), np.nan)
            return nan2, np.full(N_LANDMARKS, np.nan), np.full(N_LANDMARKS, np.nan), \
                np.full((N_LANDMARKS, 3), np.nan), None
        lms = res.pose_landmarks[0]
        xy = np.array([[lm.x * w, lm.y * h] for lm in lms], dtype=float)
        vis = np.array([lm.visibility if lm.visibility is not None else np.nan for lm in lms], dtype=float)
        pres = np.array([lm.presence if lm.presence is not None else np.nan for lm in lms], dtype=float)
        world = np.array([[lm.x, lm.y, lm.z] for lm in res.pose_world_landmarks[0]], dtype=float)
        mask = None
        if res.segmentation_masks:
            mask = res.segmentation_masks[0].numpy_view()
            mask = mask[..., 0] if mask.ndim == 3 else mask
        return xy, vis, pres, world, mask

    def close(self) -> None:
        if self._landmarker is not None:
            self._landmarker.close()
            self._landmarker = None

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _estimate_chunk(meta: VideoMeta, cfg: PoseConfig, start: int, stop: int | None,
                    frame_features: FrameFeatures | None, progress: Progress | None = None,
                    total: int = 0, warnings: list | None = None) -> dict:
    """Run one landmarker over frames [start, stop). Importable top-level function (picklable)."""
    rows: dict[str, list] = {k: [] for k in ("frame", "t_s", "xy", "visibility", "presence", "world")}
    feats: dict[str, list] = {}
    with PoseEstimator(cfg, segmentation=frame_features is not None) as est:
        for i, (idx, t, rgb) in enumerate(iter_frames(meta, start=start, stop=stop,
                                                       on_warning=(warnings.append if warnings is not None else None))):
            xy, vis, pres, world, mask = est(rgb, t)
            for k, v in zip(("frame", "t_s", "xy", "visibility", "presence", "world"), (idx, t, xy, vis, pres, world)):
                rows[k].append(v)
            if frame_features is not None:
                f = frame_features(rgb, mask, xy, vis) if np.isfinite(xy).any() else {}
                for k in set(feats) | set(f):
                    feats.setdefault(k, [np.nan] * i).append(float(f.get(k, np.nan)))
            if progress is not None:
                progress(i + 1, total)
    n = len(rows["frame"])
    for k, v in feats.items():
        v.extend([np.nan] * (n - len(v)))
    return {"rows": rows, "features": feats}


def _cache_root() -> Path:
    env = os.environ.get("FORMCHECK_CACHE_DIR")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "formcheck" / "pose"


def cache_key(file_hash: str, meta: VideoMeta, cfg: PoseConfig, features_id: str) -> str:
    payload = json.dumps({"v": CACHE_VERSION, "file": file_hash, "cfg": cfg.cache_key(), "features": features_id,
                          "capture_fps": meta.capture_fps}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def _save(path: Path, pose: PoseSeries) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, frame=pose.frame, t_s=pose.t_s, xy=pose.xy, visibility=pose.visibility,
                        presence=pose.presence, world=pose.world,
                        **{f"feature__{k}": v for k, v in pose.features.items()})
    os.replace(tmp, path)


def _load(path: Path, meta: VideoMeta, cfg: PoseConfig) -> PoseSeries | None:
    try:
        with np.load(path) as z:
            feats = {k[len("feature__"):]: z[k] for k in z.files if k.startswith("feature__")}
            return PoseSeries(frame=z["frame"], t_s=z["t_s"], xy=z["xy"], visibility=z["visibility"],
                              presence=z["presence"], world=z["world"], meta=meta, model=cfg.model,
                              model_sha256=BUNDLE_SHA256[cfg.model], features=feats)
    except (OSError, KeyError, ValueError) as e:
        logger.warning("ignoring unreadable pose cache %s (%s)", path, e)
        return None


def estimate_pose(meta: VideoMeta, cfg: PoseConfig = PoseConfig(), *, progress: Progress | None = None,
                  frame_features: FrameFeatures | None = None, features_id: str = "",
                  warnings: list | None = None) -> PoseSeries:
    """Landmarks for every decoded frame of a clip.

    Parameters
    ----------
    meta : VideoMeta from ``video.read_video_meta``.
    cfg : PoseConfig (model, confidences, ``workers`` for parallel chunks, ``cache``).
    progress : called as ``progress(done, total)``; ``total`` is an estimate (0 if unknown).
    frame_features : pure function ``(rgb, mask, xy_px, visibility) -> dict[str, float]`` evaluated on
        each frame with a pose; results land in ``PoseSeries.features``. ``features_id`` names its
        version for the cache key.
    warnings : list that receives decode warnings (e.g. a truncated file).

    Returns
    -------
    PoseSeries in image pixels, one row per decoded frame (NaN rows where no person was found).
    """
    cache_file = None
    if cfg.cache:
        key = cache_key(file_sha256(meta.path), meta, cfg, features_id if frame_features else "")
        cache_file = _cache_root() / f"{key}.npz"
        cached = _load(cache_file, meta, cfg) if cache_file.exists() else None
        if cached is not None:
            if progress:
                progress(len(cached), len(cached))
            return cached
    ensure_model(cfg.model)  # build before forking workers, with its message, once
    total = expected_frames(meta) or 0
    local_warnings: list[str] = []
    if cfg.workers > 1 and total >= 4 * cfg.workers:
        bounds = np.linspace(0, total, cfg.workers + 1).round().astype(int)
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(cfg.workers, mp_context=ctx) as ex:
            futs = [ex.submit(_estimate_chunk, meta, cfg, int(a), int(b) if k < cfg.workers - 1 else None,
                              frame_features, None, 0, None) for k, (a, b) in enumerate(zip(bounds[:-1], bounds[1:]))]
            parts = []
            for f in futs:  # in order: chunks are contiguous
                parts.append(f.result())
                if progress:
                    progress(sum(len(p["rows"]["frame"]) for p in parts), total)
    else:
        parts = [_estimate_chunk(meta, cfg, 0, None, frame_features, progress, total, local_warnings)]
    if warnings is not None:
        warnings.extend(local_warnings)
    rows = {k: [v for p in parts for v in p["rows"][k]] for k in parts[0]["rows"]}
    n = len(rows["frame"])
    if n == 0:
        from formcheck.errors import VideoReadError

        raise VideoReadError(f"{meta.path}: no frame could be decoded")
    feat_names = sorted({k for p in parts for k in p["features"]})
    feats = {k: np.concatenate([np.asarray(p["features"].get(k, [np.nan] * len(p["rows"]["frame"])), float)
                                for p in parts]) for k in feat_names}
    pose = PoseSeries(frame=np.asarray(rows["frame"]), t_s=np.asarray(rows["t_s"]), xy=np.stack(rows["xy"]),
                      visibility=np.stack(rows["visibility"]), presence=np.stack(rows["presence"]),
                      world=np.stack(rows["world"]), meta=meta, model=cfg.model,
                      model_sha256=BUNDLE_SHA256[cfg.model], features=feats)
    if cache_file is not None and not local_warnings:  # never cache a partial decode
        _save(cache_file, pose)
    return pose

