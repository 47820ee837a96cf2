"""Motion-capture marker files from a landmarks table: OpenSim TRC (write and a strict reader) and
C3D (through ezc3d, imported only when used). Coordinates are Y up: image pixels (or mm with a
known scale) or MediaPipe's approximate world landmarks; see ``marker_trajectories``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from formcheck.landmarks import LANDMARK_NAMES, N_LANDMARKS


def marker_trajectories(landmarks: pd.DataFrame, *, height_px: int, m_per_px: float | None = None,
                        space: str = "image") -> tuple[list[str], np.ndarray, str]:
    """``(names, xyz (T, 33, 3), units)`` for motion-capture formats, **Y up**.

    ``space="image"``: X = x_px, Y = height_px - y_px (origin at the image's bottom-left), Z = 0;
    scaled to mm with ``m_per_px`` when known (units ``"mm"``), else left in pixels (units ``"px"``).
    ``space="world"``: MediaPipe world landmarks in mm with Y and Z negated (a 180 deg rotation about X,
    so the frame stays right-handed and Y points up); hip-centred and approximate.
    """
    n = len(landmarks)
    xyz = np.zeros((n, N_LANDMARKS, 3))
    if space == "image":
        s, units = (m_per_px * 1000.0, "mm") if m_per_px else (1.0, "px")
        for j, name in enumerate(LANDMARK_NAMES):
            xyz[:, j, 0] = landmarks[f"{name}_x_px"].to_numpy(float) * s
            xyz[:, j, 1] = (height_px - landmarks[f"{name}_y_px"].to_numpy(float)) * s
    elif space == "world":
        units = "mm"
        for j, name in enumerate(LANDMARK_NAMES):
            for k, (axis, sign) in enumerate(zip("xyz", (1.0, -1.0, -1.0))):
                xyz[:, j, k] = sign * 1000.0 * landmarks[f"{name}_world_{axis}_m"].to_numpy(float)
        missing = np.isnan(xyz).any(axis=2)
        xyz[missing] = np.nan
    else:
        raise ValueError(f"space must be image|world, got {space!r}")
    if space == "image":
        missing = np.isnan(xyz[:, :, :2]).any(axis=2)
        xyz[missing] = np.nan
    return list(LANDMARK_NAMES), xyz, units


def _fmt(v: float) -> str:
    return "NaN" if not math.isfinite(v) else f"{v:.5f}"


def write_trc(path: str | Path, names: list[str], xyz: np.ndarray, t_s: np.ndarray, rate_hz: float,
              units: str) -> Path:
    """OpenSim TRC (``PathFileType 4``); missing markers are written as ``NaN``."""
    path = Path(path)
    nf, nm, _ = xyz.shape
    lines = [f"PathFileType\t4\t(X/Y/Z)\t{path.name}",
             "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame\tOrigNumFrames",
             f"{rate_hz:g}\t{rate_hz:g}\t{nf}\t{nm}\t{units}\t{rate_hz:g}\t1\t{nf}",
             "Frame#\tTime\t" + "\t\t\t".join(names) + "\t\t",
             "\t\t" + "\t".join(f"X{i + 1}\tY{i + 1}\tZ{i + 1}" for i in range(nm)), ""]
    for k in range(nf):
        lines.append(f"{k + 1}\t{t_s[k]:.6f}\t" + "\t".join(_fmt(v) for v in xyz[k].ravel()))
    path.write_text("\n".join(lines) + "\n")
    return path


def read_trc(path: str | Path) -> tuple[dict, list[str], np.ndarray, np.ndarray]:
    """Strict TRC reader: ``(header, names, t_s, xyz (T, M, 3))``; raises ``ValueError`` on any
    inconsistency (counts, column labels, row lengths, frame numbers)."""
    lines = Path(path).read_text().split("\n")
    if not lines[0].startswith("PathFileType\t4\t(X/Y/Z)"):
        raise ValueError("line 1: not a PathFileType 4 (X/Y/Z) TRC file")
    keys, vals = lines[1].split("\t"), lines[2].split("\t")
    if len(keys) != 8 or len(vals) != 8:
        raise ValueError("lines 2-3: expected 8 header fields")
    header = dict(zip(keys, vals))
    nf, nm = int(header["NumFrames"]), int(header["NumMarkers"])
    row4 = lines[3].split("\t")
    if row4[:2] != ["Frame#", "Time"]:
        raise ValueError("line 4: expected Frame# and Time")
    names = [v for v in row4[2:] if v]
    if len(names) != nm or row4[2:] != [x for nm_ in names for x in (nm_, "", "")]:
        raise ValueError(f"line 4: expected {nm} marker names each followed by two empty fields")
    expect5 = ["", ""] + [f"{a}{i + 1}" for i in range(nm) for a in "XYZ"]
    if lines[4].split("\t") != expect5:
        raise ValueError("line 5: X/Y/Z labels do not match the marker count")
    if lines[5] != "":
        raise ValueError("line 6: expected an empty line")
    data = [ln for ln in lines[6:] if ln != ""]
    if len(data) != nf:
        raise ValueError(f"expected {nf} data rows, found {len(data)}")
    t = np.empty(nf)
    xyz = np.empty((nf, nm, 3))
    for k, ln in enumerate(data):
        f = ln.split("\t")
        if len(f) != 2 + 3 * nm:
            raise ValueError(f"data row {k + 1}: expected {2 + 3 * nm} fields, found {len(f)}")
        if int(f[0]) != k + 1:
            raise ValueError(f"data row {k + 1}: frame number {f[0]}")
        t[k] = float(f[1])
        xyz[k] = np.array([float(v) for v in f[2:]]).reshape(nm, 3)
    return header, names, t, xyz


def write_c3d(path: str | Path, names: list[str], xyz: np.ndarray, rate_hz: float, units: str) -> Path:
    """C3D via ezc3d; missing markers are NaN (ezc3d marks them invalid with a negative residual)."""
    import ezc3d

    c = ezc3d.c3d()
    c["parameters"]["POINT"]["RATE"]["value"] = [float(rate_hz)]
    c["parameters"]["POINT"]["LABELS"]["value"] = list(names)
    c["parameters"]["POINT"]["UNITS"]["value"] = [units]
    pts = np.ones((4, len(names), xyz.shape[0]))
    pts[:3] = np.transpose(xyz, (2, 1, 0))
    c["data"]["points"] = pts
    c.write(str(path))
    return Path(path)
