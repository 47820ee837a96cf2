"""Pinhole camera: world (x travel, y left, z up) -> camera (x right, y down, z forward) -> pixels."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.synth.params import CameraParams

SENSOR_MM = 36.0  # 35 mm-equivalent long side


@dataclass(frozen=True, eq=False)
class Camera:
    """``R`` rows are the camera right, down and forward axes in world coordinates; ``C`` its centre."""

    R: np.ndarray
    C: np.ndarray
    f_px: float
    cx: float
    cy: float
    width_px: int
    height_px: int

    def to_cam(self, p: np.ndarray) -> np.ndarray:
        """World points (..., 3) -> camera coordinates (..., 3)."""
        return (np.asarray(p) - self.C) @ self.R.T

    def project(self, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """World points (..., 3) -> (pixels (..., 2), depth (...) [m])."""
        c = self.to_cam(p)
        z = c[..., 2]
        with np.errstate(divide="ignore", invalid="ignore"):
            uv = np.stack([self.f_px * c[..., 0] / z + self.cx, self.f_px * c[..., 1] / z + self.cy], -1)
        return uv, z

    def translated(self, dx_m: float) -> Camera:
        """The same camera moved along the world x axis (dolly)."""
        return Camera(self.R, self.C + np.array([dx_m, 0.0, 0.0]), self.f_px, self.cx, self.cy,
                      self.width_px, self.height_px)

    def ray_dirs(self) -> np.ndarray:
        """(H, W, 3) world-space direction of every pixel ray (not normalised; camera z = 1)."""
        u = (np.arange(self.width_px) + 0.5 - self.cx) / self.f_px
        v = (np.arange(self.height_px) + 0.5 - self.cy) / self.f_px
        uu, vv = np.meshgrid(u, v)
        d = np.stack([uu, vv, np.ones_like(uu)], -1)
        return d @ self.R


def make_camera(cp: CameraParams, *, width_px: int, height_px: int, body_height_m: float,
                target_x_m: float = 0.0) -> Camera:
    """Place and aim the camera at the runner (centre of the body at ``target_x_m``)."""
    h = body_height_m
    f_px = cp.focal_mm / SENSOR_MM * max(width_px, height_px)
    dist = cp.distance_m
    if dist is None:
        dist = f_px * 1.05 * h / (cp.fill_frac * height_px)
    cam_h = 0.55 * h if cp.height_m is None else cp.height_m
    az = np.radians(cp.azimuth)
    target = np.array([target_x_m, 0.0, 0.5 * h])
    C = target + np.array([-np.cos(az) * dist, -np.sin(az) * dist, 0.0])
    C[2] = cam_h
    fwd = target - C
    fwd /= np.linalg.norm(fwd)
    # extra pitch (+ up): rotate forward towards world up
    up = np.array([0.0, 0.0, 1.0])
    right = np.cross(fwd, up)
    right /= np.linalg.norm(right)
    p = np.radians(cp.pitch_deg)
    fwd = np.cos(p) * fwd + np.sin(p) * np.cross(right, fwd)
    down = np.cross(fwd, right)
    r = np.radians(cp.roll_deg)  # + = image content turns clockwise -> camera rolls counter-clockwise
    right, down = np.cos(r) * right - np.sin(r) * down, np.sin(r) * right + np.cos(r) * down
    R = np.stack([right, down, fwd])
    return Camera(R, C, f_px, width_px / 2.0, height_px / 2.0, width_px, height_px)
