"""A tiny numpy rasteriser for shaded 3D volumes with a per-pixel depth test.

Two primitives:

* ``Ellipsoid`` - exact ray/ellipsoid intersection per pixel. Colour bands and clipping are given in
  the ellipsoid's own frame (metres), so a waistband painted on the pelvis tilts exactly with it.
  A clipped front hit falls back to the back (inside) surface, so an open hem shows its inside.
* ``Capsule`` - a tapered limb (cone with spherical ends) evaluated in screen space: each pixel takes
  the closest point of the projected axis, whose depth and radius are interpolated. Exact for the
  silhouette of a sphere-swept segment seen side-on, approximate when seen end-on (good enough for
  limbs). Colour bands run along the axis (e.g. shorts hem, sleeve, socks).

Shading is Lambert with one light fixed to the camera plus ambient. Only pixels inside each primitive's
projected bounding box are evaluated, which keeps a 640x480 frame at a few tens of milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.synth.camera import Camera

LIGHT_CAM = np.array([-0.35, -0.6, -0.72]) / np.linalg.norm([-0.35, -0.6, -0.72])
AMBIENT = 0.38
DIFFUSE = 0.62


@dataclass(frozen=True, eq=False)
class Ellipsoid:
    centre: np.ndarray  # (3,) world
    axes: np.ndarray  # (3,3) world, columns = local x, y, z
    radii: np.ndarray  # (3,) [m]
    rgb: tuple  # base colour 0-255
    bands: tuple = ()  # ((axis, lo, hi, rgb), ...) in local metres; later bands win
    keep: tuple = ()  # ((axis, lo, hi), ...): a hit is kept only where all hold


@dataclass(frozen=True, eq=False)
class Capsule:
    a: np.ndarray  # (3,) world
    b: np.ndarray
    ra: float  # radius at a [m]
    rb: float
    rgb: tuple
    bands: tuple = ()  # ((s_lo, s_hi, rgb), ...) with s = 0 at a, 1 at b


def _shade(nx, ny, nz, rgb_map):
    lam = np.clip(nx * LIGHT_CAM[0] + ny * LIGHT_CAM[1] + nz * LIGHT_CAM[2], 0, 1)
    return rgb_map * (AMBIENT + DIFFUSE * lam)[..., None]


def _bbox(cam: Camera, uv: np.ndarray, r_px: np.ndarray):
    lo = (uv - r_px[:, None]).min(axis=0)
    hi = (uv + r_px[:, None]).max(axis=0)
    x0, y0 = max(int(lo[0]) - 1, 0), max(int(lo[1]) - 1, 0)
    x1, y1 = min(int(hi[0]) + 2, cam.width_px), min(int(hi[1]) + 2, cam.height_px)
    if x1 <= x0 or y1 <= y0:
        return None
    return x0, x1, y0, y1


def _colour_map(shape, rgb, bands, coord_fn):
    out = np.empty(shape + (3,), dtype=np.float32)
    out[:] = np.asarray(rgb, dtype=np.float32) / 255.0
    for band in bands:
        *sel, col = band
        m = coord_fn(sel)
        out[m] = np.asarray(col, dtype=np.float32) / 255.0
    return out


def _draw_ellipsoid(cam: Camera, e: Ellipsoid, img: np.ndarray, zbuf: np.ndarray) -> None:
    c_cam = cam.to_cam(e.centre)
    if c_cam[2] <= 0.1:
        return
    A = cam.R @ e.axes  # local axes in camera coordinates (columns)
    corners = c_cam + (np.array([[i, j, k] for i in (-1, 1) for j in (-1, 1) for k in (-1, 1)]) * e.radii) @ A.T
    if np.any(corners[:, 2] <= 0.05):
        return
    uv = cam.f_px * corners[:, :2] / corners[:, 2:3] + [cam.cx, cam.cy]
    bb = _bbox(cam, uv, np.zeros(len(uv)))
    if bb is None:
        return
    x0, x1, y0, y1 = bb
    B = A.T / e.radii[:, None]  # local-unit <- camera
    o = -(B @ c_cam)
    xn = ((np.arange(x0, x1, dtype=np.float32) + 0.5 - cam.cx) / cam.f_px)[None, :]
    yn = ((np.arange(y0, y1, dtype=np.float32) + 0.5 - cam.cy) / cam.f_px)[:, None]
    B32 = B.astype(np.float32)
    d = [B32[i, 0] * xn + (B32[i, 1] * yn + B32[i, 2]) for i in range(3)]
    a = d[0] ** 2 + d[1] ** 2 + d[2] ** 2
    o = o.astype(np.float32)
    b = o[0] * d[0] + o[1] * d[1] + o[2] * d[2]
    c0 = np.float32(o @ o - 1.0)
    disc = b * b - a * c0
    iy, ix = np.nonzero(disc > 0)
    if iy.size == 0:
        return
    d = [di[iy, ix] for di in d]
    a, b = a[iy, ix], b[iy, ix]
    sq = np.sqrt(disc[iy, ix])
    t = (-b - sq) / a
    p = [o[i] + t * d[i] for i in range(3)]
    m = [p[i] * e.radii[i] for i in range(3)]
    front = np.ones(iy.size, bool)
    if e.keep:
        ok = np.ones(iy.size, bool)
        for ax, lo, hi in e.keep:
            ok &= (m[ax] >= lo) & (m[ax] <= hi)
        t2 = (-b + sq) / a  # back (inside) surface where the front is clipped away
        p2 = [o[i] + t2 * d[i] for i in range(3)]
        m2 = [p2[i] * e.radii[i] for i in range(3)]
        ok2 = np.ones(iy.size, bool)
        for ax, lo, hi in e.keep:
            ok2 &= (m2[ax] >= lo) & (m2[ax] <= hi)
        use_back = ~ok & ok2
        t = np.where(use_back, t2, t)
        p = [np.where(use_back, p2[i], p[i]) for i in range(3)]
        m = [np.where(use_back, m2[i], m[i]) for i in range(3)]
        front = ~use_back
        sel = ok | ok2
        iy, ix, t, front = iy[sel], ix[sel], t[sel], front[sel]
        p = [q[sel] for q in p]
        m = [q[sel] for q in m]
    zsub = zbuf[y0:y1, x0:x1]
    win = (t > 0.05) & (t < zsub[iy, ix])  # camera ray has z = 1, so t is the depth
    if not win.any():
        return
    iy, ix, t, front = iy[win], ix[win], t[win], front[win]
    g = [p[i][win] / e.radii[i] for i in range(3)]
    m = [q[win] for q in m]
    n = [A[j, 0] * g[0] + A[j, 1] * g[1] + A[j, 2] * g[2] for j in range(3)]
    nn = np.sqrt(n[0] ** 2 + n[1] ** 2 + n[2] ** 2) + 1e-12
    sgn = np.where(front, 1.0, -1.0) / nn
    col = _colour_map(t.shape, e.rgb, e.bands, lambda sel: (m[sel[0]] >= sel[1]) & (m[sel[0]] < sel[2]))
    shaded = _shade(n[0] * sgn, n[1] * sgn, n[2] * sgn, col)
    shaded[~front] *= 0.55
    zsub[iy, ix] = t
    img[y0 + iy, x0 + ix] = shaded


def _draw_capsule(cam: Camera, c: Capsule, img: np.ndarray, zbuf: np.ndarray) -> None:
    uv, z = cam.project(np.stack([c.a, c.b]))
    if np.any(z <= 0.05):
        return
    rpx = cam.f_px * np.array([c.ra, c.rb]) / z
    bb = _bbox(cam, uv, rpx)
    if bb is None:
        return
    x0, x1, y0, y1 = bb
    qx = (np.arange(x0, x1, dtype=np.float32) + 0.5)[None, :]
    qy = (np.arange(y0, y1, dtype=np.float32) + 0.5)[:, None]
    uv = uv.astype(np.float32)
    rpx = rpx.astype(np.float32)
    ab = uv[1] - uv[0]
    l2 = float(ab @ ab)
    if l2 < 1e-9:
        s = np.zeros((y1 - y0, x1 - x0))
    else:
        s = np.clip(((qx - uv[0, 0]) * ab[0] + (qy - uv[0, 1]) * ab[1]) / l2, 0, 1)
    dx = qx - (uv[0, 0] + s * ab[0])
    dy = qy - (uv[0, 1] + s * ab[1])
    r_px = rpx[0] + s * (rpx[1] - rpx[0])
    d2 = (dx * dx + dy * dy) / (r_px * r_px)
    iy, ix = np.nonzero(d2 < 1.0)
    if iy.size == 0:
        return
    s, d2, dx, dy, r_px = s[iy, ix], d2[iy, ix], dx[iy, ix], dy[iy, ix], r_px[iy, ix]
    nz = np.sqrt(1.0 - d2)
    depth = z[0] + s * (z[1] - z[0]) - (c.ra + s * (c.rb - c.ra)) * nz
    zsub = zbuf[y0:y1, x0:x1]
    win = depth < zsub[iy, ix]
    if not win.any():
        return
    iy, ix, s, nz, dx, dy, r_px, depth = iy[win], ix[win], s[win], nz[win], dx[win], dy[win], r_px[win], depth[win]
    col = _colour_map(s.shape, c.rgb, c.bands, lambda sel: (s >= sel[0]) & (s < sel[1]))
    shaded = _shade(dx / r_px, dy / r_px, -nz, col)
    zsub[iy, ix] = depth
    img[y0 + iy, x0 + ix] = shaded


def draw(cam: Camera, prims, img: np.ndarray, zbuf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Draw primitives over ``img`` (H,W,3 float 0-1) with depth buffer ``zbuf``; returns new arrays."""
    img = img.copy()
    zbuf = zbuf.copy()
    for p in prims:
        if isinstance(p, Ellipsoid):
            _draw_ellipsoid(cam, p, img, zbuf)
        else:
            _draw_capsule(cam, p, img, zbuf)
    return img, zbuf
