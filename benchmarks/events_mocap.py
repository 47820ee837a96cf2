"""Gait-event accuracy against force-plate contacts: RBDS001 treadmill running at 2.5 m/s (T25, the
issue's reference) and 3.5 m/s (T35).

Markers (150 Hz) are mapped to BlazePose-like points, projected through a virtual pinhole side
camera 3.5 m to the runner's left at hip height (the runner travels to image -x, left leg near),
resampled to 60 and 120 fps, corrupted with landmark noise (3 px near leg, 4.5 px far leg, body
~650 px tall), cleaned with the default ``CleaningConfig`` and passed to each event method. Truth:
vertical GRF (Fy) with a 30/200 N hysteresis (on when Fy passes 30 N on the way to 200 N; off below
30 N) -> 77 initial contacts with a toe-off inside the recording. T35 (``--trial T35``): markers
and force from the c3d, whose vertical force channel (F1Z) is unscaled, so the thresholds are T25's
as fractions of the median stance peak (``ON_FRAC``, ``CONFIRM_FRAC``) -> 85 contacts, 171.18 spm.

Marker -> landmark mapping (``--mapping``):

* ``static`` (default, ``landmarks_3d_static``): the static trial's anatomical markers define the
  points, carried into every running frame by rigid fits of the segments' tracking clusters: hip =
  Harrington regression from ASIS/PSIS, knee = epicondyle midpoint, ankle = malleolus midpoint,
  heel and toe tip at sole level (the toe tip kept level while the foot points down in push-off).
  Segment lengths stay constant (thigh 465 +- 4 mm, shank 431 +- 6 mm).
* ``clusters`` (``landmarks_3d``, the first version): cluster means (knee = thigh/shank plate
  markers, which sit well away from the joint: "shank" 284 +- 27 mm), heel = Heel.Bottom marker,
  foot_index = MT1/MT5 midpoint on the shoe upper; shoulders/head placed above the pelvis (the trial
  has no trunk markers; both mappings use these).

Run: ``python benchmarks/events_mocap.py [--data DIR] [--seeds N] [--mapping static|clusters]``;
prints one table row per (fps, method): matched events, median |error| and median signed error of IC
and TO [ms], mean contact-time error [ms], and cadence (``cadence_spm_from_strides``: 120 / mean of the
inlier stride times; ``cadence_median_spm`` = 120 / median stride time for comparison; truth 156.8 =
60 (n - 1) / (last - first force-plate IC), 157.0 spm as stated for the trial).
"""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from formcheck.cleaning import clean_pose
from formcheck.events import METHODS, cadence_spm_from_strides, detect_contacts
from formcheck.geometry import leg_length_px
from formcheck.landmarks import Landmark as L
from formcheck.types import PoseSeries, VideoMeta

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "mocap"
MARKER_HZ, FORCE_HZ = 150.0, 300.0
FACING = -1.0  # the virtual camera sees the runner travel to image -x (``project_side``)


def load_markers(data: Path) -> pd.DataFrame:
    return pd.read_csv(data / "BMCRIC_RBDS001runT25markers.txt.gz", sep="\t")


def contacts_from_force(fy: np.ndarray, force_hz: float, *, on: float, confirm: float) -> pd.DataFrame:
    """Stance phases of a vertical force ``fy`` (sampled at ``force_hz``, first sample at t = 0):
    on when it passes ``on`` on the way to at least ``confirm``, off when it falls below ``on``;
    sub-sample crossing times; contacts cut by the recording's ends are dropped."""
    t = np.arange(len(fy)) / force_hz
    rows, i = [], 0
    above = fy > on
    while i < len(fy):
        if above[i] and (i == 0 or not above[i - 1]):
            j = i
            while j < len(fy) and above[j]:
                j += 1
            if fy[i:j].max() >= confirm and i > 0 and j < len(fy):
                ic = t[i - 1] + (on - fy[i - 1]) / (fy[i] - fy[i - 1]) / force_hz
                tc = t[j - 1] + (fy[j - 1] - on) / (fy[j - 1] - fy[j]) / force_hz
                rows.append((ic, tc))
            i = j
        else:
            i += 1
    return pd.DataFrame(rows, columns=["ic_s", "tc_s"])


def grf_contacts(data: Path, *, on_n: float = 30.0, confirm_n: float = 200.0) -> pd.DataFrame:
    """T25 force-plate contacts from the force text file (``Time`` = 1-based frame number)."""
    f = pd.read_csv(data / "BMCRIC_RBDS001runT25forces.txt", sep="\t")
    assert f["Time"].iloc[0] == 1
    return contacts_from_force(f["Fy"].to_numpy(), FORCE_HZ, on=on_n, confirm=confirm_n)


# T25's 30 / 200 N thresholds as fractions of its median stance peak (1361 N), for force data whose
# scale is unknown (T35's c3d analog channel is unscaled)
ON_FRAC, CONFIRM_FRAC = 0.022, 0.147


@functools.lru_cache(maxsize=2)
def _t35_c3d(data: Path):
    """The T35 c3d, parsed once (markers and force both come from it; read-only)."""
    import ezc3d

    return ezc3d.c3d(str(data / "BMCRIC_RBDS001runT35.c3d"))


def grf_contacts_t35(data: Path) -> pd.DataFrame:
    """T35 (3.5 m/s) force-plate contacts from the c3d's vertical analog channel (F1Z, loading
    negative, unscaled): baseline = median of the lowest quarter of samples (flight), thresholds
    ``ON_FRAC`` / ``CONFIRM_FRAC`` of the median stance peak above it."""
    c = _t35_c3d(data)
    labels = list(c["parameters"]["ANALOG"]["LABELS"]["value"])
    hz = float(c["parameters"]["ANALOG"]["RATE"]["value"][0])
    fz = -c["data"]["analogs"][0, labels.index("F1Z")]
    base = float(np.median(np.sort(fz)[: len(fz) // 4]))
    fz = fz - base
    rough = contacts_from_force(fz, hz, on=0.1 * fz.max(), confirm=0.5 * fz.max())
    t = np.arange(len(fz)) / hz
    peak = float(np.median([fz[(t >= a) & (t <= b)].max() for a, b in zip(rough.ic_s, rough.tc_s)]))
    return contacts_from_force(fz, hz, on=ON_FRAC * peak, confirm=CONFIRM_FRAC * peak)


def load_markers_t35(data: Path) -> pd.DataFrame:
    """T35 markers from the c3d as the T25 text file's columns (``<label>X/Y/Z``, mm, 150 Hz)."""
    c = _t35_c3d(data)
    labels = list(c["parameters"]["POINT"]["LABELS"]["value"])
    pts = c["data"]["points"][:3]  # (3, markers, frames)
    cols = {f"{lab}{ax}": pts[k, m] for m, lab in enumerate(labels) for k, ax in enumerate("XYZ")}
    return pd.DataFrame(cols)


TRIALS = {"T25": (2.5, load_markers, grf_contacts), "T35": (3.5, load_markers_t35, grf_contacts_t35)}


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


def _rigid(static_pts: np.ndarray, moving: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame rotation R (N, 3, 3) and translation t (N, 3) taking a static cluster (K, 3) onto
    the moving one (N, K, 3) in the least-squares sense (Kabsch)."""
    bad = ~np.isfinite(moving).all(axis=(1, 2))
    moving = np.where(bad[:, None, None], static_pts[None], moving)
    a = static_pts - static_pts.mean(axis=0)
    cm = moving.mean(axis=1)
    b = moving - cm[:, None]
    h = np.einsum("ki,nkj->nij", a, b)
    u, _, vt = np.linalg.svd(h)
    d = np.sign(np.linalg.det(np.einsum("nij,njk->nik", vt.transpose(0, 2, 1), u.transpose(0, 2, 1))))
    fix = np.ones((len(moving), 3))
    fix[:, 2] = d
    r = np.einsum("nji,nj,nkj->nik", vt, fix, u)  # R = V diag(1,1,d) U^T
    t = cm - np.einsum("nij,j->ni", r, static_pts.mean(axis=0))
    t[bad] = np.nan  # a marker missing: no pose for that frame
    return r, t


def _carry(static_point: np.ndarray, r: np.ndarray, t: np.ndarray) -> np.ndarray:
    return np.einsum("nij,j->ni", r, static_point) + t


def landmarks_3d_static(df: pd.DataFrame, static: pd.DataFrame, *, toe_frac: float = 0.75) -> np.ndarray:
    """(N, 33, 3) like ``landmarks_3d``, with anatomical points calibrated on the static trial.

    Each segment's tracking cluster (pelvis: ASIS/PSIS; thigh and shank: their four plate markers;
    foot: the three heel markers plus the MT1-MT5 midpoint, which ignores their swapped labels) is
    fitted rigidly (Kabsch) from the static pose to every running frame and carries the points
    defined in the static trial: hip = Harrington et al. 2007 regression from the pelvis markers;
    knee = epicondyle midpoint (thigh cluster); ankle = malleolus midpoint (shank cluster); heel =
    the heel marker dropped to the floor (Y = 0), i.e. the back of the sole; foot_index = the toe tip:
    from the ball of the foot (MT2 at floor level) a further (MT2 - heel) x (1 - ``toe_frac``) /
    ``toe_frac`` along the foot (metatarsal heads at ~75 % of foot length), kept level when the
    foot points down (the toes bend at the ball in push-off instead of digging into the belt). Pose models place heel and foot index on the shoe outline, so sole points are closer to
    what they report than markers on the shoe upper."""
    st = static.mean(numeric_only=True)

    def sm(name):
        return np.array([st[f"{name}X"], st[f"{name}Y"], st[f"{name}Z"]], float)

    n = len(df)
    p = landmarks_3d(df)  # upper body as before
    pel_names = ("R.ASIS", "L.ASIS", "R.PSIS", "L.PSIS")
    r_p, t_p = _rigid(np.array([sm(k) for k in pel_names]), np.stack([_m(df, k) for k in pel_names], axis=1))
    asis_mid = 0.5 * (sm("R.ASIS") + sm("L.ASIS"))
    psis_mid = 0.5 * (sm("R.PSIS") + sm("L.PSIS"))
    pw = float(np.linalg.norm(sm("R.ASIS") - sm("L.ASIS")))
    pd_ = float(np.linalg.norm(asis_mid - psis_mid))
    fwd = asis_mid - psis_mid
    lat = sm("R.ASIS") - sm("L.ASIS")  # towards the right
    up = np.cross(lat, fwd)
    fwd, lat, up = (v / np.linalg.norm(v) for v in (fwd, lat, up))
    up = up if up[1] > 0 else -up
    for s, S, side in (("R", "RIGHT", 1.0), ("L", "LEFT", -1.0)):
        hjc = asis_mid + fwd * (-0.24 * pd_ - 9.9) + up * (-0.30 * pw - 10.9) + lat * side * (0.33 * pw + 7.3)
        thigh = [f"{s}.Thigh.{a}.{b}" for a in ("Top", "Bottom") for b in ("Lateral", "Medial")]
        shank = [f"{s}.Shank.{a}.{b}" for a in ("Top", "Bottom") for b in ("Lateral", "Medial")]
        r_t, t_t = _rigid(np.array([sm(k) for k in thigh]), np.stack([_m(df, k) for k in thigh], axis=1))
        r_s, t_s = _rigid(np.array([sm(k) for k in shank]), np.stack([_m(df, k) for k in shank], axis=1))
        foot_st = np.array([sm(f"{s}.Heel.Top"), sm(f"{s}.Heel.Bottom"), sm(f"{s}.Heel.Lateral"),
                            0.5 * (sm(f"{s}.MT1") + sm(f"{s}.MT5"))])
        foot_run = np.stack([_m(df, f"{s}.Heel.Top"), _m(df, f"{s}.Heel.Bottom"), _m(df, f"{s}.Heel.Lateral"),
                             0.5 * (_m(df, f"{s}.MT1") + _m(df, f"{s}.MT5"))], axis=1)
        r_f, t_f = _rigid(foot_st, foot_run)
        heel0 = sm(f"{s}.Heel.Bottom") * [1, 0, 1]
        mtp0 = sm(f"{s}.MT2") * [1, 0, 1]  # ball of the foot, sole level
        toe_len = float(np.linalg.norm(mtp0 - heel0)) * (1 - toe_frac) / toe_frac
        mtp = _carry(mtp0, r_f, t_f)
        axis = np.einsum("nij,j->ni", r_f, (mtp0 - heel0) / np.linalg.norm(mtp0 - heel0))
        # the toes bend at the ball: when the foot points down they stay level (push-off)
        level = axis * [1, 0, 1]
        axis = np.where(axis[:, 1:2] < 0, level / np.linalg.norm(level, axis=1, keepdims=True), axis)
        pts = {"HIP": _carry(hjc, r_p, t_p),
               "KNEE": _carry(0.5 * (sm(f"{s}.Knee") + sm(f"{s}.Knee.Medial")), r_t, t_t),
               "ANKLE": _carry(0.5 * (sm(f"{s}.Ankle") + sm(f"{s}.Ankle.Medial")), r_s, t_s),
               "HEEL": _carry(heel0, r_f, t_f), "FOOT_INDEX": mtp + toe_len * axis}
        for name, v in pts.items():
            p[:, int(L[f"{S}_{name}"])] = v
    del n
    return p


def project_side(p: np.ndarray, *, distance_mm: float = 3500.0, f_px: float = 1300.0) -> np.ndarray:
    """Pinhole camera on the runner's left (smaller Z), at pelvis height, optical axis along +Z.

    Image x = -X (a camera looking along +Z with Y up has -X on its right), so the runner travels
    to image -x (``FACING = -1``) with the left leg near, as a real camera on that side sees it."""
    centre = np.nanmedian(p[:, [int(L.LEFT_HIP), int(L.RIGHT_HIP)]].reshape(-1, 3), axis=0)
    cam = centre - [0, 0, distance_mm]
    d = p - cam
    x = 960 - f_px * d[..., 0] / d[..., 2]
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
    out["cadence_spm"] = cadence_spm_from_strides(np.array(strides))
    out["cadence_median_spm"] = 120.0 / np.median(strides) if strides else np.nan
    return out


def run(data: Path, *, seeds: int = 3, fps_list=(60.0, 120.0), mapping: str = "static",
        methods: tuple[str, ...] = METHODS, trial: str = "T25") -> pd.DataFrame:
    _, load, contacts = TRIALS[trial]
    df = load(data)
    truth = contacts(data)
    if mapping == "static":
        p3 = landmarks_3d_static(df, pd.read_csv(data / "BMCRIC_RBDS001static.txt", sep="\t"))
    elif mapping == "clusters":
        p3 = landmarks_3d(df)
    else:
        raise ValueError(f"mapping must be static|clusters, got {mapping!r}")
    xy150 = project_side(p3)
    rows = []
    for fps in fps_list:
        for method in methods:
            res = []
            for seed in range(seeds):
                pose = synth_pose(xy150, fps, noise_px=3.0, seed=seed)
                clean, _ = clean_pose(pose)
                leg = leg_length_px(clean.xy[:, int(L.LEFT_HIP)], clean.xy[:, int(L.LEFT_KNEE)], clean.xy[:, int(L.LEFT_ANKLE)])
                c, _ = detect_contacts(clean.xy, clean.t_s, facing=FACING, leg_px=leg, method=method)
                res.append(evaluate(c, truth, p3))
            row = pd.DataFrame(res).mean().to_dict()
            row.update(trial=trial, fps=fps, method=method, true_contacts=len(truth),
                       true_cadence_spm=60.0 * (len(truth) - 1) / (truth.ic_s.iloc[-1] - truth.ic_s.iloc[0]))
            rows.append(row)
    cols = ["trial", "fps", "method", "true_contacts", "matched", "ic_abs_med_ms", "ic_med_ms", "tc_abs_med_ms", "tc_med_ms",
            "ct_mean_err_ms", "cadence_spm", "cadence_median_spm", "true_cadence_spm"]
    return pd.DataFrame(rows)[cols]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--mapping", choices=("static", "clusters"), default="static",
                    help="marker -> landmark mapping: static-trial calibration (default) or cluster means")
    ap.add_argument("--trial", choices=tuple(TRIALS), action="append",
                    help="RBDS001 trial: T25 (2.5 m/s, force text file) and/or T35 (3.5 m/s, c3d); default both")
    a = ap.parse_args(argv)
    if not (a.data / "BMCRIC_RBDS001runT25forces.txt").exists():
        sys.stderr.write(f"mocap data not found in {a.data}\n")
        return 1
    tab = pd.concat([run(a.data, seeds=a.seeds, mapping=a.mapping, trial=t) for t in (a.trial or tuple(TRIALS))])
    sys.stdout.write(tab.round(2).to_string(index=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
