"""Render a synthetic clip to H.264 MP4 and write its ``<clip>.truth.json`` (the I/O edge of synth).

Frame ``i`` shows the runner at capture time ``t = i / fps`` (real seconds). The file stores it at
``i / container_fps`` (slow motion when the container rate is lower). Motion blur averages
``blur_samples`` renders across the exposure; sensor noise is seeded, so a fixed spec gives identical
frames.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from formcheck.synth.camera import Camera, make_camera
from formcheck.synth.figure import body_primitives
from formcheck.synth.kinematics import GaitPlan, plan_gait, skeleton_at
from formcheck.synth.params import SynthSpec
from formcheck.synth.raster import draw
from formcheck.synth.scene import Background, background_frame, build_background


@dataclass(frozen=True, eq=False)
class Stage:
    """Everything needed to render any instant of a clip."""

    spec: SynthSpec
    plan: GaitPlan
    camera: Camera
    background: Background
    tracking: bool  # camera/belt: runner kept in place (treadmill or tracking camera)
    start_x_m: float  # overground static camera: runner's ground x offset
    noise_bank: np.ndarray  # (H+pad, W+pad, 3) float32 unit Gaussian noise


def build_stage(spec: SynthSpec) -> Stage:
    r = spec.render
    w, h = r.upright_size
    plan = plan_gait(spec.gait, spec.body, r.seconds, spec.seed)
    overground = spec.scene.overground
    static_side = overground and spec.camera.view in ("side", "oblique") and spec.camera.azimuth_deg is None
    tracking = not static_side
    start_x = -plan.speed_mps * r.seconds / 2 if static_side else 0.0
    cam = make_camera(spec.camera, width_px=w, height_px=h, body_height_m=spec.body.height_m)
    fwd = cam.R[2].copy()
    fwd[2] = 0
    fwd /= np.linalg.norm(fwd)
    bg = build_background(spec.scene.background, cam, seed=spec.seed, wall_dir=fwd,
                          moving_ground=overground and tracking)
    bank = np.random.default_rng(spec.seed + 15485863).standard_normal((h + 96, w + 96, 3), dtype=np.float32)
    return Stage(spec, plan, cam, bg, tracking, start_x, bank)


def ground_to_world(stage: Stage, t_s: np.ndarray) -> np.ndarray:
    """(T,3) offset added to ground-frame points to get world points at times ``t_s``."""
    t_s = np.atleast_1d(np.asarray(t_s, dtype=float))
    dx = -stage.plan.speed_mps * t_s if stage.tracking else np.full_like(t_s, stage.start_x_m)
    return np.stack([dx, np.zeros_like(dx), np.zeros_like(dx)], -1)


def _shadow(img: np.ndarray, cam: Camera, centre_xy: np.ndarray) -> np.ndarray:
    import cv2

    ang = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    pts = np.stack([centre_xy[0] + 0.38 * np.cos(ang), centre_xy[1] + 0.24 * np.sin(ang), np.zeros_like(ang)], -1)
    uv, z = cam.project(pts)
    if np.any(z <= 0.1):
        return img
    k = max(3, int(0.02 * cam.f_px) | 1)
    x0, y0 = np.floor(uv.min(0)).astype(int) - k
    x1, y1 = np.ceil(uv.max(0)).astype(int) + k
    x0, y0 = max(x0, 0), max(y0, 0)
    x1, y1 = min(x1, img.shape[1]), min(y1, img.shape[0])
    if x1 <= x0 or y1 <= y0:
        return img
    mask = np.zeros((y1 - y0, x1 - x0), np.float32)
    cv2.fillPoly(mask, [np.round(uv - [x0, y0]).astype(np.int32)], 1.0)
    mask = cv2.GaussianBlur(mask, (k, k), 0)
    img[y0:y1, x0:x1] *= (1.0 - 0.35 * mask[..., None])
    return img


def _sample_times(r, i: int) -> np.ndarray:
    """Real times rendered for frame ``i`` (several across the exposure when motion blur is on)."""
    t = i / r.fps
    if r.blur_shutter_frac > 0 and r.blur_samples > 1:
        return t + (np.linspace(0, 1, r.blur_samples) - 0.5) * r.blur_shutter_frac / r.fps
    return np.array([t])


def _render_instant(stage: Stage, sk, j: int, t_s: float) -> np.ndarray:
    off = ground_to_world(stage, np.array([t_s]))[0]
    belt_shift = stage.plan.speed_mps * t_s if stage.tracking else 0.0
    img = background_frame(stage.background, belt_shift)
    img = _shadow(img, stage.camera, sk.points["pelvis"][j, :2] + off[:2])
    prims = list(stage.background.primitives) + body_primitives(sk, j, stage.plan.dims, stage.spec.body, off)
    img, _ = draw(stage.camera, prims, img, stage.background.depth)
    return img


def render_instant(stage: Stage, t_s: float) -> np.ndarray:
    """Upright RGB float32 (H,W,3) image (0-1) of the runner at real time ``t_s`` (no noise/blur)."""
    return _render_instant(stage, skeleton_at(stage.plan, np.array([t_s])), 0, t_s)


def render_frames(stage: Stage, start: int, stop: int) -> list[np.ndarray]:
    """Frames ``start <= i < stop`` as upright uint8 RGB, with motion blur, optics softness and noise.

    Each frame's noise comes from its own seeded generator, so any split of the frames across
    processes gives identical pixels.
    """
    import cv2

    r = stage.spec.render
    times = [_sample_times(r, i) for i in range(start, stop)]
    if not times:
        return []
    sk = skeleton_at(stage.plan, np.concatenate(times))
    out, j = [], 0
    bank = stage.noise_bank
    for i, ts in zip(range(start, stop), times):
        imgs = []
        for t in ts:
            imgs.append(_render_instant(stage, sk, j, float(t)))
            j += 1
        img = imgs[0] if len(imgs) == 1 else np.mean(imgs, axis=0)
        img = cv2.GaussianBlur(img, (3, 3), 0.6)
        img *= 255.0
        if r.noise_sd > 0:
            # a seeded bank of Gaussian noise, sampled at a per-frame random offset (fast, reproducible)
            rng = np.random.default_rng([stage.spec.seed, i])
            H, W = img.shape[:2]
            oy = int(rng.integers(0, bank.shape[0] - H + 1))
            ox = int(rng.integers(0, bank.shape[1] - W + 1))
            img += bank[oy:oy + H, ox:ox + W] * np.float32(r.noise_sd)
        out.append(cv2.convertScaleAbs(img))  # saturating round to uint8
    return out


_WORKER_STAGE: dict = {}


def _worker_frames(spec: SynthSpec, start: int, stop: int) -> list[np.ndarray]:
    key = json.dumps(spec.to_dict(), sort_keys=True)
    if key not in _WORKER_STAGE:
        _WORKER_STAGE.clear()
        _WORKER_STAGE[key] = build_stage(spec)
    return render_frames(_WORKER_STAGE[key], start, stop)


def _frame_chunks(stage: Stage, workers: int, chunk: int = 24):
    """Yield rendered frames in order, using ``workers`` processes when > 1."""
    n = stage.spec.render.n_frames
    bounds = [(a, min(a + chunk, n)) for a in range(0, n, chunk)]
    if workers <= 1:
        for a, b in bounds:
            yield from render_frames(stage, a, b)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=ctx) as ex:
        futs = [ex.submit(_worker_frames, stage.spec, a, b) for a, b in bounds]
        for f in futs:
            yield from f.result()


def render_clip(spec: SynthSpec, out: str | Path, *, progress=None, workers: int | None = None) -> dict:
    """Render ``spec`` to ``out`` (MP4) and ``out``.truth.json; returns the truth dictionary.

    ``workers`` processes render frames in parallel (default: up to 2 for clips longer than 2 s);
    the output does not depend on it. ``progress(done, total)`` is called after each frame.
    """
    from formcheck.synth.truth import compute_truth, truth_path
    from formcheck.video import H264Writer

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    r = spec.render
    t_start = time.perf_counter()
    stage = build_stage(spec)
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if r.n_frames > 2 * r.fps else 1
    w, h = r.upright_size
    rot = 90 if r.portrait else 0
    sw, sh = (h, w) if rot else (w, h)
    with H264Writer(out, sw, sh, fps=r.file_fps, crf=r.crf, rotation_deg=rot) as wr:
        for i, img in enumerate(_frame_chunks(stage, workers)):
            if rot:
                img = np.ascontiguousarray(np.rot90(img, -1))
            wr.write(img, i / r.file_fps)
            if progress is not None:
                progress(i + 1, r.n_frames)
    truth = compute_truth(stage)
    truth["render_seconds"] = None  # wall time is not part of the truth (keeps the file reproducible)
    text = json.dumps(truth, sort_keys=True, separators=(",", ":"), allow_nan=False)
    truth_path(out).write_text(text)
    truth["render_seconds"] = time.perf_counter() - t_start
    return truth
