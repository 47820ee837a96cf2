"""Gait-event accuracy against force-plate contacts: RBDS001 treadmill running at 2.5 m/s.

Markers (150 Hz) are mapped to BlazePose-like points, projected through a virtual pinhole side
camera 3.5 m to the runner's left at hip height, resampled to 60 and 120 fps, corrupted with
landmark noise (3 px near leg, 4.5 px far leg, body ~650 px tall), cleaned with the default
``CleaningConfig`` and passed to each event method. Truth: vertical GRF (Fy) with a 30/200 N
hysteresis (on when Fy passes 30 N on the way to 200 N; off below 30 N) -> 79 initial contacts.

Marker -> landmark mapping (approximate; the joint centres from the static trial are not used):
heel = Heel.Bottom; foot_index = midpoint of MT1 and MT5 (their labels are swapped in this trial,
which a midpoint ignores); ankle = mean of Shank.Bottom lateral/medial and Heel.Top; knee = mean of
Thigh.Bottom and Shank.Top lateral/medial; hip = mean of that side's ASIS and PSIS, 90 mm lower;
shoulders / head are placed above the pelvis (the trial has no trunk markers).

Run: ``python benchmarks/events_mocap.py [--data DIR] [--seeds N]``; prints one table row per
(fps, method): matched events, median |error| and median signed error of IC and TO [ms], mean
contact-time error [ms], and cadence (120 / median stride time) vs 157.0 spm.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from formcheck.cleaning import clean_pose
from formcheck.events import METHODS, detect_contacts
from formcheck.geometry import leg_length_px
from formcheck.landmarks import Landmark as L
from formcheck.types import PoseSeries, VideoMeta

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "mocap"
MARKER_HZ, FORCE_HZ = 150.0, 300.0


def load_markers(data: Path) -> pd.DataFrame:
    return pd.read_csv(data / "BMCRIC_RBDS001runT25markers.txt.gz", sep="\t")


def grf_contacts(data: Path, *, on_n: float = 30.0, confirm_n: float = 200.0) -> pd.DataFrame:
    f = pd.read_csv(data / "BMCRIC_RBDS001runT25forces.txt", sep="\t")
    fy = f["Fy"].to_numpy()
    t = (f["Time"].to_numpy() - 1) / FORCE_HZ
    rows, i = [], 0
    above = fy > on_n
    while i < len(fy):
        if above[i] and (i == 0 or not above[i - 1]):
            j = i
            while j < len(fy) and above[j]:
                j += 1
            if fy[i:j].max() >= confirm_n and i > 0 and j < len(fy):
                # sub-sample crossing times
                ic = t[i - 1] + (on_n - fy[i - 1]) / (fy[i] - fy[i - 1]) / FORCE_HZ
                tc = t[j - 1] + (fy[j - 1] - on_n) / (fy[j - 1] - fy[j]) / FORCE_HZ
                rows.append((ic, tc))
            i = j
        else:
            i += 1
    return pd.DataFrame(rows, columns=["ic_s", "tc_s"])


def _m(df: pd.DataFrame, name: str) -> np.ndarray:
    return df[[f"{name}X", f"{name}Y", f"{name}Z"]].to_numpy(float)


def landmarks_3d(df: pd.DataFrame) -> np.ndarray:
    """(N, 33, 3) lab-frame points [mm]; X forward, Y up, Z lateral (right = larger Z)."""
    n = len(df)
    p = np.full((n, 33, 3), np.nan)
    for s, S in (("R", "RIGHT"), ("L", "LEFT")):
        hip = 0.5 * (_m(df, f"{s}.ASIS") + _m(df, f"{s}.PSIS")) - [0, 90, 0]
        knee = np.mean([_m(df, f"{s}.Thigh.Bottom.Lateral"), _m(df, f"{s}.Thigh.Bottom.Medial"),
                        _m(df, f"{s}.Shank.Top.Lateral"), _m(df, f"{s}.Shank.Top.Medial")], axis=0)
        ankle = np.mean([_m(df, f"{s}.Shank.Bottom.Lateral"), _m(df, f"{s}.Shank.Bottom.Medial"), _m(df, f"{s}.Heel.Top")], axis=0)
        heel = _m(df, f"{s}.Heel.Bottom")
        toe = 0.5 * (_m(df, f"{s}.MT1") + _m(df, f"{s}.MT5"))
        sh = hip + [60, 520, 0]
        for name, v in (("HIP", hip), ("KNEE", knee), ("ANKLE", ankle), ("HEEL", heel), ("FOOT_INDEX", toe),
                        ("SHOULDER", sh), ("ELBOW", sh + [0, -300, 0]), ("WRIST", sh + [150, -450, 0]), ("EAR", sh + [0, 200, 0])):
            p[:, int(L[f"{S}_{name}"])] = v
    p[:, int(L.NOSE)] = 0.5 * (p[:, int(L.LEFT_EAR)] + p[:, int(L.RIGHT_EAR)]) + [110, -20, 0]
    return p


def project_side(p: np.ndarray, *, distance_mm: float = 3500.0, f_px: float = 1300.0) -> np.ndarray:
    """Pinhole camera on the runner's left (smaller Z), at pelvis height, optical axis along +Z."""
    centre = np.nanmedian(p[:, [int(L.LEFT_HIP), int(L.RIGHT_HIP)]].reshape(-1, 3), axis=0)
    cam = centre - [0, 0, distance_mm]
    d = p - cam
    x = 960 + f_px * d[..., 0] / d[..., 2]
    y = 540 - f_px * d[..., 1] / d[..., 2]
    return np.stack([x, y], axis=-1)


def synth_pose(xy150: np.ndarray, fps: float, *, noise_px: float, seed: int) -> PoseSeries:
    n150 = len(xy150)
    t150 = np.arange(n150) / MARKER_HZ
    t = np.arange(0, t150[-1], 1.0 / fps)
    flat = xy150.reshape(n150, -1)
    xy = np.stack([np.interp(t, t150, flat[:, c]) for c in range(flat.shape[1])], axis=1).reshape(len(t), 33, 2)
    rng = np.random.default_rng(seed)
    far = [int(lm) for lm in L if lm.name.startswith("RIGHT")]
    xy = xy + rng.normal(0, noise_px, xy.shape)
    xy[:, far] += rng.normal(0, noise_px * 1.12, (len(t), len(far), 2))  # far leg total ~1.5x
    arrays = PoseSeries.empty_arrays(len(t))
    arrays["xy"] = xy
    vis = np.full((len(t), 33), 0.95)
    vis[:, far] = 0.7
    arrays["visibility"] = vis
    arrays["presence"] = vis
    meta = VideoMeta(path=Path("rbds001_t25_virtual.mp4"), n_frames=len(t), width_px=1920, height_px=1080,
                     rotation_deg=0, container_fps=fps, capture_fps=fps, duration_s=float(t[-1]))
    return PoseSeries(frame=np.arange(len(t)), t_s=t, meta=meta, **arrays)


def evaluate(contacts: pd.DataFrame, truth: pd.DataFrame, xy3: np.ndarray, *, tol_s: float = 0.12) -> dict:
    """Match each true contact to the nearest detected IC of the foot that was on the plate."""
    t150 = np.arange(len(xy3)) / MARKER_HZ
    e_ic, e_tc, e_ct = [], [], []
    for r in truth.itertuples():
        k = int(np.clip(round((r.ic_s + r.tc_s) / 2 * MARKER_HZ), 0, len(xy3) - 1))
        side = "left" if xy3[k, int(L.LEFT_HEEL), 1] < xy3[k, int(L.RIGHT_HEEL), 1] else "right"
        c = contacts[contacts.side == side]
        if not len(c):
            continue
        j = int(np.argmin(np.abs(c.ic_s.to_numpy() - r.ic_s)))
        if abs(c.ic_s.iloc[j] - r.ic_s) > tol_s:
            continue
        e_ic.append(c.ic_s.iloc[j] - r.ic_s)
        e_tc.append(c.tc_s.iloc[j] - r.tc_s)
        e_ct.append((c.tc_s.iloc[j] - c.ic_s.iloc[j]) - (r.tc_s - r.ic_s))
    del t150
    e_ic, e_tc, e_ct = (1000 * np.array(x) for x in (e_ic, e_tc, e_ct))
    out = {"matched": len(e_ic), "ic_abs_med_ms": np.median(np.abs(e_ic)), "ic_med_ms": np.median(e_ic),
           "tc_abs_med_ms": np.median(np.abs(e_tc)), "tc_med_ms": np.median(e_tc), "ct_mean_err_ms": np.mean(e_ct)}
    strides = []
    for s in ("left", "right"):
        ic = np.sort(contacts[contacts.side == s].ic_s.to_numpy())
        d = np.diff(ic)
        strides += list(d[d < 1.2])
    out["cadence_spm"] = 120.0 / np.median(strides) if strides else np.nan
    return out


def run(data: Path, *, seeds: int = 3, fps_list=(60.0, 120.0)) -> pd.DataFrame:
    df = load_markers(data)
    truth = grf_contacts(data)
    p3 = landmarks_3d(df)
    xy150 = project_side(p3)
    rows = []
    for fps in fps_list:
        for method in METHODS:
            res = []
            for seed in range(seeds):
                pose = synth_pose(xy150, fps, noise_px=3.0, seed=seed)
                clean, _ = clean_pose(pose)
                leg = leg_length_px(clean.xy[:, int(L.LEFT_HIP)], clean.xy[:, int(L.LEFT_KNEE)], clean.xy[:, int(L.LEFT_ANKLE)])
                c, _ = detect_contacts(clean.xy, clean.t_s, facing=1.0, leg_px=leg, method=method)
                res.append(evaluate(c, truth, p3))
            row = pd.DataFrame(res).mean().to_dict()
            row.update(fps=fps, method=method, true_contacts=len(truth),
                       true_cadence_spm=60.0 * (len(truth) - 1) / (truth.ic_s.iloc[-1] - truth.ic_s.iloc[0]))
            rows.append(row)
    cols = ["fps", "method", "true_contacts", "matched", "ic_abs_med_ms", "ic_med_ms", "tc_abs_med_ms", "tc_med_ms",
            "ct_mean_err_ms", "cadence_spm", "true_cadence_spm"]
    return pd.DataFrame(rows)[cols]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--seeds", type=int, default=3)
    a = ap.parse_args(argv)
    if not (a.data / "BMCRIC_RBDS001runT25forces.txt").exists():
        sys.stderr.write(f"mocap data not found in {a.data}\n")
        return 1
    sys.stdout.write(run(a.data, seeds=a.seeds).round(2).to_string(index=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
