"""Backgrounds: a treadmill in a room, a plain wall, or a textured outdoor path (ray-cast per pixel).

The static part of the background is ray-cast once per clip. Surfaces that move relative to the
camera (the treadmill belt, or the ground under a tracking camera) keep their world coordinates so
that every frame only re-samples a texture. Treadmill uprights and rails are returned as primitives
so that they are depth-tested against the runner.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.synth.camera import Camera
from formcheck.synth.raster import Capsule

TEX_RES_M = 0.01  # texture cell size
TEX_N = 1024
BELT_HALF_WIDTH_M = 0.26
DECK_HALF_WIDTH_M = 0.38
DECK = (-0.95, 0.75)  # deck x range relative to the runner's mean position
FLOOR_Z = -0.18  # room floor below the treadmill belt


@dataclass(frozen=True, eq=False)
class Background:
    static_rgb: np.ndarray  # (H,W,3) float32 0-1
    depth: np.ndarray  # (H,W) float32 [m]
    moving_mask: np.ndarray  # (H,W) bool: pixels whose texture moves with the belt / ground
    moving_xy: np.ndarray  # (n,2) world x, y of those pixels
    moving_base: np.ndarray  # (n,3) base colour of those pixels
    texture: np.ndarray  # (TEX_N, TEX_N) float32 noise in ~[-1, 1]
    moving_gain: float
    primitives: tuple


def _noise(rng: np.random.Generator, n: int, sigma_cells: float) -> np.ndarray:
    from scipy.ndimage import gaussian_filter

    a = gaussian_filter(rng.normal(size=(n, n)), sigma_cells, mode="wrap")
    return (a / (np.abs(a).max() + 1e-9)).astype(np.float32)


def _tex(tex: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    i = np.floor(x / TEX_RES_M).astype(np.int64) % tex.shape[0]
    j = np.floor(y / TEX_RES_M).astype(np.int64) % tex.shape[1]
    return tex[i, j]


def _plane_t(C, D, normal, point):
    denom = D @ normal
    with np.errstate(divide="ignore", invalid="ignore"):
        t = ((point - C) @ normal) / denom
    return np.where(np.isfinite(t) & (t > 0), t, np.inf)


def _box_t(C, D, lo, hi):
    with np.errstate(divide="ignore", invalid="ignore"):
        t1 = (np.asarray(lo) - C) / D
        t2 = (np.asarray(hi) - C) / D
    tmin = np.nanmax(np.minimum(t1, t2), axis=-1)
    tmax = np.nanmin(np.maximum(t1, t2), axis=-1)
    ok = (tmax >= tmin) & (tmin > 0)
    return np.where(ok, tmin, np.inf)


def build_background(kind: str, cam: Camera, *, seed: int, wall_dir: np.ndarray, moving_ground: bool,
                     runner_x_m: float = 0.0) -> Background:
    """Ray-cast the static scene for a fixed camera.

    ``wall_dir`` is the horizontal unit vector from the camera towards the runner (the wall stands
    behind the runner, facing the camera). ``moving_ground`` marks the ground as moving (tracking
    camera); the treadmill belt always moves.
    """
    rng = np.random.default_rng(seed + 7919)
    H, W = cam.height_px, cam.width_px
    C = cam.C
    D = cam.ray_dirs().reshape(-1, 3)
    n = D.shape[0]
    rgb = np.zeros((n, 3), np.float32)
    tex = _noise(rng, TEX_N, 1.2)
    tex_coarse = _noise(rng, TEX_N, 12.0)
    wall_pt = np.array([runner_x_m, 0.0, 0.0]) + wall_dir * (3.0 if kind != "outdoor" else 45.0)
    ground_z = FLOOR_Z if kind == "treadmill" else 0.0
    t_ground = _plane_t(C, D, np.array([0, 0, 1.0]), np.array([0, 0, ground_z]))
    t_wall = _plane_t(C, D, -wall_dir, wall_pt)
    surfaces = {"ground": t_ground, "wall": t_wall}
    if kind == "treadmill":
        x0, x1 = runner_x_m + DECK[0], runner_x_m + DECK[1]
        surfaces["deck"] = _box_t(C, D, [x0, -DECK_HALF_WIDTH_M, FLOOR_Z], [x1, DECK_HALF_WIDTH_M, 0.0])
        surfaces["hood"] = _box_t(C, D, [x1, -0.42, FLOOR_Z], [x1 + 0.28, 0.42, 0.14])
    names = list(surfaces)
    T = np.stack([surfaces[k] for k in names], -1)
    which = np.argmin(T, axis=-1)
    t = T[np.arange(n), which]
    P = C + D * np.where(np.isfinite(t), t, 1e3)[:, None]
    depth = np.where(np.isfinite(t), t, 1e3).astype(np.float32)  # camera z = t because D has z = 1
    moving = np.zeros(n, bool)
    gain = 0.0
    for k, name in enumerate(names):
        m = which == k
        if not m.any():
            continue
        x, y, z = P[m, 0], P[m, 1], P[m, 2]
        if name == "wall":
            if kind == "outdoor":
                hgt = z
                sky = np.stack([0.55 + 0.1 * np.clip(hgt / 30, 0, 1), 0.72 + 0.05 * np.clip(hgt / 30, 0, 1),
                                np.full_like(hgt, 0.92)], -1)
                trees = (hgt < 7 + 3 * _tex(tex_coarse, x + y, hgt * 0 + 1.0)) & (hgt > -1)
                tv = 0.5 + 0.5 * _tex(tex, x + y, hgt)
                tree_rgb = np.stack([0.16 + 0.1 * tv, 0.30 + 0.12 * tv, 0.14 + 0.06 * tv], -1)
                rgb[m] = np.where(trees[:, None], tree_rgb, sky)
            else:
                lat = x * wall_dir[1] - y * wall_dir[0]
                v = 0.04 * _tex(tex_coarse, lat, z)
                base = np.array([0.80, 0.78, 0.72]) + v[:, None]
                skirting = (z < (ground_z + 0.12))[:, None]
                rgb[m] = np.where(skirting, np.array([0.55, 0.53, 0.5]), base)
        elif name == "ground":
            if kind == "outdoor":
                path = np.abs(y) < 1.4
                v = _tex(tex, x, y)
                asphalt = np.array([0.42, 0.41, 0.40]) + 0.07 * v[:, None]
                grass = np.array([0.30, 0.47, 0.20]) + 0.10 * v[:, None] + 0.05 * _tex(tex_coarse, x, y)[:, None]
                rgb[m] = np.where(path[:, None], asphalt, grass)
                if moving_ground:
                    moving[m] = True
                    gain = 0.07
            else:
                v = _tex(tex_coarse, x, y)
                rgb[m] = np.array([0.60, 0.52, 0.42]) + 0.04 * v[:, None]
        elif name == "deck":
            top = np.abs(z) < 1e-4
            belt = top & (np.abs(y) < BELT_HALF_WIDTH_M)
            col = np.where(top[:, None], np.array([0.72, 0.72, 0.74]), np.array([0.22, 0.22, 0.24]))
            col = np.where(belt[:, None], np.array([0.16, 0.16, 0.17]), col)
            rgb[m] = col
            idx = np.flatnonzero(m)[belt]
            moving[idx] = True
            gain = 0.35
        elif name == "hood":
            rgb[m] = np.array([0.30, 0.30, 0.33])
    # distance haze keeps far surfaces low-contrast
    moving_base = rgb[moving].copy()
    prims = ()
    if kind == "treadmill":
        x1 = runner_x_m + DECK[1]
        grey = (150, 150, 155)
        prims = tuple(
            p for sg in (1.0, -1.0) for p in (
                Capsule(np.array([x1 + 0.2, sg * 0.43, 0.1]), np.array([x1 + 0.02, sg * 0.43, 1.12]), 0.028, 0.024,
                        (90, 90, 95)),
                Capsule(np.array([x1 + 0.02, sg * 0.43, 1.1]), np.array([runner_x_m + 0.3, sg * 0.43, 1.02]), 0.02,
                        0.02, grey),
            )
        )
    return Background(
        static_rgb=rgb.reshape(H, W, 3), depth=depth.reshape(H, W), moving_mask=moving.reshape(H, W),
        moving_xy=P[moving][:, :2].copy(), moving_base=moving_base, texture=tex, moving_gain=gain,
        primitives=prims,
    )


def background_frame(bg: Background, shift_x_m: float) -> np.ndarray:
    """Background colour for one frame; the moving texture is sampled ``shift_x_m`` along x."""
    img = bg.static_rgb.copy()
    if bg.moving_xy.size:
        v = _tex(bg.texture, bg.moving_xy[:, 0] + shift_x_m, bg.moving_xy[:, 1])
        img[bg.moving_mask] = np.clip(bg.moving_base * (1.0 + bg.moving_gain * v[:, None]), 0, 1)
    return img
