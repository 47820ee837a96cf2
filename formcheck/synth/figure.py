"""The runner's body as shaded volumes (ellipsoids and tapered capsules) for one instant.

Widths follow adult anthropometry as fractions of height H: outer shoulder width ~0.24 H, hip width
~0.19 H, chest depth ~0.12 H, thigh radius ~0.056 H. The pelvis carries the shorts and a contrasting
waistband whose top edge is the plane ``z = WAIST_Z_FRAC * H`` of the pelvis frame, so the band tilts
exactly with the pelvis; a tucked top ends there. A loose top adds a shirt volume fixed to the trunk
whose hem (a plane of the trunk frame) hides the waistband. Hair covers the back and top of the head;
eyes, brows, nose, mouth and ears are at the front and sides.
"""

from __future__ import annotations

import numpy as np

from formcheck.synth.kinematics import Dims, Skeleton
from formcheck.synth.params import BodyParams
from formcheck.synth.raster import Capsule, Ellipsoid

WAIST_Z_FRAC = 0.036  # top of the waistband, pelvis frame, above the ellipsoid centre
PELVIS_CENTRE_UP_FRAC = 0.012  # pelvis ellipsoid centre above the hip joint centres
WAISTBAND_FRAC = 0.022  # waistband height
PELVIS_RADII_FRAC = (0.062, 0.097, 0.075)
HEM_BELOW_HIP_FRAC = 0.045  # loose top: hem below the hip-joint midpoint, along the spine


def waistband_endpoints(sk: Skeleton, dims: Dims) -> dict[str, np.ndarray]:
    """World positions (T,3) of the left and right ends of the waistband's top edge (pelvis frame)."""
    h = dims.height
    fr = sk.frames["pelvis"]
    c = sk.points["pelvis"] + (PELVIS_CENTRE_UP_FRAC + WAIST_Z_FRAC) * h * fr[:, :, 2]
    ry = PELVIS_RADII_FRAC[1] * h
    half = ry * np.sqrt(1 - (WAIST_Z_FRAC / PELVIS_RADII_FRAC[2]) ** 2)
    return {"left": c + half * fr[:, :, 1], "right": c - half * fr[:, :, 1]}


def body_primitives(sk: Skeleton, i: int, dims: Dims, body: BodyParams, offset: np.ndarray) -> list:
    """Primitives of frame ``i`` of the skeleton, shifted by ``offset`` (ground -> world)."""
    h, b = dims.height, body.build
    P = {k: v[i] + offset for k, v in sk.points.items()}
    F = {k: v[i] for k, v in sk.frames.items()}
    skin, shirt, shorts = body.skin_rgb, body.shirt_rgb, body.shorts_rgb
    prims: list = []

    # --- legs and feet
    for side in ("left", "right"):
        fr = F[f"foot_{side}"]
        ctr = P[f"ankle_{side}"] + fr @ np.array([0.28 * dims.foot_len, 0, -dims.ankle_h + 0.026 * h])
        prims.append(Ellipsoid(ctr, fr, np.array([0.51 * dims.foot_len, 0.033 * h * b, 0.027 * h]), body.shoe_rgb,
                               bands=((2, -1.0, -0.012 * h, body.sole_rgb),)))
        heel_c = P[f"ankle_{side}"] + fr @ np.array([-0.05 * dims.foot_len, 0, -0.005 * h])
        prims.append(Ellipsoid(heel_c, fr, np.array([0.2 * dims.foot_len, 0.026 * h * b, 0.03 * h]), body.shoe_rgb))
        prims.append(Capsule(P[f"knee_{side}"], P[f"ankle_{side}"], 0.036 * h * b, 0.021 * h * b, skin,
                             bands=((0.8, 1.01, body.sock_rgb),)))
        prims.append(Capsule(P[f"hip_{side}"], P[f"knee_{side}"], 0.057 * h * b, 0.035 * h * b, skin,
                             bands=((-0.01, body.shorts_length_frac, shorts),)))

    # --- pelvis: shorts, waistband, tucked shirt above
    pf = F["pelvis"]
    pc = P["pelvis"] + PELVIS_CENTRE_UP_FRAC * h * pf[:, 2]
    radii = np.array(PELVIS_RADII_FRAC) * h * np.array([b, b, 1.0])
    zw = WAIST_Z_FRAC * h
    prims.append(Ellipsoid(pc, pf, radii, shorts,
                           bands=((2, zw - WAISTBAND_FRAC * h, zw, body.waistband_rgb), (2, zw, 1.0, shirt))))
    for sg in (1.0, -1.0):
        bc = P["pelvis"] + pf @ np.array([-0.03 * h * b, sg * 0.045 * h, -0.022 * h])
        prims.append(Ellipsoid(bc, pf, np.array([0.045 * h * b, 0.05 * h * b, 0.055 * h]), shorts))

    # --- trunk
    af, tf = F["abdomen"], F["thorax"]
    hip_mid, sh_mid = P["hip_mid"], P["shoulder_mid"]
    prims.append(Ellipsoid(hip_mid + 0.135 * h * af[:, 2], af, np.array([0.055 * b, 0.080 * b, 0.10]) * h, shirt))
    prims.append(Ellipsoid(sh_mid - 0.078 * h * tf[:, 2], tf, np.array([0.062 * b, 0.092 * b, 0.105]) * h, shirt))
    prims.append(Ellipsoid(sh_mid - 0.012 * h * tf[:, 2], tf, np.array([0.045 * b, 0.112 * b, 0.032]) * h, shirt))
    if body.top == "loose":
        c = hip_mid + 0.03 * h * af[:, 2]
        hem = -(0.03 + HEM_BELOW_HIP_FRAC) * h
        prims.append(Ellipsoid(c, af, np.array([0.072 * b, 0.106 * b, 0.16]) * h, shirt, keep=((2, hem, 1.0),)))

    # --- arms
    for side in ("left", "right"):
        prims.append(Capsule(P[f"shoulder_{side}"], P[f"elbow_{side}"], 0.031 * h * b, 0.023 * h * b, skin,
                             bands=((-0.01, body.sleeve_frac, shirt),)))
        prims.append(Capsule(P[f"elbow_{side}"], P[f"wrist_{side}"], 0.022 * h * b, 0.016 * h * b, skin))
        prims.append(Ellipsoid(P[f"fist_{side}"], F[f"forearm_{side}"], np.array([0.024, 0.02, 0.03]) * h, skin))

    # --- neck and head
    hf = F["head"]
    hc = P["head"]
    prims.append(Capsule(sh_mid - 0.01 * h * tf[:, 2], hc - 0.04 * h * hf[:, 2], 0.03 * h, 0.027 * h, skin))
    prims.append(Ellipsoid(hc, hf, np.array([0.056, 0.045, 0.066]) * h, skin))
    hair = body.hair_rgb
    hc_hair = hc + hf @ np.array([-0.006, 0.0, 0.006]) * h
    hr = np.array([0.060, 0.049, 0.068]) * h
    prims.append(Ellipsoid(hc_hair, hf, hr, hair, keep=((0, -1.0, 0.012 * h), (2, -0.03 * h, 1.0))))
    prims.append(Ellipsoid(hc_hair, hf, hr, hair, keep=((2, 0.043 * h, 1.0),)))
    dark, white, lips = (35, 25, 22), (235, 232, 225), (150, 60, 60)
    for side, sg in (("left", 1.0), ("right", -1.0)):
        e = P[f"eye_{side}"]
        prims.append(Ellipsoid(e, hf, np.array([0.006, 0.009, 0.0055]) * h, white))
        prims.append(Ellipsoid(e + hf @ np.array([0.0035, 0, 0]) * h, hf, np.array([0.004, 0.0045, 0.0045]) * h, dark))
        prims.append(Ellipsoid(e + hf @ np.array([-0.001, 0, 0.0105]) * h, hf, np.array([0.005, 0.011, 0.0025]) * h,
                               hair))
        prims.append(Ellipsoid(P[f"ear_{side}"], hf, np.array([0.009, 0.007, 0.015]) * h, skin))
    prims.append(Ellipsoid(P["nose"] - 0.011 * h * hf[:, 0], hf, np.array([0.013, 0.0085, 0.016]) * h, skin))
    mouth = 0.5 * (P["mouth_left"] + P["mouth_right"])
    prims.append(Ellipsoid(mouth, hf, np.array([0.006, 0.012, 0.0045]) * h, lips))
    return prims
